import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '@hookpipe/lib';
import { makeSenderMetrics } from '../metrics.js';
import type { Completion } from '../model/delivery.js';
import { makeCompletionFlush, type CompletionFlushOptions } from './completion-flush.js';

interface Write {
  batch: readonly Completion[];
  opts: { now: number; disableAfterMs: number | null };
  answer(disabled: string[]): void;
  fail(err: Error): void;
}

// The database is a controllable stand-in: each write parks until the test answers it.
function controllableWrites() {
  const unseen: Write[] = [];
  const waiters: ((w: Write) => void)[] = [];
  const parked = new Set<Write>();
  let failing = false;
  let tries = 0;
  const record = (batch: readonly Completion[], opts: Write['opts']) =>
    new Promise<string[]>((resolve, reject) => {
      tries += 1;
      if (failing) return reject(new Error('connection refused'));
      const write: Write = {
        batch: [...batch],
        opts,
        answer: (disabled) => {
          parked.delete(write);
          resolve(disabled);
        },
        fail: (err) => {
          parked.delete(write);
          reject(err);
        },
      };
      parked.add(write);
      const waiter = waiters.shift();
      if (waiter) waiter(write);
      else unseen.push(write);
    });
  return {
    record,
    next: () => {
      const write = unseen.shift();
      return write ? Promise.resolve(write) : new Promise<Write>((r) => waiters.push(r));
    },
    /** From now on every write fails at once; the parked ones too. */
    failAll() {
      failing = true;
      for (const w of parked) w.fail(new Error('connection refused'));
    },
    writesParked: () => parked.size,
    tries: () => tries,
  };
}

let n = 0;
const done = (webhookId = 'wh_a'): Completion => ({
  id: String(++n),
  token: 't',
  webhookId,
  messageId: `msg_${n}`,
  scheme: 'standard-webhooks',
  attempt: 1,
  fault: null,
  signedAt: 1_700_000_000,
  startedAt: 1_700_000_000_000,
  finishedAt: 1_700_000_000_010,
  durationMs: 10,
  statusCode: 200,
  error: null,
  responseExcerpt: null,
  decision: { kind: 'delivered' },
});

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

function setup(options: Partial<CompletionFlushOptions> = {}) {
  const writes = controllableWrites();
  const metrics = makeSenderMetrics();
  let flushed = 0;
  const flush = makeCompletionFlush(
    {
      clock: () => 1_700_000_001_000,
      logger: silentLogger(),
      metrics,
      completions: { record: writes.record },
      onFlushed: () => (flushed += 1),
    },
    {
      intervalMs: options.intervalMs ?? 1,
      maxBuffered: options.maxBuffered ?? 1000,
      disableAfterMs: options.disableAfterMs ?? null,
      retry: { baseMs: 1, capMs: 1 },
    },
  );
  cleanups.push(() => {
    writes.failAll();
    return flush.close();
  });
  return { flush, writes, metrics, flushed: () => flushed };
}

describe('completion flush', () => {
  it('writes the attempts that finished within the interval in one batch', async () => {
    const { flush, writes, flushed } = setup({ disableAfterMs: 60_000 });
    const three = [done(), done(), done()];
    for (const c of three) flush.add(c);
    const write = await writes.next();
    expect(write.batch).toEqual(three);
    expect(write.opts).toEqual({ now: 1_700_000_001_000, disableAfterMs: 60_000 });
    write.answer([]);
    await flush.close();
    expect(flushed()).toBeGreaterThanOrEqual(1);
    expect(writes.writesParked()).toBe(0);
  });

  it('writes at most 1000 at a time', async () => {
    const { flush, writes } = setup();
    for (let i = 0; i < 1500; i++) flush.add(done());
    const first = await writes.next();
    first.answer([]);
    const second = await writes.next();
    second.answer([]);
    expect([first.batch.length, second.batch.length]).toEqual([1000, 500]);
  });

  it('counts the webhooks a write disabled', async () => {
    const { flush, writes, metrics } = setup();
    flush.add(done('wh_a'));
    (await writes.next()).answer(['wh_a']);
    await flush.close();
    expect((await metrics.webhooksDisabled.get()).values[0]?.value).toBe(1);
  });

  it('keeps what it could not write and writes it again', async () => {
    const { flush, writes } = setup();
    const first = done();
    flush.add(first);
    (await writes.next()).fail(new Error('connection refused'));
    const again = await writes.next();
    expect(again.batch).toEqual([first]);
    again.answer([]);
  });

  it('says when too many finished attempts wait', async () => {
    const { flush, writes } = setup({ maxBuffered: 2 });
    flush.add(done());
    expect(flush.hasRoom()).toBe(true);
    flush.add(done());
    expect(flush.hasRoom()).toBe(false);
    (await writes.next()).answer([]);
    await flush.close();
    expect(flush.hasRoom()).toBe(true);
  });

  it('close writes what is buffered at once, and is safe twice', async () => {
    const { flush, writes } = setup({ intervalMs: 60_000 });
    flush.add(done());
    const closing = Promise.all([flush.close(), flush.close()]);
    (await writes.next()).answer([]);
    await closing;
  });

  it('when closing, gives up after 5 failed writes in a row (the leases resend)', async () => {
    const { flush, writes } = setup({ intervalMs: 60_000 });
    flush.add(done());
    writes.failAll();
    await flush.close();
    expect(writes.tries()).toBe(5);
    expect(flush.hasRoom()).toBe(true);
  });
});
