import { describe, expect, it } from 'vitest';
import { makeRateLimiter } from './rate-limit.js';

describe('token bucket per key', () => {
  it('allows the burst, then refills at the rate as the clock moves', () => {
    const now = { ms: 0 };
    const limiter = makeRateLimiter({ ratePerSecond: 10, burst: 5, clock: () => now.ms });
    const first = Array.from({ length: 6 }, () => limiter.take('a').ok);
    expect(first).toEqual([true, true, true, true, true, false]);
    now.ms += 99;
    expect(limiter.take('a').ok).toBe(false);
    now.ms += 1; // 100 ms at 10/s = one token
    expect(limiter.take('a').ok).toBe(true);
    expect(limiter.take('a').ok).toBe(false);
    now.ms += 10_000; // refills to the burst, not beyond
    expect(Array.from({ length: 6 }, () => limiter.take('a').ok)).toEqual(first);
  });

  it('keys are independent', () => {
    const limiter = makeRateLimiter({ ratePerSecond: 1, burst: 1, clock: () => 0 });
    expect(limiter.take('a').ok).toBe(true);
    expect(limiter.take('a').ok).toBe(false);
    expect(limiter.take('b').ok).toBe(true);
  });

  it('says when to retry, in whole seconds, at least 1', () => {
    const limiter = makeRateLimiter({ ratePerSecond: 0.25, burst: 1, clock: () => 0 });
    limiter.take('a');
    expect(limiter.take('a')).toEqual({ ok: false, retryAfterSeconds: 4 });
    const fast = makeRateLimiter({ ratePerSecond: 1000, burst: 1, clock: () => 0 });
    fast.take('a');
    expect(fast.take('a')).toEqual({ ok: false, retryAfterSeconds: 1 });
  });

  it('rate 0 disables limiting', () => {
    const limiter = makeRateLimiter({ ratePerSecond: 0, burst: 0, clock: () => 0 });
    expect(Array.from({ length: 100 }, () => limiter.take('a').ok).every(Boolean)).toBe(true);
  });

  it('drops full buckets when the map grows, so memory stays bounded', () => {
    const now = { ms: 0 };
    const limiter = makeRateLimiter({ ratePerSecond: 10, burst: 2, clock: () => now.ms, sweepAt: 100 });
    for (let i = 0; i < 100; i++) limiter.take(`k${i}`);
    expect(limiter.size()).toBe(100);
    now.ms += 1000;
    limiter.take('fresh');
    expect(limiter.size()).toBe(1);
  });
});
