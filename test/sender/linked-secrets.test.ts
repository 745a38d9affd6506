import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { receiverApi } from '../support/http.js';
import { getTestEnv, type TestEnv } from '../env.js';
import { database, pollUntil, register, senderApi, unique, type SenderApi } from './support.js';

let env: TestEnv;
let api: SenderApi;
let receiverDb: ReturnType<typeof database>;
const created: string[] = [];

beforeAll(async () => {
  env = await getTestEnv();
  api = senderApi(env);
  receiverDb = database(env.databaseUrl);
});

afterAll(async () => {
  for (const id of created) await api.delete(`/webhooks/${id}`).catch(() => undefined);
  await receiverDb?.end();
});

interface ReceiverSecret {
  id: number;
  customer_id: string;
  signature_scheme: string;
  label: string | null;
}

const receiverSecrets = async (customer: string): Promise<ReceiverSecret[]> => {
  const res = await receiverApi(env).get(`/secrets?customer_id=${encodeURIComponent(customer)}`);
  expect(res.status).toBe(200);
  return res.json.data as ReceiverSecret[];
};

describe('linked secrets: the sender installs what it signs with on its own stack’s receiver', () => {
  it('installs a github webhook’s own secret, verifies its events end to end, and removes it on delete', async () => {
    const customer = unique('linked');
    const wh = await register(api, {
      customer_id: customer,
      webhook_url: `${env.ingressUrl}/webhook`,
      signature_scheme: 'github',
      secret: 'a GitHub secret of my own, linked',
    });
    created.push(wh.webhook_id);
    expect(await receiverSecrets(customer)).toEqual([
      expect.objectContaining({ signature_scheme: 'github', label: `webhook ${wh.webhook_id}` }),
    ]);

    // Through nginx and a handler (X-Hub-Signature-256, X-GitHub-Delivery) into the events table.
    const sent = await api.post(`/webhooks/${wh.webhook_id}/trigger`, { type: 'order.paid' });
    expect(sent.status).toBe(202);
    const messageId = (sent.json.deliveries as { message_id: string }[])[0]!.message_id;
    await pollUntil(
      async () =>
        (
          await receiverDb.query('SELECT 1 FROM events WHERE webhook_id = $1 AND customer_id = $2', [
            messageId,
            customer,
          ])
        ).length === 1,
      { timeoutMs: 30_000, what: 'the triggered github event in the receiver’s events' },
    );

    // A rotation installs the new secret at once; the old one stays through the grace period.
    const rotated = await api.post(`/webhooks/${wh.webhook_id}/rotate-secret`, { grace_seconds: 3600 });
    expect(rotated.status).toBe(200);
    expect(rotated.json.secret_token).toMatch(/^[0-9a-f]{64}$/);
    expect((await receiverSecrets(customer)).length).toBe(2);

    expect((await api.delete(`/webhooks/${wh.webhook_id}`)).status).toBe(204);
    await pollUntil(async () => (await receiverSecrets(customer)).length === 0, {
      timeoutMs: 30_000,
      what: 'the receiver to hold none of the deleted webhook’s secrets',
    });
  });

  it('installs nothing for a webhook off the ingress, and links it when its URL moves onto the ingress', async () => {
    const customer = unique('linked-move');
    const wh = await register(api, { customer_id: customer, webhook_url: 'http://127.0.0.1:9/elsewhere' });
    created.push(wh.webhook_id);
    expect(await receiverSecrets(customer)).toEqual([]);
    const moved = await api.patch(`/webhooks/${wh.webhook_id}`, { webhook_url: `${env.ingressUrl}/webhook` });
    expect(moved.status).toBe(200);
    expect(await receiverSecrets(customer)).toEqual([
      expect.objectContaining({ signature_scheme: 'standard-webhooks', label: `webhook ${wh.webhook_id}` }),
    ]);
    const away = await api.patch(`/webhooks/${wh.webhook_id}`, {
      webhook_url: 'http://127.0.0.1:9/elsewhere',
    });
    expect(away.status).toBe(200);
    await pollUntil(async () => (await receiverSecrets(customer)).length === 0, {
      timeoutMs: 30_000,
      what: 'the receiver to drop the secret of the webhook that left the ingress',
    });
  });
});
