import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ORIGINAL_SCHEDULE, fixKafkajsIdleLoop, kafkajsRequestQueue } from './idle-loop.js';

// kafkajs' own RequestQueue class (the one its connections use), driven directly.
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const makeQueue = (maxInFlightRequests = 1) => {
  const RequestQueue = kafkajsRequestQueue();
  return new RequestQueue({
    maxInFlightRequests,
    requestTimeout: 30_000,
    enforceRequestTimeout: false,
    clientId: 'idle-loop-test',
    broker: '127.0.0.1:9092',
    logger: quiet,
  }) as unknown as {
    pending: { send: () => void; expectResponse: boolean; correlationId: number }[];
    inflight: Map<number, unknown>;
    throttledUntil: number;
    throttleCheckTimeoutId: NodeJS.Timeout | null;
    checkPendingRequests(): void;
    destroy(): void;
  };
};

describe('fixKafkajsIdleLoop', () => {
  it('patches the kafkajs this project pins, once', () => {
    expect(['patched', 'already']).toContain(fixKafkajsIdleLoop());
    expect(fixKafkajsIdleLoop()).toBe('already');
  });
});

describe("kafkajs' request queue, patched", () => {
  beforeEach(() => {
    fixKafkajsIdleLoop();
    vi.useFakeTimers();
  });
  afterEach(() => vi.useRealTimers());

  it('without it, an idle queue re-arms a timer on every check (the loop it removes)', () => {
    const original = (kafkajsRequestQueue().prototype as unknown as Record<symbol, () => void>)[
      ORIGINAL_SCHEDULE
    ];
    expect(original).toBeTypeOf('function');
    const q = makeQueue();
    original!.call(q);
    expect(q.throttleCheckTimeoutId).not.toBeNull();
    expect(vi.getTimerCount()).toBe(1);
    q.destroy();
  });

  it('an idle queue, checked, arms no timer', () => {
    const q = makeQueue();
    q.checkPendingRequests();
    expect(q.throttleCheckTimeoutId).toBeNull();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a request waiting behind one in flight is sent by the 10-ms check, then the queue goes quiet', () => {
    const q = makeQueue(1);
    q.inflight.set(1, {});
    const send = vi.fn(() => q.inflight.set(2, {}));
    q.pending.push({ send, expectResponse: true, correlationId: 2 });
    q.checkPendingRequests();
    expect(send).not.toHaveBeenCalled();
    expect(vi.getTimerCount()).toBe(1);

    q.inflight.delete(1); // the first one completed
    vi.advanceTimersByTime(10);
    expect(send).toHaveBeenCalledTimes(1);
    expect(q.pending).toHaveLength(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a throttle still gets its check at its end, with nothing pending too', () => {
    const q = makeQueue();
    q.throttledUntil = Date.now() + 50;
    q.checkPendingRequests();
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(49);
    expect(q.throttleCheckTimeoutId).not.toBeNull();
    vi.advanceTimersByTime(1);
    expect(q.throttleCheckTimeoutId).toBeNull();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a request pushed during a throttle waits for its end, then goes', () => {
    const q = makeQueue(5);
    q.throttledUntil = Date.now() + 30;
    const send = vi.fn();
    q.pending.push({ send, expectResponse: true, correlationId: 7 });
    q.checkPendingRequests();
    vi.advanceTimersByTime(29);
    expect(send).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(send).toHaveBeenCalledTimes(1);
    expect(vi.getTimerCount()).toBe(0);
  });
});
