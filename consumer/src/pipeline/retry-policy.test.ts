import { describe, expect, it } from 'vitest';
import { decideFailure } from './retry-policy.js';

const policy = { maxRetries: 3, baseMs: 1000, capMs: 5000 };

describe('decideFailure', () => {
  it('requeues with retry_count + 1 and an exponential not-before until the retries are spent', () => {
    expect(decideFailure({ retryCount: 0, poison: false, now: 10_000, policy })).toEqual({
      action: 'retry',
      retryCount: 1,
      notBefore: 11_000,
      delayMs: 1000,
    });
    expect(decideFailure({ retryCount: 1, poison: false, now: 10_000, policy })).toMatchObject({
      retryCount: 2,
      delayMs: 2000,
    });
    expect(decideFailure({ retryCount: 2, poison: false, now: 10_000, policy })).toMatchObject({
      retryCount: 3,
      delayMs: 4000,
    });
    expect(decideFailure({ retryCount: 3, poison: false, now: 10_000, policy })).toEqual({
      action: 'dead_letter',
    });
  });

  it('caps the delay', () => {
    const d = decideFailure({ retryCount: 5, poison: false, now: 0, policy: { ...policy, maxRetries: 10 } });
    expect(d).toMatchObject({ action: 'retry', delayMs: 5000, notBefore: 5000 });
  });

  it('dead-letters poison at once', () => {
    expect(decideFailure({ retryCount: 0, poison: true, now: 0, policy })).toEqual({ action: 'dead_letter' });
  });

  it('dead-letters at the first failure when no retries are allowed', () => {
    expect(
      decideFailure({ retryCount: 0, poison: false, now: 0, policy: { ...policy, maxRetries: 0 } }),
    ).toEqual({
      action: 'dead_letter',
    });
  });
});
