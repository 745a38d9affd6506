import { describe, expect, it } from 'vitest';
import { silentLogger } from '../logger.js';
import { makeKafkaPublisher, type PublisherProducer } from './publisher.js';

type SendBatchArgs = Parameters<PublisherProducer['sendBatch']>[0];

/** Producers that record what they were asked to send; `failNext` makes the next send fail. */
function producers() {
  const made: { id: number; sent: SendBatchArgs[]; disconnected: boolean }[] = [];
  const control = { failNext: false, connectFails: 0, inFlight: 0, maxInFlight: 0 };
  const create = (): PublisherProducer => {
    const p = { id: made.length + 1, sent: [] as SendBatchArgs[], disconnected: false };
    made.push(p);
    return {
      connect: () =>
        control.connectFails-- > 0 ? Promise.reject(new Error('no broker')) : Promise.resolve(),
      disconnect: () => {
        p.disconnected = true;
        return Promise.resolve();
      },
      sendBatch: async (args) => {
        control.inFlight += 1;
        control.maxInFlight = Math.max(control.maxInFlight, control.inFlight);
        await Promise.resolve();
        control.inFlight -= 1;
        if (control.failNext) {
          control.failNext = false;
          throw new Error('request timed out');
        }
        p.sent.push(args);
        return [];
      },
    };
  };
  return { made, control, create };
}

const record = (topic: string, n: number) => ({
  topic,
  key: Buffer.from('k'),
  value: Buffer.from(String(n)),
  headers: {},
});

describe('makeKafkaPublisher', () => {
  it('splits a large publish into requests under the size limit, in order', async () => {
    const { made, create } = producers();
    const pub = makeKafkaPublisher({ makeProducer: create, logger: silentLogger(), maxRequestBytes: 1000 });
    const records = Array.from({ length: 10 }, (_, i) => ({
      topic: 'dlq',
      key: null,
      value: Buffer.alloc(300, i),
      headers: {},
    }));
    await pub.publish(records);
    const sent = made[0]!.sent;
    expect(sent).toHaveLength(4);
    const values = sent.flatMap((b) =>
      b.topicMessages!.flatMap((t) => t.messages.map((m) => (m.value as Buffer)[0])),
    );
    expect(values).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('groups records by topic in one request with acks=all', async () => {
    const { made, create } = producers();
    const pub = makeKafkaPublisher({ makeProducer: create, logger: silentLogger() });
    await pub.publish([record('a', 1), record('b', 2), record('a', 3)]);
    expect(made).toHaveLength(1);
    const sent = made[0]!.sent[0]!;
    expect(sent.acks).toBe(-1);
    expect(sent.topicMessages?.map((t) => [t.topic, t.messages.length])).toEqual([
      ['a', 2],
      ['b', 1],
    ]);
  });

  it('replaces the producer after a failed send, so no later batch reuses its sequence numbers', async () => {
    const { made, control, create } = producers();
    const pub = makeKafkaPublisher({ makeProducer: create, logger: silentLogger() });
    await pub.publish([record('a', 1)]);
    control.failNext = true;
    await expect(pub.publish([record('a', 2)])).rejects.toThrow('request timed out');
    expect(made[0]!.disconnected).toBe(true);
    await pub.publish([record('a', 3)]);
    expect(made).toHaveLength(2);
    expect(made[1]!.sent).toHaveLength(1);
  });

  it('serialises sends and surfaces connection failures to the caller', async () => {
    const { control, create } = producers();
    control.connectFails = 1;
    const pub = makeKafkaPublisher({ makeProducer: create, logger: silentLogger() });
    await expect(pub.publish([record('a', 0)])).rejects.toThrow('no broker');
    await Promise.all([1, 2, 3, 4].map((n) => pub.publish([record('a', n)])));
    expect(control.maxInFlight).toBe(1);
  });

  it('disconnects on stop and refuses later sends', async () => {
    const { made, create } = producers();
    const pub = makeKafkaPublisher({ makeProducer: create, logger: silentLogger() });
    await pub.publish([record('a', 1)]);
    await pub.stop();
    expect(made[0]!.disconnected).toBe(true);
    await expect(pub.publish([record('a', 2)])).rejects.toThrow('stopped');
  });
});
