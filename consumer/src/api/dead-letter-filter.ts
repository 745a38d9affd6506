import type { DeadLetterFilter } from '../store/dead-letters-store.js';

/** The `filter` of a bulk replay or purge body (deadLetterFilterFields), as the store takes it. */
export const deadLetterFilterOf = (filter: {
  customer_id?: string | undefined;
  type?: string | undefined;
  since?: string | undefined;
  until?: string | undefined;
}): Omit<DeadLetterFilter, 'status'> => ({
  customerId: filter.customer_id,
  type: filter.type,
  since: filter.since === undefined ? undefined : new Date(filter.since),
  until: filter.until === undefined ? undefined : new Date(filter.until),
});
