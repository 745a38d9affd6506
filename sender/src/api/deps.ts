import { ApiError, type Clock } from '@hookpipe/lib';
import { validationError } from '@hookpipe/lib/api';
import type { EmitterManager } from '../emitters/manager.js';
import type { SenderMetrics } from '../metrics.js';
import type { SecretBox } from '../secrets.js';
import type { TargetPolicy } from '../targets.js';
import type { WebhookRow } from '../model/webhook.js';
import type { EmittersStore } from '../store/emitters-store.js';
import type { EventsStore } from '../store/events-store.js';
import type { HistoryStore } from '../store/history-store.js';
import type { WebhooksStore } from '../store/webhooks-store.js';

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

/** 400 naming webhook_url when the URL's host is not in the allow-list. */
export function checkTarget(deps: ApiDeps, url: string): void {
  const verdict = deps.targets.check(url);
  if (!verdict.ok) throw validationError('body', [{ path: ['webhook_url'], message: verdict.message }]);
}
