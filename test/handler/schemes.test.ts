import { randomUUID } from 'node:crypto';
import { sign as octokitSign } from '@octokit/webhooks-methods';
import pg from 'pg';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getTestEnv, type TestEnv } from '../env.js';
import { mapLimit, pollUntil, postWebhook, secretsTable, unique, waitReady } from './support.js';

// Clients that sign the way GitHub and Stripe document it, with the providers' own libraries
// (@octokit/webhooks-methods, stripe), through nginx and a handler replica to a persisted row.
let env: TestEnv;
let secrets: ReturnType<typeof secretsTable>;
let db: pg.Pool;
const stripe = new Stripe('sk_test_unused');

beforeAll(async () => {
  env = await getTestEnv();
  await waitReady(env.handlerUrls);
  secrets = secretsTable(env.databaseUrl);
  db = new pg.Pool({ connectionString: env.databaseUrl, max: 2 });
});

afterAll(async () => {
  await secrets?.end();
  await db?.end();
});

type Sign = (body: string) => Promise<Record<string, string>>;

/** Waits until every replica verifies with the new secret: 400 for a signed non-JSON body, 401 before. */
async function waitUntilKnown(sign: Sign) {
  for (const url of env.handlerUrls) {
    await pollUntil(
      async () => {
        const body = 'probe, not json';
        return (await postWebhook(url, { body, headers: await sign(body) })).status === 400;
      },
      { timeoutMs: 5000, what: `${url} to know a new secret` },
    );
  }
}

async function sendAndPersist(customerId: string, sign: Sign, bodies: { id: string; body: string }[]) {
  await waitUntilKnown(sign);
  const answers = await mapLimit(bodies, 4, async (b) =>
    postWebhook(env.ingressUrl, { body: b.body, headers: await sign(b.body) }),
  );
  expect(answers.map((a) => a.status)).toEqual(bodies.map(() => 202));
  const ids = bodies.map((b) => b.id);
  const rows = await pollUntil(
    async () => {
      const { rows } = await db.query<{ webhook_id: string; customer_id: string; event_type: string }>(
        'SELECT webhook_id, customer_id, event_type FROM events WHERE webhook_id = ANY($1)',
        [ids],
      );
      return rows.length === ids.length ? rows : null;
    },
    { timeoutMs: 30_000, what: `${ids.length} rows of ${customerId}` },
  );
  expect(new Set(rows.map((r) => r.customer_id))).toEqual(new Set([customerId]));
  return rows;
}

describe('signature schemes through the ingress', () => {
  it('GitHub: X-Hub-Signature-256 by @octokit/webhooks-methods; the delivery id is the row', async () => {
    const customerId = unique('cust-github');
    const secret = `gh secret ${randomUUID()}`;
    await secrets.add(customerId, secret, 'github');
    const deliveries = new Map<string, string>();
    const bodies = Array.from({ length: 20 }, (_, n) => {
      const id = randomUUID();
      const body = JSON.stringify({ action: 'opened', issue: { number: n } });
      deliveries.set(body, id);
      return { id, body };
    });
    const sign: Sign = async (body) => ({
      'content-type': 'application/json',
      'X-GitHub-Event': 'issues',
      'X-GitHub-Delivery': deliveries.get(body) ?? randomUUID(),
      'X-Hub-Signature-256': await octokitSign(secret, body),
    });
    const rows = await sendAndPersist(customerId, sign, bodies);
    expect(new Set(rows.map((r) => r.event_type))).toEqual(new Set(['issues']));
  });

  it('Stripe: Stripe-Signature by the stripe library; the event id is the row', async () => {
    const customerId = unique('cust-stripe');
    const secret = `whsec_${randomUUID().replaceAll('-', '')}`;
    await secrets.add(customerId, secret, 'stripe');
    const bodies = Array.from({ length: 20 }, (_, n) => {
      const id = `evt_${randomUUID().replaceAll('-', '')}`;
      const body = JSON.stringify({
        id,
        object: 'event',
        type: 'invoice.paid',
        created: Math.floor(Date.now() / 1000),
        data: { object: { id: `in_${n}` } },
      });
      return { id, body };
    });
    const sign: Sign = (body) =>
      Promise.resolve({
        'content-type': 'application/json',
        'Stripe-Signature': stripe.webhooks.generateTestHeaderString({ payload: body, secret }),
      });
    const rows = await sendAndPersist(customerId, sign, bodies);
    expect(new Set(rows.map((r) => r.event_type))).toEqual(new Set(['invoice.paid']));
  });
});
