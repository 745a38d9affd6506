import { describe, expect, it } from 'vitest';
import { decideFault, faultProfileSchema } from './faults.js';

describe('fault profiles', () => {
  it('accepts a full profile and an empty one (record attempts, change nothing)', () => {
    expect(
      faultProfileSchema.safeParse({
        status: { share: 0.5, code: 503, retry_after_s: 2 },
        delay: { share: 0.2, ms: 3000 },
        drop: { share: 0.1 },
        first_attempts: 2,
      }).success,
    ).toBe(true);
    expect(faultProfileSchema.safeParse({}).success).toBe(true);
  });

  it.each([
    [{ status: { share: 0.7, code: 500 }, drop: { share: 0.4 } }, /add up to more than 1/],
    [{ status: { share: 1, code: 502 } }, /502/],
    [{ status: { share: 1, code: 200 } }, /400/],
    [{ delay: { share: 1, ms: 60_000 } }, /10000/],
    [{ drop: { share: 1.5 } }, /1/],
    [{ drop: { share: 0.5, extra: 1 } }, /extra/],
    [{ first_attempts: 0 }, /1/],
  ])('refuses %j', (profile, why) => {
    const result = faultProfileSchema.safeParse(profile);
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toMatch(why);
  });

  it('draws status, then delay, then drop, by their shares; the rest passes', () => {
    const p = { status: { share: 0.2, code: 503 }, delay: { share: 0.3, ms: 10 }, drop: { share: 0.1 } };
    expect(decideFault(p, 1, 0)).toEqual({ kind: 'status', code: 503, retryAfterSeconds: undefined });
    expect(decideFault(p, 1, 0.2)).toEqual({ kind: 'delay', ms: 10 });
    expect(decideFault(p, 1, 0.55)).toEqual({ kind: 'drop' });
    expect(decideFault(p, 1, 0.6)).toEqual({ kind: 'pass' });
  });

  it('with first_attempts, faults only the first N attempts, and none when the count is unknown', () => {
    const p = { status: { share: 1, code: 503, retry_after_s: 2 }, first_attempts: 2 };
    expect(decideFault(p, 2, 0.5).kind).toBe('status');
    expect(decideFault(p, 3, 0.5).kind).toBe('pass');
    expect(decideFault(p, undefined, 0.5).kind).toBe('pass');
  });
});
