import type { ClaimedDelivery } from '../model/delivery.js';
import { slotKeys } from '../store/outbox-store.js';

/**
 * How many attempts run: in total (bounded by the worker's concurrency), and per webhook and
 * per emitter (bounded by each one's cap, as the claim that fetched the row reported it).
 */
export interface Slots {
  inFlight(): number;
  /** Total slots left. */
  free(): number;
  /**
   * Counts a claimed delivery in. The returned release counts it out again (once) and tells
   * whether its webhook or emitter was at its cap: then due rows of it may have been left out.
   */
  take(row: ClaimedDelivery): () => boolean;
  /** The counts to claim with, and the keys at their cap (the claim skips their rows). */
  snapshot(): { busy: Map<string, number>; saturated: string[] };
  /** Whether `rows`, claimed on top of the counts `asked`, filled a webhook or emitter up to its cap. */
  filledUp(asked: ReadonlyMap<string, number>, rows: readonly ClaimedDelivery[]): boolean;
}

/** Slot accounting for a worker running at most `concurrency` attempts at once. */
export function makeSlots(concurrency: number): Slots {
  const held = new Map<string, { n: number; cap: number }>();
  let total = 0;
  const capOf = (key: string) => held.get(key)?.cap ?? Infinity;

  return {
    inFlight: () => total,
    free: () => concurrency - total,

    take(row) {
      const keys = slotKeys(row);
      const caps = [row.caps.webhook, row.caps.emitter ?? Infinity]; // in slotKeys' order
      keys.forEach((k, i) => held.set(k, { n: (held.get(k)?.n ?? 0) + 1, cap: caps[i] ?? Infinity }));
      total += 1;
      let released = false;
      return () => {
        if (released) return false;
        released = true;
        total -= 1;
        let wasSaturated = false;
        for (const k of keys) {
          const slot = held.get(k);
          if (!slot) continue;
          wasSaturated ||= slot.n >= slot.cap;
          if (slot.n <= 1) held.delete(k);
          else slot.n -= 1;
        }
        return wasSaturated;
      };
    },

    snapshot() {
      const busy = new Map([...held].map(([k, s]) => [k, s.n]));
      const saturated = [...held].filter(([, s]) => s.n >= s.cap).map(([k]) => k);
      return { busy, saturated };
    },

    filledUp(asked, rows) {
      const got = new Map<string, number>();
      for (const row of rows) for (const k of slotKeys(row)) got.set(k, (got.get(k) ?? 0) + 1);
      return [...got].some(([k, n]) => (asked.get(k) ?? 0) + n >= capOf(k));
    },
  };
}
