import { EventEmitter } from 'node:events';
import type { Kafka } from 'kafkajs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '@hookpipe/lib';
import { makeEventConsumer } from './event-consumer.js';

const EVENTS = { GROUP_JOIN: 'consumer.group_join', CRASH: 'consumer.crash', STOP: 'consumer.stop' };

/** A stand-in for kafkajs' consumer that records calls and lets the test emit its events. */
function fakeKafka() {
  const emitter = new EventEmitter();
  const calls: string[] = [];
  let connectFails = 0;
  const consumer = {
    events: EVENTS,
    on: (event: string, fn: (e: unknown) => void) => emitter.on(event, fn),
    connect: () => {
      calls.push('connect');
      return connectFails-- > 0 ? Promise.reject(new Error('Connection refused')) : Promise.resolve();
    },
    subscribe: () => {
      calls.push('subscribe');
      return Promise.resolve();
    },
    run: () => {
      calls.push('run');
      return Promise.resolve();
    },
    disconnect: () => {
      calls.push('disconnect');
      return Promise.resolve();
    },
  };
  const kafka = { consumer: () => consumer } as unknown as Kafka;
  return {
    kafka,
    calls,
    failNextConnects: (n: number) => (connectFails = n),
    emit: (event: string, payload: unknown) => emitter.emit(event, { payload }),
  };
}

function make(kafka: Kafka) {
  return makeEventConsumer({
    kafka,
    groupId: 'g',
    topics: ['t'],
    process: () => Promise.resolve({ lastDone: null, hold: null } as never),
    partitionsConcurrently: 1,
    fetchMaxWaitMs: 100,
    maxBytesPerPartition: 1024,
    sessionTimeoutMs: 10_000,
    heartbeatIntervalMs: 1000,
    infraRetry: { baseMs: 100, capMs: 1000 },
    clock: () => Date.now(),
    logger: silentLogger(),
  });
}

afterEach(() => {
  vi.useRealTimers();
});

describe('makeEventConsumer', () => {
  it('starts a consumer kafkajs left stopped after a non-retriable crash, with backoff, until it runs', async () => {
    vi.useFakeTimers();
    const fake = fakeKafka();
    const ec = make(fake.kafka);
    await ec.start();
    expect(fake.calls).toEqual(['connect', 'subscribe', 'run']);

    // kafkajs restarts by itself after a retriable error: nothing to do then.
    fake.emit(EVENTS.CRASH, { error: new Error('retriable'), restart: true });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(fake.calls).toHaveLength(3);

    // A non-retriable crash while Kafka is still away: the first attempt fails, the next works.
    fake.calls.length = 0;
    fake.failNextConnects(1);
    fake.emit(EVENTS.CRASH, { error: new Error('Failed to find group coordinator'), restart: false });
    await vi.advanceTimersByTimeAsync(999);
    expect(fake.calls).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(fake.calls).toEqual(['disconnect', 'connect']);
    await vi.advanceTimersByTimeAsync(2000);
    expect(fake.calls).toEqual(['disconnect', 'connect', 'disconnect', 'connect', 'subscribe', 'run']);
    await ec.stop();
  });

  it('does not restart after stop()', async () => {
    vi.useFakeTimers();
    const fake = fakeKafka();
    const ec = make(fake.kafka);
    await ec.start();
    fake.emit(EVENTS.CRASH, { error: new Error('boom'), restart: false });
    await ec.stop();
    fake.calls.length = 0;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(fake.calls).toEqual([]);
  });
});
