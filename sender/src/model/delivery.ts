import type { SignatureScheme } from '@hookpipe/lib';
import type { Decision } from './decision.js';
import type { FaultKind } from './fault-kinds.js';

/** A message to put in the outbox. */
export interface NewDelivery {
  messageId: string;
  webhookId: string;
  customerId: string;
  eventId: string | null;
  emitterId: string | null;
  eventType: string;
  body: Buffer;
  fault: FaultKind | null;
}

/** A delivery the worker claimed: what to send, and which attempt this is (1 = first). */
export interface ClaimedDelivery {
  id: string;
  token: string;
  messageId: string;
  webhookId: string;
  customerId: string;
  emitterId: string | null;
  url: string;
  headers: Record<string, string>;
  /** The webhook's signature scheme. */
  scheme: SignatureScheme;
  eventType: string;
  /** As stored (maybe sealed), newest first. */
  secrets: string[];
  body: Buffer;
  fault: FaultKind | null;
  attempt: number;
  /** In-flight bounds: the webhook's `max_in_flight`, and its emitter's `concurrency` if any. */
  caps: { webhook: number; emitter: number | null };
}

/** One finished attempt and the decision on it, as the worker hands it back to the outbox. */
export interface Completion {
  id: string;
  token: string;
  webhookId: string;
  messageId: string;
  scheme: SignatureScheme;
  attempt: number;
  fault: FaultKind | null;
  signedAt: number;
  startedAt: number;
  finishedAt: number;
  durationMs: number;
  statusCode: number | null;
  error: string | null;
  responseExcerpt: string | null;
  decision: Decision;
}
