import { describe, expect, it } from 'vitest';
import { receiverUnavailable } from './deps.js';

describe('receiverUnavailable', () => {
  const refusal = (status: number | null, retryAfter: string | null = null) => ({
    ok: false as const,
    status,
    retryAfter,
    message: status === null ? 'the receiver did not answer' : `the receiver answered ${status}`,
  });

  it('is 503 with Retry-After 5 when the receiver did not answer: the same request may succeed later', () => {
    const e = receiverUnavailable(refusal(null), 'the webhook was not registered');
    expect(e).toMatchObject({ status: 503, code: 'receiver_unavailable', headers: { 'Retry-After': '5' } });
    expect(e.message).toBe(
      "the webhook was not registered: the receiver's secret could not be installed; the receiver did not answer",
    );
  });

  it('is 503 with the receiver’s own Retry-After when it said 503', () => {
    expect(receiverUnavailable(refusal(503, '3'), 'x')).toMatchObject({
      status: 503,
      headers: { 'Retry-After': '3' },
    });
  });

  it('is 502 without Retry-After when the receiver answered another error', () => {
    for (const status of [400, 409, 500]) {
      const e = receiverUnavailable(refusal(status), 'x');
      expect(e).toMatchObject({ status: 502, code: 'receiver_unavailable' });
      expect(e.headers).toBeUndefined();
    }
  });
});
