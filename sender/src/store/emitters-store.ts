import { type Pool, withTransaction } from '@hookpipe/lib';
import type { NewDelivery } from '../model/delivery.js';
import type { EmitterRow, EmitterStatus, SimulateShares } from '../model/emitter.js';
import type { FaultShares } from '../model/fault-kinds.js';
import { insertDeliveries } from './enqueue.js';

export interface Row {
  id: string;
  webhook_id: string;
  customer_id: string;
  status: EmitterStatus;
  rate: number;
  max_count: string | null;
  duration_ms: string | null;
  event_types: string[];
  faults: FaultShares;
  simulate: SimulateShares;
  concurrency: number;
  emitted: string;
  started_at: Date;
  ends_at: Date | null;
  stopped_at: Date | null;
  stop_reason: string | null;
  owner: string | null;
  lease_until: Date | null;
}

export const toEmitter = (r: Row): EmitterRow => ({
  id: r.id,
  webhookId: r.webhook_id,
  customerId: r.customer_id,
  status: r.status,
  rate: r.rate,
  maxCount: r.max_count === null ? null : Number(r.max_count),
  durationMs: r.duration_ms === null ? null : Number(r.duration_ms),
  eventTypes: r.event_types,
  faults: r.faults,
  simulate: r.simulate,
  concurrency: r.concurrency,
  emitted: Number(r.emitted),
  startedAt: r.started_at,
  endsAt: r.ends_at,
  stoppedAt: r.stopped_at,
  stopReason: r.stop_reason,
  owner: r.owner,
  leaseUntil: r.lease_until,
});

/** What a start writes; `owner` takes the new run's lease at once (for `leaseMs`). */
export type NewEmitter = Omit<
  EmitterRow,
  'status' | 'emitted' | 'stoppedAt' | 'stopReason' | 'leaseUntil'
> & {
  leaseMs: number;
};

export interface EmitterCounts {
  counters: Map<string, number>;
  pending: number;
  retrying: number;
}

