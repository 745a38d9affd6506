import { describe, expect, it } from 'vitest';
import { decideRetry, isRetriable, parseRetryAfter, type AttemptResult, type RetryPolicy } from './retry.js';

const policy: RetryPolicy = { maxAttempts: 5, baseMs: 1000, capMs: 60_000, retryAfterMaxMs: 3_600_000 };
const now = 1_700_000_000_000;
const answer = (statusCode: number | null, retryAfterMs: number | null = null): AttemptResult => ({
  statusCode,
  error: statusCode === null ? 'timeout after 15000 ms' : null,
  retryAfterMs,
});

describe('decideRetry', () => {
  it('counts only a 2xx as delivered', () => {
    for (const code of [200, 201, 202, 204, 299]) {
      expect(decideRetry(answer(code), { attempt: 1, now, policy })).toEqual({ kind: 'delivered' });
    }
  });

  it('retries 5xx, 408, 425, 429 and no answer at all', () => {
    for (const code of [500, 502, 503, 504, 408, 425, 429, null]) {
      const d = decideRetry(answer(code), { attempt: 1, now, policy, random: () => 0.5 });
      expect(d.kind, String(code)).toBe('retry');
    }
  });

  it('gives up at once on other 4xx and on 3xx (the seed counted 401 and 429 as delivered)', () => {
    for (const code of [400, 401, 403, 404, 410, 413, 415, 422, 301, 302]) {
      const d = decideRetry(answer(code), { attempt: 1, now, policy });
      expect(d, String(code)).toMatchObject({ kind: 'failed', reason: `HTTP ${code} is not retried` });
    }
  });

  it('fails after the last attempt', () => {
    const d = decideRetry(answer(503), { attempt: 5, now, policy });
    expect(d).toMatchObject({ kind: 'failed', reason: 'gave up after 5 attempt(s); last: HTTP 503' });
  });

  it('draws the delay with full jitter under an exponential ceiling', () => {
    const at = (attempt: number, r: number) => {
      const d = decideRetry(answer(500), {
        attempt,
        now,
        policy: { ...policy, maxAttempts: 100 },
        random: () => r,
      });
      if (d.kind !== 'retry') throw new Error('expected a retry');
      return d.at - now;
    };
    expect(at(1, 0.999)).toBe(999); // ceiling 1 s after the first attempt
    expect(at(3, 0.5)).toBe(2000); // ceiling 4 s
    expect(at(4, 0)).toBe(0);
    expect(at(20, 0.5)).toBe(30_000); // capped at 60 s
  });

  it('never retries before Retry-After, and caps it', () => {
    const d = decideRetry(answer(429, 2000), { attempt: 1, now, policy, random: () => 0 });
    expect(d).toMatchObject({ kind: 'retry', at: now + 2000 });
    const long = decideRetry(answer(503, 86_400_000), {
      attempt: 1,
      now,
      policy: { ...policy, retryAfterMaxMs: 60_000 },
      random: () => 0,
    });
    expect(long).toMatchObject({ kind: 'retry', at: now + 60_000 });
  });

  it('lists which statuses are retried', () => {
    expect(isRetriable(429)).toBe(true);
    expect(isRetriable(400)).toBe(false);
  });
});

describe('parseRetryAfter', () => {
  it('reads delay-seconds and HTTP-dates', () => {
    expect(parseRetryAfter('2', now)).toBe(2000);
    expect(parseRetryAfter(' 120 ', now)).toBe(120_000);
    expect(parseRetryAfter(new Date(now + 5000).toUTCString(), now)).toBe(5000);
    expect(parseRetryAfter(new Date(now - 5000).toUTCString(), now)).toBe(0);
  });

  it('ignores what it cannot read', () => {
    expect(parseRetryAfter(null, now)).toBeNull();
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter('-1', now)).toBeNull();
    expect(parseRetryAfter('1.5', now)).toBeNull();
  });
});
