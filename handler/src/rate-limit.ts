import type { Clock } from '@hookpipe/lib';

export type RateDecision = { ok: true } | { ok: false; retryAfterSeconds: number };

export interface RateLimiter {
  /** Takes one token from `key`'s bucket, or says how long until one is there. */
  take(key: string): RateDecision;
  size(): number;
}

/**
 * Token buckets, one per key (a customer): `ratePerSecond` tokens flow in continuously up to
 * `burst`. A full bucket is the same as no bucket, so full ones are dropped when the map grows:
 * memory stays bounded by the keys active in the last `burst / rate` seconds (and customers are
 * only known after a signature verified, so strangers cannot grow it). Rate 0 disables limiting.
 */
export function makeRateLimiter(options: {
  ratePerSecond: number;
  burst: number;
  clock: Clock;
  /** Map size that triggers a sweep of full buckets. */
  sweepAt?: number;
}): RateLimiter {
  const { ratePerSecond, clock } = options;
  const burst = Math.max(1, options.burst);
  const sweepAt = options.sweepAt ?? 10_000;
  const buckets = new Map<string, { tokens: number; at: number }>();

  const refill = (b: { tokens: number; at: number }, now: number) => {
    if (now > b.at) {
      b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * ratePerSecond);
      b.at = now;
    }
  };

  const sweep = (now: number) => {
    for (const [key, b] of buckets) {
      refill(b, now);
      if (b.tokens >= burst) buckets.delete(key);
    }
  };

  return {
    take(key) {
      if (ratePerSecond <= 0) return { ok: true };
      const now = clock();
      let b = buckets.get(key);
      if (!b) {
        if (buckets.size >= sweepAt) sweep(now);
        b = { tokens: burst, at: now };
        buckets.set(key, b);
      }
      refill(b, now);
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return { ok: true };
      }
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - b.tokens) / ratePerSecond)) };
    },
    size: () => buckets.size,
  };
}
