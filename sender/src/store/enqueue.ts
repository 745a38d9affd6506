import type { PoolClient } from '@hookpipe/lib';
import type { NewDelivery } from '../model/delivery.js';

/**
 * Inserts deliveries in one statement, due now: `pending` for an ACTIVE webhook, `held` for a
 * DISABLED one (they resume when it is re-enabled). Rows for a deleted webhook are skipped.
 * Returns how many went in.
 */
export async function insertDeliveries(
  client: PoolClient,
  rows: readonly NewDelivery[],
  now: number,
): Promise<number> {
  if (rows.length === 0) return 0;
  const col = <T>(f: (r: NewDelivery) => T) => rows.map(f);
  // Named: planned once per connection, not at every emitter tick.
  const res = await client.query({
    name: 'outbox-insert',
    text: `INSERT INTO deliveries (message_id, webhook_id, customer_id, event_id, emitter_id, event_type, body, fault,
                             status, next_attempt_at, created_at)
     SELECT x.message_id, x.webhook_id, x.customer_id, x.event_id, x.emitter_id, x.event_type, x.body, x.fault,
            CASE WHEN w.status = 'ACTIVE' THEN 'pending' ELSE 'held' END, $9, $9
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bytea[], $8::text[])
       AS x(message_id, webhook_id, customer_id, event_id, emitter_id, event_type, body, fault)
     JOIN webhooks w ON w.id = x.webhook_id AND w.deleted_at IS NULL`,
    values: [
      col((r) => r.messageId),
      col((r) => r.webhookId),
      col((r) => r.customerId),
      col((r) => r.eventId),
      col((r) => r.emitterId),
      col((r) => r.eventType),
      col((r) => r.body),
      col((r) => r.fault),
      new Date(now),
    ],
  });
  return res.rowCount ?? 0;
}
