import { type Pool, withTransaction } from '@hookpipe/lib';
import { enqueueOperationalEvents } from '../ops/outbox.js';
import { deadLetterCursor, type DeadLetterCursor } from './cursors.js';
import type { StringHeaders } from '../pipeline/headers.js';

export interface DeadLetterFilter {
  /** The event's webhook-id (the dashboard's inspector looks an event's dead letters up by it). */
  webhookId?: string | undefined;
  customerId?: string | undefined;
  type?: string | undefined;
  /** failed_at >= since */
  since?: Date | undefined;
  /** failed_at < until */
  until?: Date | undefined;
  status: 'open' | 'replayed' | 'all';
}

export interface DeadLetterView {
  id: number;
  webhook_id: string;
  customer_id: string | null;
  event_type: string | null;
  retry_count: number;
  reason: string;
  error_class: string;
  payload: unknown;
  headers: StringHeaders;
  original: { topic: string; partition: number; offset: number };
  first_failed_at: string;
  failed_at: string;
  replayed_at: string | null;
  replay_count: number;
}

/** A dead letter as a replay needs it. */
export interface ReplaySource {
  id: number;
  webhookId: string;
  rawBody: Buffer;
  key: Buffer | null;
  headers: StringHeaders;
  replayedAt: Date | null;
}

// The columns the view shows as they are; the rest come as PostgreSQL hands them over.
interface DeadLetterDbRow extends Pick<
  DeadLetterView,
  | 'webhook_id'
  | 'customer_id'
  | 'event_type'
  | 'retry_count'
  | 'reason'
  | 'error_class'
  | 'payload'
  | 'headers'
  | 'replay_count'
> {
  id: string;
  original_topic: string;
  original_partition: number;
  original_offset: string;
  first_failed_at: Date;
  failed_at: Date;
  replayed_at: Date | null;
  raw_body?: Buffer;
}

const COLUMNS = `id, webhook_id, customer_id, event_type, retry_count, reason, error_class, payload, headers,
  original_topic, original_partition, original_offset, first_failed_at, failed_at, replayed_at, replay_count`;

const toView = (r: DeadLetterDbRow): DeadLetterView => ({
  id: Number(r.id),
  webhook_id: r.webhook_id,
  customer_id: r.customer_id,
  event_type: r.event_type,
  retry_count: r.retry_count,
  reason: r.reason,
  error_class: r.error_class,
  payload: r.payload,
  headers: r.headers,
  original: { topic: r.original_topic, partition: r.original_partition, offset: Number(r.original_offset) },
  first_failed_at: r.first_failed_at.toISOString(),
  failed_at: r.failed_at.toISOString(),
  replayed_at: r.replayed_at?.toISOString() ?? null,
  replay_count: r.replay_count,
});

/** SQL conditions for a filter, their values appended to `params`. */
export function whereClause(filter: DeadLetterFilter, params: unknown[]): string[] {
  const where: string[] = [];
  const add = (sql: (p: string) => string, value: unknown) => {
    params.push(value);
    where.push(sql(`$${params.length}`));
  };
  if (filter.webhookId !== undefined) add((p) => `webhook_id = ${p}`, filter.webhookId);
  if (filter.customerId !== undefined) add((p) => `customer_id = ${p}`, filter.customerId);
  if (filter.type !== undefined) add((p) => `event_type = ${p}`, filter.type);
  if (filter.since) add((p) => `failed_at >= ${p}`, filter.since);
  if (filter.until) add((p) => `failed_at < ${p}`, filter.until);
  if (filter.status === 'open') where.push('replayed_at IS NULL');
  if (filter.status === 'replayed') where.push('replayed_at IS NOT NULL');
  return where;
}

