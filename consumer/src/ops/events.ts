/** The receiver's operational event types (docs/receiver-operational-webhooks.md). */
export const OPERATIONAL_EVENT_TYPES = ['dead_letter.created', 'dead_letter.replayed'] as const;

export type OperationalEventType = (typeof OPERATIONAL_EVENT_TYPES)[number];

/** `dead_letter.created`: the pipeline wrote a dead letter. */
export interface DeadLetterCreated {
  dead_letter_id: number;
  event_id: string;
  customer_id: string | null;
  event_type: string | null;
  retry_count: number;
  reason: string;
  created_at: string;
}

/** `dead_letter.replayed`: a dead letter went back to `webhooks.events`. */
export interface DeadLetterReplayed {
  dead_letter_id: number;
  event_id: string;
  customer_id: string | null;
  event_type: string | null;
  replayed_at: string;
}

/** One operational event, before it is fanned out to the endpoints that take it. */
export type OperationalEvent =
  | { type: 'dead_letter.created'; data: DeadLetterCreated }
  | { type: 'dead_letter.replayed'; data: DeadLetterReplayed };

/** Whether an endpoint subscribed to `eventTypes` takes events of `type`. */
export const subscribes = (eventTypes: readonly string[], type: string): boolean =>
  eventTypes.includes('*') || eventTypes.includes(type);

/** The body sent, fixed at enqueue: `{ type, timestamp, data }`, like a normal delivery's. */
export const operationalBody = (event: OperationalEvent, at: Date): Buffer =>
  Buffer.from(JSON.stringify({ type: event.type, timestamp: at.toISOString(), data: event.data }));
