import { describe, expect, it } from 'vitest';
import { makeApi } from './api.js';

/** A fetch that answers from a list, one answer per call, and counts the calls. */
function answering(...answers: { status: number; retryAfter?: string }[]) {
  const calls: string[] = [];
  const fetchFake = ((url: string, init?: RequestInit) => {
    calls.push(`${init?.method} ${url}`);
    const a = answers[Math.min(calls.length - 1, answers.length - 1)]!;
    return Promise.resolve(
      new Response(JSON.stringify({ status: a.status }), {
        status: a.status,
        headers: a.retryAfter === undefined ? {} : { 'retry-after': a.retryAfter },
      }),
    );
  }) as typeof fetch;
  return { fetchFake, calls };
}

describe('makeApi', () => {
  const slept: number[] = [];
  const sleep = (ms: number) => {
    slept.push(ms);
    return Promise.resolve();
  };

  it('sends a 503 or 429 with Retry-After again after that many seconds, and returns the answer that ends it', async () => {
    slept.length = 0;
    const { fetchFake, calls } = answering(
      { status: 503, retryAfter: '5' },
      { status: 429, retryAfter: '0' },
      { status: 201 },
    );
    const api = makeApi('sender', 'http://127.0.0.1:1', 'k', { fetch: fetchFake, sleep });
    const answer = await api.expect('POST', '/webhooks', { customer_id: 'a' });
    expect(answer.status).toBe(201);
    expect(calls).toEqual(Array(3).fill('POST http://127.0.0.1:1/webhooks'));
    expect(slept).toEqual([5000, 1000]);
  });

  it('returns a 503 without Retry-After, or one past the time allowed, as it is', async () => {
    slept.length = 0;
    const bare = answering({ status: 503 });
    const api = makeApi('sender', 'http://127.0.0.1:1', 'k', { fetch: bare.fetchFake, sleep });
    expect((await api.call('GET', '/webhooks')).status).toBe(503);
    expect(bare.calls).toHaveLength(1);

    const busy = answering({ status: 503, retryAfter: '10' });
    const limited = makeApi('sender', 'http://127.0.0.1:1', 'k', {
      fetch: busy.fetchFake,
      sleep,
      retryUnavailableMs: 25_000,
    });
    await expect(limited.expect('GET', '/webhooks')).rejects.toThrow(/sender GET \/webhooks answered 503/);
    expect(busy.calls).toHaveLength(3);
    expect(slept).toEqual([10_000, 10_000]);
  });

  it('does not send a 500 or a 502 again', async () => {
    for (const status of [500, 502]) {
      const { fetchFake, calls } = answering({ status, retryAfter: '1' });
      const api = makeApi('receiver', 'http://127.0.0.1:1', 'k', { fetch: fetchFake, sleep });
      expect((await api.call('GET', '/events')).status).toBe(status);
      expect(calls).toHaveLength(1);
    }
  });
});
