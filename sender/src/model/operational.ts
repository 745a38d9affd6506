import type { Data } from './webhook.js';

/** The sender's operational event types (docs/operational-webhooks.md). */
export const OPERATIONAL_EVENT_TYPES = [
  'endpoint.disabled',
  'endpoint.enabled',
  'message.attempt.exhausted',
] as const;

export type OperationalEventType = (typeof OPERATIONAL_EVENT_TYPES)[number];

/** One operational event before it is enqueued: the body's `type` and `data`. */
export interface OperationalEvent {
  type: OperationalEventType;
  data: Data;
}

/** Whether an operational endpoint subscribed to `types` (`*` or exact types) gets `type`. */
export const subscribes = (types: readonly string[], type: string): boolean =>
  types.includes('*') || types.includes(type);

const iso = (d: Date | null) => (d === null ? null : d.toISOString());

/** A customer's webhook as an operational event about it tells of it. */
export interface WebhookFacts {
  id: string;
  customerId: string;
  url: string;
  failingSince: Date | null;
  disabledAt: Date | null;
  disabledReason: string | null;
}

/** `endpoint.disabled`: automatic (failing past SENDER_DISABLE_AFTER_S) or manual (PATCH). */
export function endpointDisabled(
  w: WebhookFacts,
  trigger: 'automatic' | 'manual',
  at: Date,
): OperationalEvent {
  return {
    type: 'endpoint.disabled',
    data: {
      webhook_id: w.id,
      customer_id: w.customerId,
      url: w.url,
      trigger,
      failing_since: iso(w.failingSince),
      disabled_at: (w.disabledAt ?? at).toISOString(),
      reason: w.disabledReason ?? (trigger === 'manual' ? 'disabled by request' : 'deliveries kept failing'),
    },
  };
}

/** `endpoint.enabled`: a disabled webhook made active again through the API. */
export function endpointEnabled(
  w: Pick<WebhookFacts, 'id' | 'customerId' | 'url'>,
  at: Date,
): OperationalEvent {
  return {
    type: 'endpoint.enabled',
    data: { webhook_id: w.id, customer_id: w.customerId, url: w.url, enabled_at: at.toISOString() },
  };
}

/** A delivery that ended `failed`, as `message.attempt.exhausted` tells of it. */
export interface ExhaustedDelivery {
  webhookId: string;
  customerId: string;
  messageId: string;
  eventId: string | null;
  eventType: string;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  failedAt: Date;
}

/** `message.attempt.exhausted`: a delivery failed for good (not a fault's `rejected`, not `canceled`). */
export function attemptExhausted(d: ExhaustedDelivery): OperationalEvent {
  return {
    type: 'message.attempt.exhausted',
    data: {
      webhook_id: d.webhookId,
      customer_id: d.customerId,
      message_id: d.messageId,
      event_id: d.eventId,
      event_type: d.eventType,
      attempts: d.attempts,
      last_status_code: d.lastStatusCode,
      last_error: d.lastError,
      failed_at: d.failedAt.toISOString(),
    },
  };
}
