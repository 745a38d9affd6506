import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { makeLogger } from '../logger.js';
import { makeProducerHolder, type Connectable } from './producer-holder.js';

function capture() {
  const lines: { level: number; msg: string; attempts?: number }[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l) as never);
      done();
    },
  });
  return { lines, logger: makeLogger('holder-test', { level: 'info', destination }) };
}

describe('producer holder', () => {
  it('logs an outage once when it starts and once when it ends', async () => {
    const { lines, logger } = capture();
    const broker = { up: true };
    const holder = makeProducerHolder<Connectable>({
      makeProducer: () => ({
        connect: () => (broker.up ? Promise.resolve() : Promise.reject(new Error('ECONNREFUSED'))),
        disconnect: () => Promise.resolve(),
      }),
      connect: 'on-send',
      logger,
    });
    const send = (ok: boolean) =>
      holder.send(() => (ok ? Promise.resolve() : Promise.reject(new Error('timeout'))));

    await send(true);
    broker.up = false;
    await expect(send(false)).rejects.toThrow('timeout');
    await expect(send(true)).rejects.toThrow('ECONNREFUSED');
    await expect(send(true)).rejects.toThrow('ECONNREFUSED');
    broker.up = true;
    await send(true);
    await holder.stop();

    expect(lines.map((l) => l.msg)).toEqual([
      'Kafka producer connected',
      'Kafka send failed; replacing the producer',
      'Kafka producer reconnected',
    ]);
    expect(lines[2]!.attempts).toBe(3);
  });

  it('refuses sends once stopped', async () => {
    const { logger } = capture();
    const holder = makeProducerHolder<Connectable>({
      makeProducer: () => ({ connect: () => Promise.resolve(), disconnect: () => Promise.resolve() }),
      connect: 'background',
      logger,
    });
    await holder.stop();
    holder.start();
    expect(holder.isReady()).toBe(false);
    await expect(holder.send(() => Promise.resolve())).rejects.toMatchObject({ retriable: false });
  });
});
