import type { DeliveryRow } from '../scenario/measures.js';
import type { Deliveries, Reconciliation } from './types.js';

const PENDING = new Set(['pending', 'held']);

/** The webhook's deliveries summed up: what got a 2xx, and what has no outcome yet. */
export function summarize(rows: DeliveryRow[]): Deliveries {
  const delivered = new Set<string>();
  let pending = 0;
  for (const r of rows) {
    if (r.status === 'delivered') delivered.add(r.message_id);
    else if (PENDING.has(r.status)) pending += 1;
  }
  return { delivered: [...delivered], pending, rows };
}

/**
 * The sender's deliveries against a receiver's stored message ids (one per stored row), by the
 * same rules as hookpipe's own reconcile: every message id that got a 2xx is stored exactly once;
 * a stored id the sender never got a 2xx for is fine while the sender may still be retrying it (the
 * 2xx was lost) or gave up after the receiver accepted it, and a defect when the sender never sent
 * it at all, or sent it only as a fault meant to be refused.
 */
export function compareStored(rows: readonly DeliveryRow[], stored: readonly string[]): Reconciliation {
  const { delivered, pending } = summarize([...rows]);
  const known = new Set(rows.map((r) => r.message_id));
  const normal = new Set(rows.filter((r) => r.fault === null).map((r) => r.message_id));
  const deliveredSet = new Set(delivered);
  const times = new Map<string, number>();
  for (const id of stored) times.set(id, (times.get(id) ?? 0) + 1);
  const missing = delivered.filter((id) => !times.has(id));
  const duplicated = [...times].filter(([, n]) => n > 1).map(([id]) => id);
  const unexpected = [...times.keys()].filter(
    (id) => !known.has(id) || (!deliveredSet.has(id) && !normal.has(id)),
  );
  return {
    ok: missing.length === 0 && duplicated.length === 0 && unexpected.length === 0,
    delivered: delivered.length,
    missing,
    duplicated,
    unexpected,
    pending,
  };
}
