import { describe, expect, it } from 'vitest';
import { HookpipeError } from '../errors.js';
import { silentLogger } from '../logger.js';
import type { OutRecord } from './records.js';
import { makeKafkaSink, type SinkProducer } from './sink.js';

// A stand-in for kafkajs' producer (a third-party client, not a component of ours): each
// instance records what it was asked; the test decides whether connect and send work.
function fakeKafka() {
  const world = { up: true, failNextSend: false };
  const producers: { connects: number; disconnects: number; sent: unknown[] }[] = [];
  const makeProducer = (): SinkProducer => {
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

const makeSink = (makeProducer: () => SinkProducer) =>
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
});

describe('kafka sink stop', () => {
  it('does not wait for a connect attempt that hangs, and disconnects it once it returns', async () => {
    let finishConnect: (() => void) | undefined;
    let disconnects = 0;
    const hanging: SinkProducer = {
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
