import { describe, expect, it } from 'vitest';
import type { AttemptResult, RetryPolicy } from '@hookpipe/lib';
import { decide } from './decide.js';

const policy: RetryPolicy = { maxAttempts: 5, baseMs: 1000, capMs: 60_000, retryAfterMaxMs: 3_600_000 };
const now = 1_700_000_000_000;
const answer = (statusCode: number | null, retryAfterMs: number | null = null): AttemptResult => ({
  statusCode,
  error: statusCode === null ? 'timeout after 15000 ms' : null,
  retryAfterMs,
});

describe('decide', () => {
  it('calls the end of a fault delivery rejected, not failed', () => {
    expect(decide(answer(401), { attempt: 1, now, policy, fault: true }).kind).toBe('rejected');
    expect(decide(answer(500), { attempt: 5, now, policy, fault: true }).kind).toBe('rejected');
  });
});
