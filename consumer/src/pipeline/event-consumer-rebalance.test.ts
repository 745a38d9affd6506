import { EventEmitter } from 'node:events';
import type { EachBatchPayload, Kafka } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '@hookpipe/lib';
import { makeEventConsumer } from './event-consumer.js';
import type { BatchOutcome } from './process-batch.js';

const EVENTS = { GROUP_JOIN: 'consumer.group_join', CRASH: 'consumer.crash', STOP: 'consumer.stop' };

/** kafkajs' consumer as far as a rebalance goes: it runs eachBatch and records pause, seek, resume. */
function fakeKafka() {
  const emitter = new EventEmitter();
  const calls: string[] = [];
  let eachBatch: ((p: EachBatchPayload) => Promise<void>) | undefined;
  const consumer = {
    events: EVENTS,
    on: (event: string, fn: (e: unknown) => void) => emitter.on(event, fn),
    connect: () => Promise.resolve(),
    subscribe: () => Promise.resolve(),
    run: (o: { eachBatch: typeof eachBatch }) => {
      eachBatch = o.eachBatch;
      return Promise.resolve();
    },
    disconnect: () => Promise.resolve(),
    seek: (s: { topic: string; partition: number; offset: string }) =>
      calls.push(`seek ${s.topic}/${s.partition}@${s.offset}`),
    resume: (l: { topic: string; partitions: number[] }[]) =>
      calls.push(`resume ${l[0]!.topic}/${l[0]!.partitions[0]}`),
  };
  const batch = (topic: string, partition: number) =>
    eachBatch!({
      batch: {
        topic,
        partition,
        messages: [{ offset: '7', key: null, value: null, headers: {}, timestamp: '0' }],
      },
      isRunning: () => true,
      isStale: () => false,
      pause: () => calls.push(`pause ${topic}/${partition}`),
      heartbeat: () => Promise.resolve(),
      resolveOffset: () => undefined,
      commitOffsetsIfNecessary: () => Promise.resolve(),
    } as unknown as EachBatchPayload);
  return {
    kafka: { consumer: () => consumer } as unknown as Kafka,
    calls,
    batch,
    join: (memberAssignment: Record<string, number[]>) =>
      emitter.emit(EVENTS.GROUP_JOIN, { payload: { memberId: 'm', memberAssignment } }),
  };
}

describe('a rebalance while partitions wait for a retry’s not-before', () => {
  it('ends the waits of partitions taken away (resumed, no timer left) and keeps those still assigned', async () => {
    const fake = fakeKafka();
    const hour = Date.now() + 3_600_000;
    const ec = makeEventConsumer({
      kafka: fake.kafka,
      groupId: 'g',
      topics: ['retry'],
      process: () =>
        Promise.resolve({
          lastDone: null,
          hold: { reason: 'not_due', offset: '7', until: hour },
          counts: { persisted: 0, duplicates: 0, retried: 0, deadLettered: 0, poison: 0 },
        } satisfies BatchOutcome),
      partitionsConcurrently: 1,
      fetchMaxWaitMs: 100,
      maxBytesPerPartition: 1024,
      sessionTimeoutMs: 10_000,
      heartbeatIntervalMs: 1000,
      infraRetry: { baseMs: 100, capMs: 1000 },
      clock: () => Date.now(),
      logger: silentLogger(),
    });
    await ec.start();
    await fake.batch('retry', 0);
    await fake.batch('retry', 1);
    expect(fake.calls).toEqual(['pause retry/0', 'seek retry/0@7', 'pause retry/1', 'seek retry/1@7']);
    expect(ec.status().holds.map((h) => h.partition)).toEqual([0, 1]);

    fake.calls.length = 0;
    fake.join({ retry: [1] });
    expect(fake.calls).toEqual(['resume retry/0']);
    expect(ec.status().holds.map((h) => `${h.topic}/${h.partition} ${h.reason}`)).toEqual([
      'retry/1 not_due',
    ]);
    await ec.stop();
  });
});
