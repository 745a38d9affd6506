import {
  ApiError,
  generateSchemeSecret,
  secretProblem,
  type Clock,
  type SignatureScheme,
  type TargetPolicy,
} from '@hookpipe/lib';
import { checkTargetUrl } from '@hookpipe/lib/api';
import type { z } from '@hono/zod-openapi';
import type { EmitterManager } from '../emitters/manager.js';
import type { EventCatalog } from '../event-types/catalog.js';
import type { Linker } from '../linked/linker.js';
import type { ReceiverRefusal } from '../linked/receiver-client.js';
import type { SenderMetrics } from '../metrics.js';
import type { SecretBox } from '../secrets.js';
import type { WebhookRow } from '../model/webhook.js';
import type { EmittersStore } from '../store/emitters-store.js';
import type { EventsStore } from '../store/events-store.js';
import type { HistoryStore } from '../store/history-store.js';
import type { WebhooksStore } from '../store/webhooks-store.js';
import { deliveryCursor, pageOf } from './cursors.js';
import type { ListDeliveriesQuery } from './schemas.js';

/** What the routes need; index.ts wires the real ones, tests their own. */
export interface ApiDeps {
  webhooks: WebhooksStore;
  events: EventsStore;
  history: HistoryStore;
  /** The emitters' rows and counters; `emitters` runs them. */
  emitterRows: EmittersStore;
  clock: Clock;
  box: SecretBox;
  targets: TargetPolicy;
  emitters: EmitterManager;
  catalog: EventCatalog;
  /** Linked secrets (SENDER_RECEIVER_API_URL …); null when the sender has no receiver of its own. */
  linker: Linker | null;
  metrics: SenderMetrics;
  /** Wakes the delivery worker after an enqueue. */
  notify: () => void;
  settings: {
    webhookConcurrency: number;
    deliveryConcurrency: number;
    rotationGraceS: number;
    maxEventBytes: number;
    emitterRate: number;
    emitterMaxRate: number;
    emitterConcurrency: number;
    fakerSeed: number | undefined;
  };
}

/** The webhook, or a 404 in the shared error shape. */
export async function requireWebhook(deps: ApiDeps, id: string): Promise<WebhookRow> {
  const webhook = await deps.webhooks.get(id);
  if (!webhook) throw new ApiError(404, 'webhook_not_found', `no webhook ${id}`);
  return webhook;
}

/** 400 naming `field` (webhook_url) when the URL's host is not in the allow-list. */
export function checkTarget(deps: ApiDeps, url: string, field = 'webhook_url'): void {
  checkTargetUrl(deps.targets, url, field);
}

/**
 * The user's own secret, or a new one. The request's schema already matched the secret to the
 * scheme it names; one that does not fit the scheme a webhook already has (a rotation) is a
 * conflict with the webhook, 409 `secret_scheme_mismatch`.
 */
export function secretFor(scheme: SignatureScheme, given: string | undefined): string {
  if (given === undefined) return generateSchemeSecret(scheme);
  const problem = secretProblem(scheme, given);
  if (problem) {
    throw new ApiError(409, 'secret_scheme_mismatch', `secret does not fit this webhook: ${problem}`);
  }
  return given;
}

/*
 * Event types and their schemas are the catalog's state: a request naming a type it lacks, or
 * whose data a user type's schema refuses, conflicts with that state (409), as opposed to a
 * request the document itself refuses (400).
 */

/** 409 `unknown_event_type`. */
export function unknownEventType(type: string): ApiError {
  return new ApiError(409, 'unknown_event_type', `unknown event type ${type} (GET /event-types lists them)`);
}

/** 409 `event_data_invalid`: an event's data does not fit its type's schema. */
export function eventDataInvalid(message: string): ApiError {
  return new ApiError(409, 'event_data_invalid', message);
}

/**
 * The answer when the stack's receiver did not take a linked secret: 503 with Retry-After when it
 * said 503 or did not answer at all (unavailable: the same request may succeed later), else 502
 * (it answered with an error); either way the change was not made.
 */
export function receiverUnavailable(refusal: ReceiverRefusal, what: string): ApiError {
  const message = `${what}: the receiver's secret could not be installed; ${refusal.message}`;
  if (refusal.status === 503 || refusal.status === null) {
    return new ApiError(503, 'receiver_unavailable', message, undefined, {
      'Retry-After': refusal.retryAfter ?? '5',
    });
  }
  return new ApiError(502, 'receiver_unavailable', message);
}

/** Answers of a change whose secret the stack's own receiver had to take (linked secrets). */
export const RECEIVER_REFUSED = {
  502: {
    description:
      'The stack’s receiver answered the secret with an error other than 503 (`receiver_unavailable`): nothing changed',
  },
  503: {
    description:
      'The stack’s receiver said 503 or did not answer (`receiver_unavailable`, with Retry-After): nothing changed',
  },
};

/** A page of an endpoint's deliveries, newest first (`GET …/{id}/deliveries`). */
export async function deliveriesPage(
  deps: ApiDeps,
  webhookId: string,
  query: z.output<typeof ListDeliveriesQuery>,
) {
  const rows = await deps.history.listDeliveries(webhookId, {
    status: query.status,
    before: query.cursor === undefined ? undefined : deliveryCursor.decode(query.cursor).id,
    limit: query.limit + 1,
  });
  return pageOf(
    rows,
    query.limit,
    (d) => d,
    (d) => deliveryCursor.encode({ id: d.delivery_id }),
  );
}
