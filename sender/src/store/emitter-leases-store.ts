import type { Pool } from '@hookpipe/lib';
import type { EmitterRow } from '../model/emitter.js';
import { toEmitter, type Row } from './emitters-store.js';

export interface AcquiredEmitter {
  emitter: EmitterRow;
  /** Who held it before: null when nobody did (released, or never leased), else a dead or slow instance. */
  previousOwner: string | null;
}

// Lease times are the database's (clock_timestamp()): the instances' clocks may disagree, the
// database's is the one all of them read.
const ACQUIRE_SQL = `
WITH free AS (
  SELECT id, owner AS previous FROM emitters
  WHERE status = 'running'
    AND (owner IS NULL OR owner = $1 OR lease_until IS NULL OR lease_until < clock_timestamp())
    AND NOT (id = ANY($4::text[]))
  ORDER BY started_at, id
  LIMIT $3
  FOR UPDATE SKIP LOCKED
)
UPDATE emitters e
SET owner = $1, lease_until = clock_timestamp() + $2::int * interval '1 millisecond'
FROM free
WHERE e.id = free.id
RETURNING e.*, free.previous`;

/** Emitter leases: which sender instance runs which running emitter (see migration 007). */
export function makeEmitterLeasesStore(pool: Pool) {
  return {
    /**
     * Leases up to `limit` running emitters to `owner`: those nobody holds, those whose lease ran
     * out, and `owner`'s own (a restart under the same instance id), except the ids in `skip`
     * (already running here). SKIP LOCKED: instances acquiring at once never wait on each other.
     */
    async acquire(
      owner: string,
      leaseMs: number,
      limit: number,
      skip: readonly string[],
    ): Promise<AcquiredEmitter[]> {
      if (limit <= 0) return [];
      const { rows } = await pool.query<Row & { previous: string | null }>(ACQUIRE_SQL, [
        owner,
        leaseMs,
        limit,
        skip,
      ]);
      return rows.map((r) => ({ emitter: toEmitter(r), previousOwner: r.previous }));
    },

    /**
     * Extends `owner`'s leases of `ids`; returns the ids renewed. One missing was stopped (on any
     * instance), finished, or taken over after this instance's lease ran out: its loop must end.
     */
    async renew(owner: string, ids: readonly string[], leaseMs: number): Promise<Set<string>> {
      if (ids.length === 0) return new Set();
      const { rows } = await pool.query<{ id: string }>(
        `UPDATE emitters SET lease_until = clock_timestamp() + $3::int * interval '1 millisecond'
         WHERE id = ANY($2::text[]) AND owner = $1 AND status = 'running'
         RETURNING id`,
        [owner, ids, leaseMs],
      );
      return new Set(rows.map((r) => r.id));
    },

    /** Gives `owner`'s leases of `ids` up (a clean shutdown): another instance takes them at its next round. */
    async release(owner: string, ids: readonly string[]): Promise<void> {
      if (ids.length === 0) return;
      await pool.query(
        `UPDATE emitters SET owner = NULL, lease_until = NULL
         WHERE id = ANY($2::text[]) AND owner = $1 AND status = 'running'`,
        [owner, ids],
      );
    },
  };
}

export type EmitterLeasesStore = ReturnType<typeof makeEmitterLeasesStore>;
