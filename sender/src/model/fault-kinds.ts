/**
 * What an emitter can get wrong on purpose, to see how a receiver answers: a signature under a
 * key nobody holds, a timestamp outside the tolerance, a webhook-id already delivered, a body
 * over the size limit, a body that is not JSON.
 */
export const FAULT_KINDS = [
  'bad_signature',
  'stale_timestamp',
  'duplicate_id',
  'oversized',
  'malformed_json',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** An emitter's share of events per fault kind (0–1 each, at most 1 in all). */
export type FaultShares = Partial<Record<FaultKind, number>>;
