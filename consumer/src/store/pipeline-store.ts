import { systemClock, type Clock, type Pool, withTransaction } from '@hookpipe/lib';
import { enqueueOperationalEvents } from '../ops/outbox.js';
import type { OperationalEvent } from '../ops/events.js';
import type { StringHeaders } from '../pipeline/headers.js';
import type { WebhookEvent } from '../pipeline/types.js';

/** Where a record sits in Kafka. */
export interface Coordinates {
  topic: string;
  partition: number;
  offset: string;
}

export interface EventRow extends Coordinates {
  event: WebhookEvent;
}

/** One failed processing attempt (a row of `event_failures`). */
export interface FailureRow extends Coordinates {
  webhookId: string;
  retryCount: number;
  errorClass: string;
  errorMessage: string;
  outcome: 'retry' | 'dead_letter';
  notBefore: Date | null;
  failedAt: Date;
}

/** A dead letter (a row of `dead_letters`). */
export interface DeadLetterRow extends Coordinates {
  webhookId: string;
  customerId: string | null;
  eventType: string | null;
  retryCount: number;
  reason: string;
  errorClass: string;
  rawBody: Buffer;
  key: Buffer | null;
  headers: StringHeaders;
  firstFailedAt: Date;
  failedAt: Date;
}

const INSERT_EVENTS = `
  INSERT INTO events (webhook_id, customer_id, event_type, payload, retry_count, signed_at, received_at,
                      request_id, kafka_topic, kafka_partition, kafka_offset)
  SELECT w, c, t, p::jsonb, r, s, rc, q, kt, kp, ko
    FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::timestamptz[],
                $7::timestamptz[], $8::text[], $9::text[], $10::int[], $11::bigint[])
         AS x(w, c, t, p, r, s, rc, q, kt, kp, ko)
  ON CONFLICT (webhook_id) DO NOTHING`;

/** The pipeline's writes to the receiver database. Every write is idempotent. */
export function makePipelineStore(pool: Pool, now: Clock = systemClock) {
  return {
    /**
     * Persists events with one multi-row insert; rows whose `webhook_id` is already stored are
     * skipped (a redelivery). Returns how many rows were new.
     */
    async insertEvents(rows: readonly EventRow[]): Promise<number> {
      if (rows.length === 0) return 0;
      const cols = {
        w: [] as string[],
        c: [] as string[],
        t: [] as string[],
        p: [] as string[],
        r: [] as number[],
        s: [] as (string | null)[],
        rc: [] as string[],
        q: [] as (string | null)[],
        kt: [] as string[],
        kp: [] as number[],
        ko: [] as string[],
      };
      for (const { event, topic, partition, offset } of rows) {
        cols.w.push(event.webhookId);
        cols.c.push(event.customerId);
        cols.t.push(event.eventType);
        cols.p.push(event.rawBody.toString('utf8'));
        cols.r.push(event.retryCount);
        cols.s.push(event.signedAt?.toISOString() ?? null);
        cols.rc.push(event.receivedAt.toISOString());
        cols.q.push(event.requestId);
        cols.kt.push(topic);
        cols.kp.push(partition);
        cols.ko.push(offset);
      }
      const res = await pool.query(INSERT_EVENTS, Object.values(cols));
      return res.rowCount ?? 0;
    },

    /** Offsets of these records whose failure is already recorded (a crash-redo of the batch). */
    async recordedFailures(
      topic: string,
      partition: number,
      offsets: readonly string[],
    ): Promise<Set<string>> {
      if (offsets.length === 0) return new Set();
      const res = await pool.query<{ kafka_offset: string }>(
        `SELECT kafka_offset FROM event_failures
          WHERE kafka_topic = $1 AND kafka_partition = $2 AND kafka_offset = ANY($3::bigint[])`,
        [topic, partition, offsets],
      );
      return new Set(res.rows.map((r) => r.kafka_offset));
    },

    /**
     * Records failures and dead letters in one transaction. Both inserts are idempotent: a
     * failure is unique on its source record, and there is at most one open dead letter per
     * webhook id. Each dead letter actually written enqueues its `dead_letter.created` in the
     * same transaction, so however many consumers redo a batch it is reported once.
     */
    async recordFailures(
      failures: readonly FailureRow[],
      deadLetters: readonly DeadLetterRow[],
    ): Promise<void> {
      if (failures.length === 0 && deadLetters.length === 0) return;
      return withTransaction(pool, async (client) => {
        for (const f of failures) {
          await client.query(
            `INSERT INTO event_failures (webhook_id, retry_count, error_class, error_message, outcome, not_before,
                                       kafka_topic, kafka_partition, kafka_offset, failed_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
           ON CONFLICT (kafka_topic, kafka_partition, kafka_offset) DO NOTHING`,
            [
              f.webhookId,
              f.retryCount,
              f.errorClass,
              f.errorMessage,
              f.outcome,
              f.notBefore,
              f.topic,
              f.partition,
              f.offset,
              f.failedAt,
            ],
          );
        }
        const created: OperationalEvent[] = [];
        for (const d of deadLetters) {
          const inserted = await client.query<{ id: string; failed_at: Date }>(
            `INSERT INTO dead_letters (webhook_id, customer_id, event_type, retry_count, reason, error_class, payload,
                                     raw_body, headers, original_topic, original_partition, original_offset,
                                     first_failed_at, failed_at, record_key)
           VALUES ($1, $2, $3, $4, $5, $6, hookpipe_try_jsonb($7), $7, $8, $9, $10, $11,
                   $12, $13, $14)
           ON CONFLICT (webhook_id) WHERE replayed_at IS NULL DO NOTHING
           RETURNING id, failed_at`,
            [
              d.webhookId,
              d.customerId,
              d.eventType,
              d.retryCount,
              d.reason,
              d.errorClass,
              d.rawBody,
              JSON.stringify(d.headers),
              d.topic,
              d.partition,
              d.offset,
              d.firstFailedAt,
              d.failedAt,
              d.key,
            ],
          );
          const row = inserted.rows[0];
          if (!row) continue;
          created.push({
            type: 'dead_letter.created',
            data: {
              dead_letter_id: Number(row.id),
              event_id: d.webhookId,
              customer_id: d.customerId,
              event_type: d.eventType,
              retry_count: d.retryCount,
              reason: d.reason,
              created_at: row.failed_at.toISOString(),
            },
          });
        }
        await enqueueOperationalEvents(client, created, new Date(now()));
      });
    },
  };
}

export type PipelineStore = ReturnType<typeof makePipelineStore>;