/** Emitter runs, their counters, and the outbox rows they write. */
export function makeEmittersStore(pool: Pool) {
  return {
    /** Inserts a running emitter leased to its owner; null when the webhook already has one running. */
    async insert(e: NewEmitter): Promise<EmitterRow | null> {
      const { rows } = await pool.query<Row>(
        `INSERT INTO emitters (id, webhook_id, customer_id, status, rate, max_count, duration_ms, event_types, faults,
                               concurrency, started_at, ends_at, simulate, owner, lease_until)
         VALUES ($1, $2, $3, 'running', $4, $5, $6, $7, $8, $9, $10, $11, $12, $13,
                 clock_timestamp() + $14::int * interval '1 millisecond')
         ON CONFLICT (webhook_id) WHERE status = 'running' DO NOTHING
         RETURNING *`,
        [
          e.id,
          e.webhookId,
          e.customerId,
          e.rate,
          e.maxCount,
          e.durationMs,
          e.eventTypes,
          JSON.stringify(e.faults),
          e.concurrency,
          e.startedAt,
          e.endsAt,
          JSON.stringify(e.simulate),
          e.owner,
          e.leaseMs,
        ],
      );
      return rows[0] ? toEmitter(rows[0]) : null;
    },

    /** The webhook's running emitter, else its most recent one. */
    async current(webhookId: string): Promise<EmitterRow | null> {
      const { rows } = await pool.query<Row>(
        `SELECT * FROM emitters WHERE webhook_id = $1
         ORDER BY (status = 'running') DESC, started_at DESC, id DESC LIMIT 1`,
        [webhookId],
      );
      return rows[0] ? toEmitter(rows[0]) : null;
    },

    async list(filter: { status?: EmitterStatus; webhookId?: string; limit: number }): Promise<EmitterRow[]> {
      const { rows } = await pool.query<Row>(
        `SELECT * FROM emitters
         WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR webhook_id = $2)
         ORDER BY started_at DESC, id DESC LIMIT $3`,
        [filter.status ?? null, filter.webhookId ?? null, filter.limit],
      );
      return rows.map(toEmitter);
    },

    async countRunning(): Promise<number> {
      const { rows } = await pool.query<{ n: string }>(
        `SELECT count(*) AS n FROM emitters WHERE status = 'running'`,
      );
      return Number(rows[0]?.n ?? 0);
    },

    /**
     * Ends a run (only a running one: stopping twice keeps the first stop). With `owner`, only
     * while that instance still owns it: a run completes by its owner's count, never a stale one's.
     */
    async finish(
      id: string,
      status: 'stopped' | 'completed',
      reason: string,
      now: number,
      owner?: string,
    ): Promise<EmitterRow | null> {
      const { rows } = await pool.query<Row>(
        `UPDATE emitters SET status = $2, stopped_at = $3, stop_reason = $4
         WHERE id = $1 AND status = 'running' AND ($5::text IS NULL OR owner = $5) RETURNING *`,
        [id, status, new Date(now), reason, owner ?? null],
      );
      return rows[0] ? toEmitter(rows[0]) : null;
    },

    /**
     * Puts one tick's events in the outbox, bumps the emitter's `emitted` and its `sent` counters
     * in the same transaction (so a restart resumes the count exactly). `invalid` events (data its
     * type's schema refused) are counted as emitted, under `invalid`, and not sent. `live` is false
     * when the emitter is no longer running, no longer `owner`'s (another instance took it over),
     * or its webhook is gone: the row lock makes a takeover and a batch of the old owner's
     * exclude each other, so no event is emitted by two instances.
     */
    async emitBatch(
      emitterId: string,
      owner: string,
      rows: readonly NewDelivery[],
      now: number,
      invalid = 0,
    ): Promise<{ inserted: number; live: boolean }> {
      if (rows.length === 0 && invalid === 0) return { inserted: 0, live: true };
      return withTransaction(pool, async (client) => {
        const running = await client.query(
          `SELECT 1 FROM emitters WHERE id = $1 AND status = 'running' AND owner = $2 FOR UPDATE`,
          [emitterId, owner],
        );
        if (running.rowCount === 0) return { inserted: 0, live: false };
        const n = await insertDeliveries(client, rows, now);
        if (n === 0 && rows.length > 0) return { inserted: 0, live: false };
        await client.query(`UPDATE emitters SET emitted = emitted + $2 WHERE id = $1`, [
          emitterId,
          n + invalid,
        ]);
        const names = new Map<string, number>();
        if (n > 0) names.set('sent', n);
        if (invalid > 0) names.set('invalid', invalid);
        for (const r of rows) {
          if (r.fault) names.set(`fault.${r.fault}.sent`, (names.get(`fault.${r.fault}.sent`) ?? 0) + 1);
        }
        await client.query(
          `INSERT INTO emitter_counters (emitter_id, name, n)
           SELECT $1, name, n FROM unnest($2::text[], $3::bigint[]) AS x(name, n)
           ORDER BY name
           ON CONFLICT (emitter_id, name) DO UPDATE SET n = emitter_counters.n + EXCLUDED.n`,
          [emitterId, [...names.keys()], [...names.values()]],
        );
        return { inserted: n, live: true };
      });
    },

    /** Deliveries of the emitter not finished yet (pending or held): its backlog. */
    async backlog(emitterId: string): Promise<number> {
      const { rows } = await pool.query<{ n: string }>(
        `SELECT count(*) AS n FROM deliveries WHERE emitter_id = $1 AND status IN ('pending', 'held')`,
        [emitterId],
      );
      return Number(rows[0]?.n ?? 0);
    },

    /**
     * The newest message of the emitter already delivered (2xx), for a duplicate_id fault to replay.
     * Walks the webhook's deliveries from the newest back (only the in-flight tail is skipped).
     */
    async lastDelivered(emitter: {
      id: string;
      webhookId: string;
    }): Promise<{ messageId: string; body: Buffer; eventType: string } | null> {
      const { rows } = await pool.query<{ message_id: string; body: Buffer; event_type: string }>(
        `SELECT message_id, body, event_type FROM deliveries
         WHERE webhook_id = $1 AND emitter_id = $2 AND status = 'delivered' AND fault IS NULL
         ORDER BY id DESC LIMIT 1`,
        [emitter.webhookId, emitter.id],
      );
      const r = rows[0];
      return r ? { messageId: r.message_id, body: r.body, eventType: r.event_type } : null;
    },

    /** Counters and backlog of several emitters at once. */
    async counts(ids: readonly string[]): Promise<Map<string, EmitterCounts>> {
      const out = new Map<string, EmitterCounts>(
        ids.map((id) => [id, { counters: new Map(), pending: 0, retrying: 0 }]),
      );
      if (ids.length === 0) return out;
      // One statement, so one snapshot: counters and open deliveries read in two queries could see
      // a delivery finish in between (neither pending nor yet counted delivered).
      const { rows } = await pool.query<{ emitter_id: string; name: string; n: string }>(
        `SELECT emitter_id, name, n FROM emitter_counters WHERE emitter_id = ANY($1::text[])
         UNION ALL
         SELECT emitter_id, '.pending', count(*) FROM deliveries
          WHERE emitter_id = ANY($1::text[]) AND status IN ('pending', 'held') GROUP BY emitter_id
         UNION ALL
         SELECT emitter_id, '.retrying', count(*) FROM deliveries
          WHERE emitter_id = ANY($1::text[]) AND status IN ('pending', 'held') AND last_attempt_at IS NOT NULL
          GROUP BY emitter_id`,
        [ids],
      );
      for (const r of rows) {
        const c = out.get(r.emitter_id);
        if (!c) continue;
        if (r.name === '.pending') c.pending = Number(r.n);
        else if (r.name === '.retrying') c.retrying = Number(r.n);
        else c.counters.set(r.name, Number(r.n));
      }
      return out;
    },
  };
}

export type EmittersStore = ReturnType<typeof makeEmittersStore>;
