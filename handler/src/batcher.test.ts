import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { makeBatcher, type BatcherOptions, type SubmitOutcome } from './batcher.js';

// The send function is a controllable stand-in: each call parks until the test settles it.
function controllableSend() {
  const calls: { items: string[]; resolve: () => void; reject: (e: unknown) => void }[] = [];
  const send = (items: readonly string[]) =>
    new Promise<void>((resolve, reject) => calls.push({ items: [...items], resolve, reject }));
  return { calls, send };
}

const base = (send: BatcherOptions<string>['send']): BatcherOptions<string> => ({
  send,
  lingerMs: 5,
  maxItems: 3,
  maxBytes: 1000,
  sizeOf: (s) => s.length,
  maxQueueItems: 10,
  maxQueueBytes: 10_000,
  timeoutMs: 1000,
});

describe('micro-batcher', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('groups submits within the linger into one send and answers each only after it', async () => {
    const { calls, send } = controllableSend();
    const b = makeBatcher(base(send));
    const outcomes: SubmitOutcome[] = [];
    for (const item of ['a', 'b']) void b.submit(item).then((o) => outcomes.push(o));
    await vi.advanceTimersByTimeAsync(4);
    expect(calls).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls.map((c) => c.items)).toEqual([['a', 'b']]);
    expect(outcomes).toEqual([]);
    calls[0]!.resolve();
    await vi.advanceTimersByTimeAsync(0);
    expect(outcomes).toEqual([{ ok: true }, { ok: true }]);
  });

  it('sends at once when a batch is full, keeps one send in flight, and sends what waited right after', async () => {
    const { calls, send } = controllableSend();
    const b = makeBatcher(base(send));
    const results = ['a', 'b', 'c', 'd', 'e'].map((i) => b.submit(i));
    await vi.advanceTimersByTimeAsync(0);
    expect(calls.map((c) => c.items)).toEqual([['a', 'b', 'c']]);
    await vi.advanceTimersByTimeAsync(50);
    expect(calls).toHaveLength(1); // d, e wait for the in-flight send
    expect(b.stats()).toEqual({ queued: 2, queuedBytes: 2, inFlight: 3 });
    calls[0]!.resolve();
    await vi.advanceTimersByTimeAsync(0);
    expect(calls.map((c) => c.items)).toEqual([
      ['a', 'b', 'c'],
      ['d', 'e'],
    ]);
    calls[1]!.resolve();
    expect(await Promise.all(results)).toEqual(Array(5).fill({ ok: true }));
  });

  it('bounds a batch by bytes, but a single oversized item still goes alone', async () => {
    const { calls, send } = controllableSend();
    const b = makeBatcher({ ...base(send), maxItems: 100, maxBytes: 10 });
    const all = [b.submit('xxxxxx'), b.submit('yyyyyy'), b.submit('z'.repeat(30))];
    await vi.advanceTimersByTimeAsync(5);
    calls[0]!.resolve();
    await vi.advanceTimersByTimeAsync(0);
    calls[1]!.resolve();
    await vi.advanceTimersByTimeAsync(0);
    calls[2]!.resolve();
    await Promise.all(all);
    expect(calls.map((c) => c.items.join('|'))).toEqual(['xxxxxx', 'yyyyyy', 'z'.repeat(30)]);
  });

  it('a failed send fails every item of that batch, and only that batch', async () => {
    const { calls, send } = controllableSend();
    const b = makeBatcher(base(send));
    const first = [b.submit('a'), b.submit('b'), b.submit('c')];
    const later = b.submit('d');
    await vi.advanceTimersByTimeAsync(0);
    const boom = new Error('broker gone');
    calls[0]!.reject(boom);
    expect(await Promise.all(first)).toEqual(Array(3).fill({ ok: false, reason: 'failed', error: boom }));
    await vi.advanceTimersByTimeAsync(0);
    calls[1]!.resolve();
    expect(await later).toEqual({ ok: true });
  });

  it('times out a queued item without ever sending it, and an in-flight one without waiting further', async () => {
    const { calls, send } = controllableSend();
    const b = makeBatcher({ ...base(send), maxItems: 1, timeoutMs: 100 });
    const inFlight = b.submit('a');
    const queued = b.submit('b');
    await vi.advanceTimersByTimeAsync(100);
    expect(await inFlight).toEqual({ ok: false, reason: 'timeout' });
    expect(await queued).toEqual({ ok: false, reason: 'timeout' });
    calls[0]!.resolve(); // the late acknowledgement changes nothing for the answered caller
    await vi.advanceTimersByTimeAsync(10);
    expect(calls.map((c) => c.items)).toEqual([['a']]);
    expect(b.stats()).toEqual({ queued: 0, queuedBytes: 0, inFlight: 0 });
  });

  it('answers queue_full at once past the queue bounds (items and bytes)', async () => {
    const { send } = controllableSend();
    const byItems = makeBatcher({ ...base(send), maxItems: 1, maxQueueItems: 2 });
    void byItems.submit('in-flight');
    await vi.advanceTimersByTimeAsync(0);
    void byItems.submit('q1');
    void byItems.submit('q2');
    expect(await byItems.submit('q3')).toEqual({ ok: false, reason: 'queue_full' });

    const byBytes = makeBatcher({ ...base(send), maxItems: 1, maxQueueBytes: 5 });
    void byBytes.submit('in-flight');
    await vi.advanceTimersByTimeAsync(0);
    void byBytes.submit('1234');
    expect(await byBytes.submit('56')).toEqual({ ok: false, reason: 'queue_full' });
  });

  it('close sends what waits without lingering, then refuses new items', async () => {
    const { calls, send } = controllableSend();
    const b = makeBatcher({ ...base(send), lingerMs: 10_000 });
    const pending = b.submit('a');
    let closed = false;
    const closing = b.close().then(() => (closed = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(calls.map((c) => c.items)).toEqual([['a']]);
    expect(closed).toBe(false);
    expect(await b.submit('late')).toEqual({ ok: false, reason: 'closed' });
    calls[0]!.resolve();
    await closing;
    expect(await pending).toEqual({ ok: true });
    await b.close(); // twice is fine
  });
});
