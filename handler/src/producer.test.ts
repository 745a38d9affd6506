import { Writable } from 'node:stream';
import { logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { HookpipeError, makeLogger, silentLogger } from '@hookpipe/lib';
import {
  makeKafkaSink,
  handlerKafkaLogCreator,
  sizeOfRecord,
  type OutRecord,
  type ProducerLike,
} from './producer.js';

// A stand-in for kafkajs' producer (a third-party client, not a component of ours): each
// instance records what it was asked; the test decides whether connect and send work.
function fakeKafka() {
  const world = { up: true, failNextSend: false };
  const producers: { connects: number; disconnects: number; sent: unknown[] }[] = [];
  const makeProducer = (): ProducerLike => {
    const me = { connects: 0, disconnects: 0, sent: [] as unknown[] };
    producers.push(me);
    return {
      connect: () => {
        me.connects += 1;
        return world.up ? Promise.resolve() : Promise.reject(new Error('ECONNREFUSED'));
      },
      disconnect: () => {
        me.disconnects += 1;
        return Promise.resolve();
      },
      send: (record) => {
        if (world.failNextSend || !world.up) {
          world.failNextSend = false;
          return Promise.reject(new Error('KafkaJSNumberOfRetriesExceeded'));
        }
        me.sent.push(record);
        return Promise.resolve([]);
      },
    };
  };
  return { world, producers, makeProducer };
}

const record: OutRecord = { key: 'acme', value: Buffer.from('{}'), headers: { 'webhook-id': 'msg_1' } };

async function until(check: () => boolean, ms = 2000) {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setImmediate(r));
  }
}

const makeSink = (makeProducer: () => ProducerLike) =>
  makeKafkaSink({
    makeProducer,
    topic: 'webhooks.events',
    ackTimeoutMs: 1000,
    logger: silentLogger(),
    backoff: { baseMs: 1, capMs: 2 },
  });

describe('kafka sink', () => {
  it('sends with acks=all to the topic, the record as given', async () => {
    const k = fakeKafka();
    const sink = makeSink(k.makeProducer);
    sink.start();
    await until(sink.isReady);
    await sink.send([record]);
    expect(k.producers[0]!.sent).toEqual([
      {
        topic: 'webhooks.events',
        acks: -1,
        timeout: 1000,
        messages: [{ key: 'acme', value: record.value, headers: record.headers }],
      },
    ]);
    await sink.stop();
    expect(k.producers[0]!.disconnects).toBe(1);
  });

  it('fails fast with a retriable error while not connected, and connects once Kafka is up', async () => {
    const k = fakeKafka();
    k.world.up = false;
    const sink = makeSink(k.makeProducer);
    sink.start();
    await until(() => k.producers.length >= 3);
    expect(sink.isReady()).toBe(false);
    const err = await sink.send([record]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HookpipeError);
    expect((err as HookpipeError).retriable).toBe(true);
    k.world.up = true;
    await until(sink.isReady);
    await sink.send([record]);
    await sink.stop();
  });

  it('replaces the producer after a failed send (a fresh producer id), never reusing the old one', async () => {
    const k = fakeKafka();
    const sink = makeSink(k.makeProducer);
    sink.start();
    await until(sink.isReady);
    k.world.failNextSend = true;
    await expect(sink.send([record])).rejects.toThrow(/did not acknowledge/);
    await until(sink.isReady);
    await sink.send([record]);
    expect(k.producers).toHaveLength(2);
    expect(k.producers[0]!.sent).toHaveLength(0);
    expect(k.producers[0]!.disconnects).toBe(1);
    expect(k.producers[1]!.sent).toHaveLength(1);
    await sink.stop();
  });

  it('sizes a record by its bytes', () => {
    expect(sizeOfRecord(record)).toBeGreaterThan(record.value.length);
  });
});

describe('kafkajs log filter', () => {
  const capture = () => {
    const lines: { level: string; msg: string }[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l) as never);
        done();
      },
    });
    return { lines, logger: makeLogger('handler-test', { level: 'info', destination }) };
  };
  const entry = (level: logLevel, message: string, extra: Record<string, unknown> = {}) => ({
    namespace: 'x',
    level,
    label: 'ERROR',
    log: { timestamp: '', logger: 'kafkajs', message, ...extra },
  });

  it('drops the limited-retries warning, demotes connection errors, keeps the rest', () => {
    const { lines, logger } = capture();
    const log = handlerKafkaLogCreator(logger)(logLevel.INFO);
    log(entry(logLevel.WARN, 'Limiting retries for the idempotent producer may invalidate EoS guarantees'));
    log(entry(logLevel.ERROR, 'Failed to connect to seed broker, trying another broker from the list'));
    log(entry(logLevel.ERROR, 'Response Produce', { error: 'Connection error: connect ECONNREFUSED' }));
    log(entry(logLevel.ERROR, 'The coordinator is not aware of this member'));
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      ['error', 'The coordinator is not aware of this member'],
    ]);
  });
});

describe('kafka sink stop', () => {
  it('does not wait for a connect attempt that hangs, and disconnects it once it returns', async () => {
    let finishConnect: (() => void) | undefined;
    let disconnects = 0;
    const hanging: ProducerLike = {
      connect: () => new Promise<void>((r) => (finishConnect = r)),
      disconnect: () => {
        disconnects += 1;
        return Promise.resolve();
      },
      send: () => Promise.resolve([]),
    };
    const sink = makeSink(() => hanging);
    sink.start();
    await until(() => finishConnect !== undefined);
    await sink.stop();
    expect(sink.isReady()).toBe(false);
    finishConnect!();
    await until(() => disconnects === 1);
    expect(sink.isReady()).toBe(false);
  });
});
