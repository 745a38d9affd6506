import type { Pool } from '@hookpipe/lib';
import { encodeCursor } from '@hookpipe/lib/api';
import type { EventCursor } from './cursors.js';

export interface EventFilter {
  customerId?: string | undefined;
  type?: string | undefined;
  /** persisted_at >= since */
  since?: Date | undefined;
  /** persisted_at < until */
  until?: Date | undefined;
  order: 'asc' | 'desc';
  limit: number;
  cursor?: EventCursor | undefined;
}

export interface EventView {
  webhook_id: string;
  customer_id: string;
  event_type: string;
  payload: unknown;
  retry_count: number;
  signed_at: string | null;
  received_at: string;
  persisted_at: string;
  request_id: string | null;
  kafka: { topic: string; partition: number; offset: number };
}

export interface FailureView {
  retry_count: number;
  error_class: string;
  error_message: string;
  outcome: 'retry' | 'dead_letter';
  not_before: string | null;
  failed_at: string;
  kafka: { topic: string; partition: number; offset: number };
}

interface EventDbRow {
  webhook_id: string;
  customer_id: string;
  event_type: string;
  payload: unknown;
  retry_count: number;
  signed_at: Date | null;
  received_at: Date;
  persisted_at: Date;
  persisted_key: string;
  request_id: string | null;
  kafka_topic: string;
  kafka_partition: number;
  kafka_offset: string;
}

const EVENT_COLUMNS = `webhook_id, customer_id, event_type, payload, retry_count, signed_at, received_at, persisted_at,
  to_char(persisted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS persisted_key,
  request_id, kafka_topic, kafka_partition, kafka_offset`;

const toView = (r: EventDbRow): EventView => ({
  webhook_id: r.webhook_id,
  customer_id: r.customer_id,
  event_type: r.event_type,
  payload: r.payload,
  retry_count: r.retry_count,
  signed_at: r.signed_at?.toISOString() ?? null,
  received_at: r.received_at.toISOString(),
  persisted_at: r.persisted_key,
  request_id: r.request_id,
  kafka: { topic: r.kafka_topic, partition: r.kafka_partition, offset: Number(r.kafka_offset) },
});

/** Read side of `events` and `event_failures` for the API. */
export function makeEventsQuery(pool: Pool) {
  /** Every failed attempt of a webhook id, oldest first. */
  async function failures(webhookId: string): Promise<FailureView[]> {
    const res = await pool.query<{
      retry_count: number;
      error_class: string;
      error_message: string;
      outcome: 'retry' | 'dead_letter';
      not_before: Date | null;
      failed_at: Date;
      kafka_topic: string;
      kafka_partition: number;
      kafka_offset: string;
    }>(
      `SELECT retry_count, error_class, error_message, outcome, not_before, failed_at, kafka_topic, kafka_partition,
              kafka_offset
         FROM event_failures WHERE webhook_id = $1 ORDER BY failed_at, id`,
      [webhookId],
    );
    return res.rows.map((r) => ({
      retry_count: r.retry_count,
      error_class: r.error_class,
      error_message: r.error_message,
      outcome: r.outcome,
      not_before: r.not_before?.toISOString() ?? null,
      failed_at: r.failed_at.toISOString(),
      kafka: { topic: r.kafka_topic, partition: r.kafka_partition, offset: Number(r.kafka_offset) },
    }));
  }

  return {
    failures,
    /** A page of events in (persisted_at, webhook_id) order, and the cursor of the next page. */
    async list(filter: EventFilter): Promise<{ data: EventView[]; next_cursor: string | null }> {
      const where: string[] = [];
      const params: unknown[] = [];
      const add = (sql: (p: string) => string, value: unknown) => {
        params.push(value);
        where.push(sql(`$${params.length}`));
      };
      if (filter.customerId !== undefined) add((p) => `customer_id = ${p}`, filter.customerId);
      if (filter.type !== undefined) add((p) => `event_type = ${p}`, filter.type);
      if (filter.since) add((p) => `persisted_at >= ${p}`, filter.since);
      if (filter.until) add((p) => `persisted_at < ${p}`, filter.until);
      const cmp = filter.order === 'asc' ? '>' : '<';
      if (filter.cursor) {
        params.push(filter.cursor.t, filter.cursor.id);
        where.push(
          `(persisted_at, webhook_id) ${cmp} ($${params.length - 1}::timestamptz, $${params.length})`,
        );
      }
      const dir = filter.order === 'asc' ? 'ASC' : 'DESC';
      params.push(filter.limit + 1);
      const sql = `SELECT ${EVENT_COLUMNS} FROM events
        ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY persisted_at ${dir}, webhook_id ${dir} LIMIT $${params.length}`;
      const rows = (await pool.query<EventDbRow>(sql, params)).rows;
      const page = rows.slice(0, filter.limit);
      const last = page[page.length - 1];
      return {
        data: page.map(toView),
        next_cursor:
          rows.length > filter.limit && last
            ? encodeCursor({ t: last.persisted_key, id: last.webhook_id })
            : null,
      };
    },

    /** One event with its retry history, or null. */
    async get(webhookId: string): Promise<(EventView & { failures: FailureView[] }) | null> {
      const row = (
        await pool.query<EventDbRow>(`SELECT ${EVENT_COLUMNS} FROM events WHERE webhook_id = $1`, [webhookId])
      ).rows[0];
      if (!row) return null;
      return { ...toView(row), failures: await failures(webhookId) };
    },
  };
}

export type EventsQuery = ReturnType<typeof makeEventsQuery>;
