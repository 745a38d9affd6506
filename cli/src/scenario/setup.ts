import { randomBytes } from 'node:crypto';
import { waitUntilSecretKnown } from '@hookpipe/stack';
import type { Api } from './api.js';
import { isStackTarget, type Scenario, type SignatureScheme, type WebhookSpec } from './types.js';

/** A webhook registered for one run, under a customer id of its own. */
export interface RunWebhook {
  name: string;
  webhookId: string;
  customerId: string;
  url: string;
  signatureScheme: SignatureScheme;
}

/** What a caller gets to hand a sender-made secret to its own receiver (never printed). */
export type OnWebhook = (webhook: RunWebhook & { secret: string }) => void | Promise<void>;

/** `20261206-235501-3fa2`: sortable, and unique enough for customer ids of concurrent runs. */
export function makeRunId(now: number): string {
  const stamp = new Date(now).toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${randomBytes(2).toString('hex')}`;
}

/** The user's event types, defined on the sender before anything is sent (an existing one is kept). */
export async function defineEventTypes(sender: Api, scenario: Scenario): Promise<void> {
  for (const t of scenario.event_types ?? []) await sender.expect('POST', '/event-types', t, [200, 201, 409]);
}

/**
 * Registers each webhook of the scenario for a new customer (`<scenario>-<run>-<webhook>`),
 * pointing at the stack's ingress or the target URL. Returns the webhooks and their secrets.
 */
export async function registerWebhooks(
  sender: Api,
  scenario: Scenario,
  options: { runId: string; ingressUrl?: string; secret?: string },
): Promise<{ webhook: RunWebhook; secret: string }[]> {
  const stack = isStackTarget(scenario);
  const url = stack ? `${options.ingressUrl}/webhook` : (scenario.target as { url: string }).url;
  const out: { webhook: RunWebhook; secret: string }[] = [];
  for (const w of scenario.webhooks) {
    const scheme = schemeOf(scenario, w);
    const customerId = `${scenario.name}-${options.runId}-${w.name}`;
    const answer = await sender.expect('POST', '/webhooks', {
      customer_id: customerId,
      webhook_url: url,
      description: `hookpipe run ${scenario.name} (${options.runId})`,
      ...(w.event_types ? { event_types: w.event_types } : {}),
      ...(w.max_in_flight ? { max_in_flight: w.max_in_flight } : {}),
      ...(w.headers ? { headers: w.headers } : {}),
      ...(w.payload ? { payload: w.payload } : {}),
      // Sent only when not the default, so a sender without signature schemes still takes the rest.
      ...(scheme === 'standard-webhooks' ? {} : { signature_scheme: scheme }),
      ...(options.secret ? { secret: options.secret } : {}),
    });
    const made = answer.json.secret_token;
    const secret = typeof made === 'string' ? made : (options.secret ?? '');
    out.push({
      webhook: {
        name: w.name,
        webhookId: String(answer.json.webhook_id),
        customerId,
        url,
        signatureScheme: scheme,
      },
      secret,
    });
  }
  return out;
}

export function schemeOf(scenario: Scenario, w: WebhookSpec): SignatureScheme {
  if (isStackTarget(scenario)) return w.signature_scheme ?? 'standard-webhooks';
  return (scenario.target as { signature_scheme?: SignatureScheme }).signature_scheme ?? 'standard-webhooks';
}

/**
 * Installs a webhook's secret on hookpipe's receiver (`POST /secrets`) and waits until every
 * handler replica knows it. Kept apart so it can go once the sender links secrets itself: a
 * secret it already installed answers 409, which is fine here.
 */
export async function installReceiverSecret(
  receiver: Api,
  handlerUrls: readonly string[],
  webhook: RunWebhook,
  secret: string,
): Promise<void> {
  await receiver.expect(
    'POST',
    '/secrets',
    {
      customer_id: webhook.customerId,
      secret,
      label: `hookpipe run ${webhook.name}`,
      ...(webhook.signatureScheme === 'standard-webhooks'
        ? {}
        : { signature_scheme: webhook.signatureScheme }),
    },
    [201, 409],
  );
  if (handlerUrls.length > 0)
    await waitUntilSecretKnown(handlerUrls, secret, 15_000, webhook.signatureScheme);
}
