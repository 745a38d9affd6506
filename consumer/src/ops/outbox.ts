import { newId, type PoolClient } from '@hookpipe/lib';
import { operationalBody, subscribes, type OperationalEvent } from './events.js';

/**
 * Enqueues operational events inside the caller's transaction (the one that wrote the change they
 * report), one delivery per live endpoint that takes the type, each with a message id of its own
 * (the webhook-id, fixed here and kept on every retry), as the sender gives each delivery. With
 * no endpoint configured this is one read of a tiny table and no write. The read is not cached:
 * a cache would need invalidating across consumer instances, and it runs only in transactions
 * that write a dead letter or replay some, not for every event.
 */
export async function enqueueOperationalEvents(
  client: PoolClient,
  events: readonly OperationalEvent[],
  now: Date,
): Promise<number> {
  if (events.length === 0) return 0;
  const endpoints = (
    await client.query<{ id: string; event_types: string[] }>(
      'SELECT id, event_types FROM operational_endpoints WHERE active AND deleted_at IS NULL',
    )
  ).rows;
  if (endpoints.length === 0) return 0;
  const rows = events.flatMap((event) => {
    const body = operationalBody(event, now);
    return endpoints
      .filter((e) => subscribes(e.event_types, event.type))
      .map((e) => ({ endpoint: e.id, messageId: newId('msg', now.getTime()), type: event.type, body }));
  });
  if (rows.length === 0) return 0;
  const res = await client.query(
    `INSERT INTO operational_deliveries (endpoint_id, message_id, event_type, body, next_attempt_at, created_at)
     SELECT e, m, t, b, $5, $5 FROM unnest($1::text[], $2::text[], $3::text[], $4::bytea[]) AS x(e, m, t, b)`,
    [
      rows.map((r) => r.endpoint),
      rows.map((r) => r.messageId),
      rows.map((r) => r.type),
      rows.map((r) => r.body),
      now,
    ],
  );
  return res.rowCount ?? 0;
}