/** `dead_letters` for the API: listing (newest first), one row, and the replay bookkeeping. */
export function makeDeadLettersStore(pool: Pool) {
  return {
    async list(
      filter: DeadLetterFilter & { limit: number; cursor?: DeadLetterCursor | undefined },
    ): Promise<{ data: DeadLetterView[]; next_cursor: string | null }> {
      const params: unknown[] = [];
      const where = whereClause(filter, params);
      if (filter.cursor) {
        params.push(filter.cursor.id);
        where.push(`id < $${params.length}`);
      }
      params.push(filter.limit + 1);
      const rows = (
        await pool.query<DeadLetterDbRow>(
          `SELECT ${COLUMNS} FROM dead_letters ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
            ORDER BY id DESC LIMIT $${params.length}`,
          params,
        )
      ).rows;
      const page = rows.slice(0, filter.limit).map(toView);
      const last = page[page.length - 1];
      return {
        data: page,
        next_cursor: rows.length > filter.limit && last ? deadLetterCursor.encode({ id: last.id }) : null,
      };
    },

    async get(id: number): Promise<(DeadLetterView & { raw_body_base64: string }) | null> {
      const row = (
        await pool.query<DeadLetterDbRow>(`SELECT ${COLUMNS}, raw_body FROM dead_letters WHERE id = $1`, [id])
      ).rows[0];
      return row
        ? { ...toView(row), raw_body_base64: (row.raw_body ?? Buffer.alloc(0)).toString('base64') }
        : null;
    },

    /** Ids of open dead letters matching a filter, oldest first, at most `limit`. */
    async openIds(filter: Omit<DeadLetterFilter, 'status'>, limit: number): Promise<number[]> {
      const params: unknown[] = [];
      const where = whereClause({ ...filter, status: 'open' }, params);
      params.push(limit);
      const res = await pool.query<{ id: string }>(
        `SELECT id FROM dead_letters WHERE ${where.join(' AND ')} ORDER BY id LIMIT $${params.length}`,
        params,
      );
      return res.rows.map((r) => Number(r.id));
    },

    /**
     * Replays dead letters: locks their rows, hands the open ones to `publish` (which resolves
     * once the broker has them), then marks them replayed in the same transaction. A failed
     * publish leaves every row open; a concurrent replay of the same row waits, then sees it
     * replayed. Each replayed row enqueues its `dead_letter.replayed` in the same transaction.
     */
    async replay(
      ids: readonly number[],
      replayedAt: Date,
      publish: (rows: readonly ReplaySource[]) => Promise<void>,
    ): Promise<{
      replayed: ReplaySource[];
      skipped: { id: number; reason: 'not_found' | 'already_replayed' }[];
    }> {
      return withTransaction(pool, async (client) => {
        const res = await client.query<{
          id: string;
          webhook_id: string;
          raw_body: Buffer;
          record_key: Buffer | null;
          headers: StringHeaders;
          replayed_at: Date | null;
          customer_id: string | null;
          event_type: string | null;
        }>(
          `SELECT id, webhook_id, raw_body, record_key, headers, replayed_at, customer_id, event_type FROM dead_letters
          WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE`,
          [ids],
        );
        const found = new Map(
          res.rows.map((r) => [
            Number(r.id),
            {
              id: Number(r.id),
              webhookId: r.webhook_id,
              rawBody: r.raw_body,
              key: r.record_key,
              headers: r.headers,
              replayedAt: r.replayed_at,
            },
          ]),
        );
        const replayed: ReplaySource[] = [];
        const skipped: { id: number; reason: 'not_found' | 'already_replayed' }[] = [];
        for (const id of new Set(ids)) {
          const row = found.get(id);
          if (!row) skipped.push({ id, reason: 'not_found' });
          else if (row.replayedAt) skipped.push({ id, reason: 'already_replayed' });
          else replayed.push(row);
        }
        if (replayed.length > 0) {
          await publish(replayed);
          await client.query(
            `UPDATE dead_letters SET replayed_at = $2, replay_count = replay_count + 1 WHERE id = ANY($1::bigint[])`,
            [replayed.map((r) => r.id), replayedAt],
          );
          const owners = new Map(res.rows.map((r) => [Number(r.id), r]));
          await enqueueOperationalEvents(
            client,
            replayed.map((r) => ({
              type: 'dead_letter.replayed' as const,
              data: {
                dead_letter_id: r.id,
                event_id: r.webhookId,
                customer_id: owners.get(r.id)?.customer_id ?? null,
                event_type: owners.get(r.id)?.event_type ?? null,
                replayed_at: replayedAt.toISOString(),
              },
            })),
            replayedAt,
          );
        }
        return { replayed: replayed.map((r) => ({ ...r, replayedAt })), skipped };
      });
    },
  };
}

export type DeadLettersStore = ReturnType<typeof makeDeadLettersStore>;
