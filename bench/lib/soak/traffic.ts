import type { Api } from '../../../cli/src/scenario/api.js';
import { installReceiverSecret } from '../../../cli/src/scenario/setup.js';
import type { SoakSettings } from './settings.js';

/** A webhook the soak registered, with its secret (never printed). */
export interface SoakWebhook {
  name: string;
  customerId: string;
  webhookId: string;
  url: string;
  secret: string;
}

/**
 * Registers the soak's webhooks through the sender's API: `customers` customers with
 * `webhooksPerCustomer` webhooks each, the first on the ingress's `/webhook` (the keyring is
 * searched), the others on `/webhook/<customer>` (only the customer's secrets are tried). Each
 * secret is installed on the receiver the way an operator would, and known to every replica
 * before this returns.
 */
export async function registerSoakWebhooks(options: {
  sender: Api;
  receiver: Api;
  ingressUrl: string;
  handlerUrls: readonly string[];
  settings: SoakSettings;
  runId: string;
}): Promise<SoakWebhook[]> {
  const { settings, ingressUrl, runId } = options;
  const hooks: SoakWebhook[] = [];
  for (let c = 1; c <= settings.customers; c++) {
    const customerId = `soak-${runId}-c${c}`;
    for (let w = 1; w <= settings.webhooksPerCustomer; w++) {
      const own = `${ingressUrl}/webhook/${encodeURIComponent(customerId)}`;
      // (customer, url) is unique: a third webhook of a customer gets a query string of its own.
      const url = w === 1 ? `${ingressUrl}/webhook` : w === 2 ? own : `${own}?hook=${w}`;
      const answer = await options.sender.expect('POST', '/webhooks', {
        customer_id: customerId,
        webhook_url: url,
        description: `hookpipe soak ${runId}`,
      });
      const hook = {
        name: `c${c}-w${w}`,
        customerId,
        webhookId: String(answer.json.webhook_id),
        url,
        secret: String(answer.json.secret_token),
      };
      await installReceiverSecret(
        options.receiver,
        options.handlerUrls,
        { ...hook, signatureScheme: 'standard-webhooks' },
        hook.secret,
      );
      hooks.push(hook);
    }
  }
  return hooks;
}

const emitterQuery = (h: SoakWebhook) =>
  `customer_id=${encodeURIComponent(h.customerId)}&webhook_id=${encodeURIComponent(h.webhookId)}`;

/** Starts one emitter per webhook, the rate split evenly, running until stopped. */
export async function startEmitters(
  sender: Api,
  hooks: readonly SoakWebhook[],
  settings: SoakSettings,
): Promise<void> {
  const rate = settings.rate / hooks.length;
  await Promise.all(
    hooks.map((h) =>
      sender.expect('POST', `/emitter/start?${emitterQuery(h)}`, {
        rate,
        simulate: { retry: settings.retryShare, dead: settings.deadShare },
      }),
    ),
  );
}

export async function stopEmitters(sender: Api, hooks: readonly SoakWebhook[]): Promise<void> {
  await Promise.all(
    hooks.map((h) => sender.expect('POST', `/emitter/stop?${emitterQuery(h)}`, undefined, [200, 404])),
  );
}

export interface EmitterTotals {
  sent: number;
  delivered: number;
  pending: number;
}

/** The soak's emitters' counters summed (undefined while the sender does not answer). */
export async function emitterTotals(
  sender: Api,
  hooks: readonly SoakWebhook[],
): Promise<EmitterTotals | undefined> {
  const ours = new Set(hooks.map((h) => h.webhookId));
  try {
    const answer = await sender.call('GET', '/emitters?status=all&limit=500');
    if (answer.status !== 200) return undefined;
    const list = (answer.json.data ?? []) as { webhook_id: string; counters: EmitterTotals }[];
    const totals = { sent: 0, delivered: 0, pending: 0 };
    for (const e of list.filter((x) => ours.has(x.webhook_id))) {
      totals.sent += e.counters.sent;
      totals.delivered += e.counters.delivered;
      totals.pending += e.counters.pending;
    }
    return totals;
  } catch {
    return undefined;
  }
}
