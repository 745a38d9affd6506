import { createHash } from 'node:crypto';
import { type Pool, type SignatureScheme, withTransaction } from '@hookpipe/lib';
import type { NewDelivery } from '../model/delivery.js';
import { newMessageId, schemeBody } from '../model/event-body.js';
import { insertDeliveries } from './enqueue.js';

export interface EventAnswer {
  id: string;
  type: string;
  deliveries: { webhook_id: string; message_id: string }[];
}

export interface NewEvent {
  id: string;
  type: string;
  source: string | null;
  eventTime: Date;
  /** Whether the producer gave the time (else it is the time of acceptance, not part of the request). */
  timeGiven: boolean;
  data: Record<string, unknown>;
  /** Only this webhook (trigger); otherwise every active webhook subscribed to the type. */
  webhookId?: string;
}

export type IngestResult =
  | { kind: 'accepted'; answer: EventAnswer }
  | { kind: 'replayed'; answer: EventAnswer }
  | { kind: 'conflict' };

/** JSON with object keys sorted, so equal requests hash alike whatever their key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** What makes two posts of one event id "the same request". */
export function requestHash(e: NewEvent): string {
  return createHash('sha256')
    .update(
      canonical({
        type: e.type,
        source: e.source,
        event_time: e.timeGiven ? e.eventTime.toISOString() : null,
        data: e.data,
        webhook: e.webhookId,
      }),
    )
    .digest('hex');
}

/** Producer events and the outbox deliveries they fan out to. */
export function makeEventsStore(pool: Pool) {
  return {
    /**
     * Accepts an event durably: the event row, one outbox delivery per target webhook (each with
     * its own webhook-id) and the answer, in one transaction. A repeat of the same id returns the
     * first answer and enqueues nothing; the same id with a different request is a conflict.
     * `eventTime` becomes the body's `timestamp` when given; a repeat must give the same one.
     */
    async ingest(e: NewEvent, now: number): Promise<IngestResult> {
      const hash = requestHash(e);
      return withTransaction(pool, async (client) => {
        const inserted = await client.query(
          `INSERT INTO events (id, type, source, event_time, data, request_hash, answer, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, '{}', $7) ON CONFLICT (id) DO NOTHING`,
          [e.id, e.type, e.source, e.eventTime, JSON.stringify(e.data), hash, new Date(now)],
        );
        if (inserted.rowCount === 0) {
          const prior = await client.query<{ request_hash: string; answer: EventAnswer }>(
            `SELECT request_hash, answer FROM events WHERE id = $1`,
            [e.id],
          );
          const row = prior.rows[0];
          if (!row || row.request_hash !== hash) return { kind: 'conflict' as const };
          return { kind: 'replayed' as const, answer: row.answer };
        }
        const targets = await client.query<{
          id: string;
          customer_id: string;
          signature_scheme: SignatureScheme;
        }>(
          e.webhookId
            ? `SELECT id, customer_id, signature_scheme FROM webhooks
               WHERE id = $1 AND deleted_at IS NULL AND status = 'ACTIVE' AND NOT operational`
            : `SELECT id, customer_id, signature_scheme FROM webhooks w
               WHERE w.deleted_at IS NULL AND w.status = 'ACTIVE' AND NOT w.operational
                 AND EXISTS (SELECT 1 FROM unnest(w.event_types) p
                             WHERE p = '*' OR p = $1 OR (right(p, 2) = '.*' AND starts_with($1, left(p, -1))))
               ORDER BY id`,
          [e.webhookId ?? e.type],
        );
        // Each webhook gets its scheme's body (Stripe's event carries the message id in it).
        const content = { type: e.type, timestamp: e.eventTime, data: e.data };
        const rows: NewDelivery[] = targets.rows.map((t) => {
          const messageId = newMessageId(t.signature_scheme, now);
          return {
            messageId,
            webhookId: t.id,
            customerId: t.customer_id,
            eventId: e.id,
            emitterId: null,
            eventType: e.type,
            body: schemeBody(t.signature_scheme, messageId, content),
            fault: null,
          };
        });
        await insertDeliveries(client, rows, now);
        const answer: EventAnswer = {
          id: e.id,
          type: e.type,
          deliveries: rows.map((r) => ({ webhook_id: r.webhookId, message_id: r.messageId })),
        };
        await client.query(`UPDATE events SET answer = $2 WHERE id = $1`, [e.id, JSON.stringify(answer)]);
        return { kind: 'accepted' as const, answer };
      });
    },
  };
}

export type EventsStore = ReturnType<typeof makeEventsStore>;
