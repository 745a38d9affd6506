import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger, type Clock } from '@hookpipe/lib';
import type { ClaimedDelivery } from '../model/delivery.js';
import type { ClaimOptions } from '../store/outbox-store.js';
import { makeClaimLoop, type ClaimLoopOptions } from './claim-loop.js';
import { makeSlots } from './slots.js';

interface Claim {
  opts: ClaimOptions;
  answer(rows: ClaimedDelivery[]): void;
  fail(err: Error): void;
}

// The outbox is a controllable stand-in: each claim parks until the test answers it.
function controllableOutbox() {
  const unseen: Claim[] = [];
  const waiters: ((c: Claim) => void)[] = [];
  const parked = new Set<Claim>();
  const tidied: number[] = [];
  let closed = false;
  return {
    tidied,
    outbox: {
      claimDue: (opts: ClaimOptions) =>
        new Promise<ClaimedDelivery[]>((resolve, reject) => {
          if (closed) return resolve([]);
          const claim: Claim = {
            opts,
            answer: (r) => {
              parked.delete(claim);
              resolve(r);
            },
            fail: (err) => {
              parked.delete(claim);
              reject(err);
            },
          };
          parked.add(claim);
          const waiter = waiters.shift();
          if (waiter) waiter(claim);
          else unseen.push(claim);
        }),
      tidy: (now: number) => {
        tidied.push(now);
        return Promise.resolve();
      },
    },
    /** The loop's next claim (or the oldest one the test has not looked at yet). */
    next: () => {
      const claim = unseen.shift();
      return claim ? Promise.resolve(claim) : new Promise<Claim>((r) => waiters.push(r));
    },
    /** Answers every parked claim and any later one with nothing, so the loop can stop. */
    close: () => {
      closed = true;
      for (const claim of parked) claim.answer([]);
    },
  };
}

/**
 * Lets the loop run on to its next wait: between waits (a claim, a timer) its steps are all
 * microtasks, and those run before the next turn of the event loop.
 */
const settle = () => new Promise((r) => setImmediate(r));

let n = 0;
const row = (webhookId = 'wh_a', cap = 100): ClaimedDelivery => ({
  id: String(++n),
  token: 't',
  messageId: `msg_${n}`,
  webhookId,
  customerId: 'c',
  emitterId: null,
  url: 'http://localhost/hook',
  headers: {},
  scheme: 'standard-webhooks',
  eventType: 'order.created',
  secrets: [],
  body: Buffer.from('{}'),
  fault: null,
  attempt: 1,
  caps: { webhook: cap, emitter: null },
});
const rows = (count: number) => Array.from({ length: count }, () => row());

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

function setup(
  options: Partial<ClaimLoopOptions> & { concurrency?: number; clock?: Clock; hasRoom?: () => boolean } = {},
) {
  const { outbox, next, tidied, close } = controllableOutbox();
  const slots = makeSlots(options.concurrency ?? 10);
  const releases: (() => boolean)[] = [];
  const loop = makeClaimLoop(
    {
      clock: options.clock ?? Date.now,
      logger: silentLogger(),
      outbox,
      slots,
      hasRoom: options.hasRoom ?? (() => true),
      dispatch: (r) => releases.push(slots.take(r)),
    },
    {
      claimBatch: options.claimBatch ?? 5,
      // Long enough that only a wake-up can explain a claim, unless a test says otherwise.
      pollIntervalMs: options.pollIntervalMs ?? 60_000,
      leaseMs: 30_000,
      retry: { baseMs: 1, capMs: 1 },
    },
  );
  cleanups.push(() => {
    close();
    return loop.stop();
  });
  return { loop, next, slots, releases, tidied };
}

describe('claim loop', () => {
  it('claims up to the free slots, batch by batch, and at once again after a full batch', async () => {
    const { loop, next, slots, releases } = setup({ concurrency: 3, claimBatch: 2 });
    loop.start();
    const first = await next();
    expect(first.opts).toMatchObject({ limit: 2, leaseMs: 30_000, busy: new Map(), saturated: [] });
    first.answer(rows(2));
    const second = await next();
    expect(second.opts.limit).toBe(1);
    expect(second.opts.busy).toEqual(new Map([['w:wh_a', 2]]));
    expect(second.opts.token).not.toBe(first.opts.token);
    second.answer(rows(1));
    await settle();
    // All slots taken: the loop waits; a slot coming free wakes it, as the last claim was full.
    expect(slots.free()).toBe(0);
    loop.freed(releases[0]!());
    expect((await next()).opts.limit).toBe(1);
  });

  it('sleeps after a short claim until woken', async () => {
    const { loop, next } = setup();
    loop.start();
    (await next()).answer([]);
    await settle();
    loop.wake();
    (await next()).answer(rows(1));
    await settle();
    loop.wake();
    expect((await next()).opts.busy).toEqual(new Map([['w:wh_a', 1]]));
  });

  it('looks again when the poll interval runs out', async () => {
    const { loop, next } = setup({ pollIntervalMs: 10 });
    loop.start();
    (await next()).answer([]);
    expect((await next()).opts.limit).toBe(5);
  });

  it('leaves webhooks at their cap out of the claim, and looks again when one frees a slot', async () => {
    const { loop, next, releases } = setup();
    loop.start();
    (await next()).answer([row('wh_a', 1), row('wh_b', 2)]);
    await settle();
    loop.wake();
    const second = await next();
    expect(second.opts.saturated).toEqual(['w:wh_a']);
    second.answer([]);
    await settle();
    loop.freed(releases[0]!());
    expect((await next()).opts.saturated).toEqual([]);
  });

  it('does not claim while finished attempts wait for room, and claims once there is', async () => {
    let room = false;
    let asked = 0;
    const { loop, next } = setup({
      hasRoom: () => {
        asked += 1;
        return room;
      },
    });
    loop.start();
    while (asked === 0) await settle();
    room = true;
    loop.freed(false);
    expect((await next()).opts.limit).toBe(5);
  });

  it('tries again after a failed claim', async () => {
    const { loop, next } = setup();
    loop.start();
    (await next()).fail(new Error('connection refused'));
    expect((await next()).opts.limit).toBe(5);
  });

  it('tidies the outbox at the start and then at most every 10 s', async () => {
    const state = { now: 1_700_000_000_000 };
    const { loop, next, tidied } = setup({ clock: () => state.now });
    loop.start();
    (await next()).answer([]);
    await settle();
    state.now += 10_000;
    loop.wake();
    (await next()).answer([]);
    await settle();
    state.now += 1;
    loop.wake();
    await next();
    expect(tidied).toEqual([1_700_000_000_000, 1_700_000_010_001]);
  });

  // The poll interval is a minute: stop() resolving at all shows it cut the sleep short.
  it('stops while asleep, and stop is safe twice', async () => {
    const { loop, next } = setup();
    loop.start();
    (await next()).answer([]);
    await settle();
    await Promise.all([loop.stop(), loop.stop()]);
    loop.wake();
  });
});
