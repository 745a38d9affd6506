import { newId, type PoolClient } from '@hookpipe/lib';
import type { NewDelivery } from '../model/delivery.js';
import { eventBody } from '../model/event-body.js';
import {
  attemptExhausted,
  endpointDisabled,
  subscribes,
  type OperationalEvent,
} from '../model/operational.js';
import { insertDeliveries } from './enqueue.js';

/*
 * Operational events go into the outbox in the transaction of the change that causes them
 * (transactional outbox): never lost, never sent for a change that rolled back. Each cause looks
 * for operational endpoints first, one indexed read of a few rows inside its own transaction (so
 * it is right with several sender processes, no cache to invalidate); with none, it reads and
 * writes nothing more.
 */

interface Endpoint {
  id: string;
  customer_id: string;
  event_types: string[];
}

/**
 * Enqueues the events `causes` reads, one delivery per active operational endpoint subscribed to
 * each event's type; `causes` runs only when there is such an endpoint. Every delivery carries
 * the contract's envelope `{ type, timestamp, data }` under every scheme and a fresh `msg_` id.
 * Returns how many deliveries went in.
 */
export async function raiseOperational(
  client: PoolClient,
  now: number,
  causes: () => Promise<readonly OperationalEvent[]>,
): Promise<number> {
  const endpoints = await client.query<Endpoint>(
    `SELECT id, customer_id, event_types FROM webhooks
     WHERE operational AND deleted_at IS NULL AND status = 'ACTIVE'`,
  );
  if (endpoints.rows.length === 0) return 0;
  const events = await causes();
  const at = new Date(now);
  const rows: NewDelivery[] = events.flatMap((e) =>
    endpoints.rows
      .filter((ep) => subscribes(ep.event_types, e.type))
      .map((ep) => ({
        messageId: newId('msg', now),
        webhookId: ep.id,
        customerId: ep.customer_id,
        eventId: null,
        emitterId: null,
        eventType: e.type,
        body: eventBody(e.type, at, e.data),
        fault: null,
      })),
  );
  return insertDeliveries(client, rows, now);
}

/**
 * `message.attempt.exhausted` for the given deliveries that this change ended `failed` (finished
 * at `finishedAt`) on a customer's webhook: a failed operational delivery raises nothing.
 */
export async function exhaustedDeliveries(
  client: PoolClient,
  ids: readonly string[],
  finishedAt: Date,
): Promise<OperationalEvent[]> {
  if (ids.length === 0) return [];
  const { rows } = await client.query<{
    webhook_id: string;
    customer_id: string;
    message_id: string;
    event_id: string | null;
    event_type: string;
    attempts: number;
    last_status_code: number | null;
    last_error: string | null;
  }>(
    `SELECT d.webhook_id, d.customer_id, d.message_id, d.event_id, d.event_type, d.attempts,
            d.last_status_code, d.last_error
     FROM deliveries d JOIN webhooks w ON w.id = d.webhook_id
     WHERE d.id = ANY($1::bigint[]) AND d.status = 'failed' AND d.fault IS NULL AND d.finished_at = $2
       AND NOT w.operational
     ORDER BY d.id`,
    [ids, finishedAt],
  );
  return rows.map((r) =>
    attemptExhausted({
      webhookId: r.webhook_id,
      customerId: r.customer_id,
      messageId: r.message_id,
      eventId: r.event_id,
      eventType: r.event_type,
      attempts: r.attempts,
      lastStatusCode: r.last_status_code,
      lastError: r.last_error,
      failedAt: finishedAt,
    }),
  );
}

/**
 * `endpoint.disabled` (automatic) for the customers' webhooks among `ids` that this change
 * disabled: an operational endpoint disabled for failing raises nothing (no loops).
 */
export async function disabledWebhooks(
  client: PoolClient,
  ids: readonly string[],
  at: Date,
): Promise<OperationalEvent[]> {
  if (ids.length === 0) return [];
  const { rows } = await client.query<{
    id: string;
    customer_id: string;
    url: string;
    failing_since: Date | null;
    disabled_at: Date | null;
    disabled_reason: string | null;
  }>(
    `SELECT id, customer_id, url, failing_since, disabled_at, disabled_reason FROM webhooks
     WHERE id = ANY($1::text[]) AND NOT operational ORDER BY id`,
    [ids],
  );
  return rows.map((r) =>
    endpointDisabled(
      {
        id: r.id,
        customerId: r.customer_id,
        url: r.url,
        failingSince: r.failing_since,
        disabledAt: r.disabled_at,
        disabledReason: r.disabled_reason,
      },
      'automatic',
      at,
    ),
  );
}
