import { randomUUID } from 'node:crypto';
import { delay, exponentialBackoff, isTransientDbError, type Clock, type Logger } from '@hookpipe/lib';
import type { ClaimedDelivery } from '../model/delivery.js';
import type { OutboxStore } from '../store/outbox-store.js';
import type { Slots } from './slots.js';

/** Claims stay batches: at most one per this many ms however often slots free up. */
const CLAIM_GAP_MS = 5;
const TIDY_EVERY_MS = 10_000;

export interface ClaimLoopDeps {
  clock: Clock;
  logger: Logger;
  outbox: Pick<OutboxStore, 'claimDue' | 'tidy'>;
  slots: Slots;
  /** Whether finished attempts may pile up further before they are recorded. */
  hasRoom(): boolean;
  /** Starts one claimed delivery; must take its slots before returning. */
  dispatch(row: ClaimedDelivery): void;
}

export interface ClaimLoopOptions {
  claimBatch: number;
  pollIntervalMs: number;
  leaseMs: number;
  /** Backoff after a failed claim: base · 2^failures, capped. */
  retry?: { baseMs: number; capMs: number };
}

export interface ClaimLoop {
  start(): void;
  /** Looks for due work now rather than at the next poll. */
  wake(): void;
  /**
   * A slot or room in the buffer came free: looks again if the last claim left due work behind,
   * or if `capped` (the slot was a webhook's or emitter's last one, so its rows were left out).
   */
  freed(capped: boolean): void;
  /** Stops claiming and resolves once the loop has ended. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Leases due deliveries from the outbox while there are free slots, in batches, and sleeps
 * until told there is work (or slots) or the poll interval runs out.
 */
export function makeClaimLoop(deps: ClaimLoopDeps, options: ClaimLoopOptions): ClaimLoop {
  const { clock, logger, slots } = deps;
  const retry = options.retry ?? { baseMs: 200, capMs: 10_000 };
  const stopping = new AbortController();
  let nap: AbortController | undefined;
  let moreDue = false;
  let loop: Promise<void> | undefined;

  const wake = () => nap?.abort();
  async function sleep(ms: number) {
    if (stopping.signal.aborted) return;
    nap = new AbortController();
    await delay(ms, nap.signal);
    nap = undefined;
  }

  /** One claim; true when it came back full, so more is likely due at once. */
  async function claim(): Promise<boolean> {
    const limit = Math.min(slots.free(), options.claimBatch);
    // The counts the claim is made with (attempts keep finishing while it runs).
    const { busy, saturated } = slots.snapshot();
    const rows = await deps.outbox.claimDue({
      now: clock(),
      limit,
      leaseMs: options.leaseMs,
      token: randomUUID(),
      busy,
      saturated,
    });
    for (const row of rows) deps.dispatch(row);
    // More is likely due when the claim was cut short by the batch size or by a cap (it filled
    // a webhook or emitter up to its cap): then every finished attempt wakes the loop, and
    // claims still come at most one per gap.
    moreDue = rows.length === limit || slots.filledUp(busy, rows);
    return rows.length === limit;
  }

  async function run(): Promise<void> {
    let failures = 0;
    let lastTidy = 0;
    let lastClaim = 0;
    while (!stopping.signal.aborted) {
      const now = clock();
      if (now - lastTidy > TIDY_EVERY_MS) {
        lastTidy = now;
        await deps.outbox.tidy(now).catch((err: unknown) => logger.warn({ err }, 'outbox tidy-up failed'));
      }
      if (slots.free() > 0 && deps.hasRoom()) {
        // The clock may step back: never wait longer than one gap.
        const gap = Math.min(CLAIM_GAP_MS, CLAIM_GAP_MS - (clock() - lastClaim));
        if (gap > 0) await delay(gap);
        lastClaim = clock();
        try {
          const full = await claim();
          failures = 0;
          if (full) continue;
        } catch (err) {
          failures += 1;
          logger[isTransientDbError(err) ? 'warn' : 'error']({ err }, 'claiming deliveries failed');
          await delay(exponentialBackoff(failures, retry), stopping.signal);
          continue;
        }
      } else {
        moreDue = true;
      }
      await sleep(options.pollIntervalMs);
    }
  }

  return {
    start() {
      loop ??= run().catch((err: unknown) => logger.fatal({ err }, 'delivery loop crashed'));
    },
    wake,
    freed(capped) {
      if (moreDue || capped) wake();
    },
    async stop() {
      stopping.abort();
      wake();
      await loop;
    },
  };
}
