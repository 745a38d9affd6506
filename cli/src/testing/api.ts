import { randomBytes } from 'node:crypto';
import { reconcileOk, reconcileWhenSettled, waitUntil } from '@hookpipe/stack';
import { allPages, makeApi } from '../scenario/api.js';
import { loadScenario } from '../scenario/load.js';
import type { DeliveryRow } from '../scenario/measures.js';
import { runScenario, type Endpoints } from '../scenario/run.js';
import { installReceiverSecret } from '../scenario/setup.js';
import type { Scenario } from '../scenario/types.js';
import { compareStored, summarize } from './compare.js';
import type { Deliveries, Emitter, HookpipeApi, Webhook } from './types.js';

/** Every endpoint of a whole hookpipe (the scenario runner's, with the receiver's parts given). */
export type KitEndpoints = Required<Omit<Endpoints, 'senderIngressUrl'>> &
  Pick<Endpoints, 'senderIngressUrl'>;

/** A hookpipe the kit found or started, before its API is put on. */
export interface Running {
  endpoints: KitEndpoints;
  /** The URL the sender delivers to for a URL as the test wrote it. */
  senderUrlFor(url: string): Promise<string>;
  stop: () => Promise<void>;
}

const emitterQuery = (w: Webhook) =>
  `customer_id=${encodeURIComponent(w.customerId)}&webhook_id=${encodeURIComponent(w.webhookId)}`;

/** The kit's calls, over hookpipe's HTTP APIs (and its databases for hookpipe's own receiver). */
export function makeHookpipeApi(target: Pick<Running, 'endpoints' | 'senderUrlFor'>): HookpipeApi {
  const e = target.endpoints;
  const sender = makeApi('sender', e.senderUrl, e.senderApiKey);
  const receiver = makeApi('receiver', e.consumerUrl, e.receiverApiKey);
  const deliveries = async (w: Webhook) =>
    allPages<DeliveryRow>(sender, `/webhooks/${encodeURIComponent(w.webhookId)}/deliveries`);

  return {
    async registerWebhook(options = {}) {
      const ingress = `${e.ingressUrl}/webhook`;
      const url = options.url ?? ingress;
      const customerId = options.customerId ?? `kit-${randomBytes(6).toString('hex')}`;
      const targetUrl = await target.senderUrlFor(url);
      const answer = await sender.expect('POST', '/webhooks', {
        customer_id: customerId,
        webhook_url: targetUrl,
        ...(options.eventTypes ? { event_types: options.eventTypes } : {}),
        ...(options.headers ? { headers: options.headers } : {}),
        ...(options.description ? { description: options.description } : {}),
        ...(options.secret ? { secret: options.secret } : {}),
        ...(options.signatureScheme ? { signature_scheme: options.signatureScheme } : {}),
      });
      const made = answer.json.secret_token;
      const webhook: Webhook = {
        webhookId: String(answer.json.webhook_id),
        customerId,
        url,
        targetUrl,
        secret: typeof made === 'string' ? made : (options.secret ?? ''),
      };
      if (url.startsWith(`${e.ingressUrl}/`))
        await installReceiverSecret(
          receiver,
          e.handlerUrls,
          { name: customerId, ...webhook, signatureScheme: options.signatureScheme ?? 'standard-webhooks' },
          webhook.secret,
        );
      return webhook;
    },

    async startEmitter(w, options = {}) {
      const answer = await sender.expect('POST', `/emitter/start?${emitterQuery(w)}`, options);
      return answer.json as unknown as Emitter;
    },

    async stopEmitter(w) {
      await sender.expect('POST', `/emitter/stop?${emitterQuery(w)}`, undefined, [200, 404]);
    },

    async trigger(w, event) {
      const answer = await sender.expect(
        'POST',
        `/webhooks/${encodeURIComponent(w.webhookId)}/trigger`,
        event,
      );
      const [first] = answer.json.deliveries as { message_id: string }[];
      return { eventId: String(answer.json.id), messageId: String(first?.message_id) };
    },

    async waitForDelivered(w, options = {}) {
      const { count } = options;
      const timeoutMs = options.timeoutMs ?? 60_000;
      let last: Deliveries | undefined;
      const emitting = async () =>
        (
          (await sender.expect('GET', `/emitters?webhook_id=${encodeURIComponent(w.webhookId)}`)).json
            .data as unknown[]
        ).length > 0;
      try {
        return await waitUntil(
          async () => {
            last = summarize(await deliveries(w));
            if (count !== undefined) return last.delivered.length >= count ? last : undefined;
            return last.pending === 0 && !(await emitting()) ? last : undefined;
          },
          {
            timeoutMs,
            intervalMs: 500,
            what:
              count === undefined
                ? `every delivery of ${w.webhookId}`
                : `${count} deliveries of ${w.webhookId}`,
          },
        );
      } catch (err) {
        throw new Error(`${(err as Error).message}; ${describe(last)}`, { cause: err });
      }
    },

    async reconcile(webhooks, options = {}) {
      const list = Array.isArray(webhooks) ? (webhooks as readonly Webhook[]) : [webhooks as Webhook];
      if (options.stored) {
        const rows = (await Promise.all(list.map(deliveries))).flat();
        return compareStored(rows, options.stored);
      }
      const r = await reconcileWhenSettled(
        { databaseUrl: e.databaseUrl, senderDatabaseUrl: e.senderDatabaseUrl },
        {
          customers: list.map((w) => w.customerId),
          targetPrefix: `${e.senderIngressUrl ?? e.ingressUrl}/`,
        },
        { timeoutMs: options.timeoutMs ?? 30_000 },
      );
      return {
        ok: reconcileOk(r),
        delivered: r.delivered,
        missing: r.missing,
        duplicated: r.duplicated,
        unexpected: r.unexpected,
        pending: r.pending,
      };
    },

    async runScenario(scenario, options = {}) {
      const parsed: Scenario = typeof scenario === 'string' ? await loadScenario(scenario) : scenario;
      const run: Scenario =
        typeof parsed.target === 'string'
          ? parsed
          : { ...parsed, target: { ...parsed.target, url: await target.senderUrlFor(parsed.target.url) } };
      return runScenario(run, { ...options, endpoints: e });
    },

    async setFaultProfile(w, profile) {
      const path = `/faults/${encodeURIComponent(w.customerId)}`;
      if (profile) await receiver.expect('PUT', path, profile);
      else await receiver.expect('DELETE', path, undefined, [204, 404]);
    },
  };
}

/** What the sender recorded, for a timeout's message. */
function describe(d: Deliveries | undefined): string {
  if (!d) return 'the sender never answered';
  const byStatus = new Map<string, number>();
  for (const r of d.rows) byStatus.set(r.status, (byStatus.get(r.status) ?? 0) + 1);
  const last = d.rows.find((r) => r.status !== 'delivered' && (r.last_error || r.last_status_code));
  return (
    `the sender has ${[...byStatus].map(([s, n]) => `${n} ${s}`).join(', ') || 'no deliveries'}` +
    (last ? `; last failure: ${last.last_status_code ?? last.last_error}` : '')
  );
}
