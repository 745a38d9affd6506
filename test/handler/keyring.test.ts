import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getTestEnv, type TestEnv } from '../env.js';
import {
  pollUntil,
  postWebhook,
  secretsTable,
  signedRequest,
  startCollector,
  unique,
  waitReady,
  waitUntilKnown,
} from './support.js';

let env: TestEnv;
let secrets: ReturnType<typeof secretsTable>;
let postgresStopped = false;

beforeAll(async () => {
  env = await getTestEnv();
  await waitReady(env.handlerUrls);
  secrets = secretsTable(env.databaseUrl);
});

afterAll(async () => {
  if (postgresStopped) await env.startPart('postgres');
  await secrets?.end();
});

/** The DESIGN contract: replicas pick keyring changes up within 2 s, without restart. */
const PICKUP_MS = 2000;

describe('receiver keyring on the real PostgreSQL', () => {
  it('rotation: two secrets of one customer both verify; a removed one is refused by every replica within 2 s', async () => {
    const customer = unique('cust-rotate');
    const oldKey = await secrets.add(customer);
    const newKey = await secrets.add(customer);
    await waitUntilKnown(env.handlerUrls, oldKey.secret);
    await waitUntilKnown(env.handlerUrls, newKey.secret);

    const byOld = signedRequest(oldKey.secret);
    const byNew = signedRequest(newKey.secret);
    const byBoth = signedRequest([oldKey.secret, newKey.secret]);
    for (const req of [byOld, byNew, byBoth])
      expect((await postWebhook(env.ingressUrl, req)).status).toBe(202);

    await secrets.remove(oldKey.id);
    const removedAt = Date.now();
    for (const url of env.handlerUrls) {
      const left = Math.max(1, PICKUP_MS - (Date.now() - removedAt));
      await pollUntil(async () => (await postWebhook(url, signedRequest(oldKey.secret))).status === 401, {
        timeoutMs: left,
        what: `${url} to refuse the removed secret within ${PICKUP_MS} ms of the DELETE`,
        intervalMs: 20,
      });
    }
    const refused = await postWebhook(env.ingressUrl, signedRequest(oldKey.secret));
    expect(refused.status).toBe(401);
    expect(refused.json.error).toBe('invalid_signature');
    // The signature list still verifies by the remaining secret.
    expect((await postWebhook(env.ingressUrl, signedRequest([oldKey.secret, newKey.secret]))).status).toBe(
      202,
    );
    expect((await postWebhook(env.ingressUrl, signedRequest(newKey.secret))).status).toBe(202);

    const collector = await startCollector(env.kafkaBrokers);
    try {
      await collector.caughtUp();
      for (const req of [byOld, byNew, byBoth]) {
        expect(collector.records(req.id)[0]?.headers['customer-id']).toBe(customer);
      }
    } finally {
      await collector.stop();
    }
  });

  it('keeps verifying from memory while PostgreSQL is down, and follows changes again once it is back', async () => {
    const customer = unique('cust-pgblip');
    const key = await secrets.add(customer);
    await waitUntilKnown(env.handlerUrls, key.secret);

    await env.stopPart('postgres');
    postgresStopped = true;
    for (let i = 0; i < 6; i++) {
      expect((await postWebhook(env.ingressUrl, signedRequest(key.secret))).status).toBe(202);
    }
    for (const url of env.handlerUrls) expect((await fetch(`${url}/readyz`)).status).toBe(200);

    await env.startPart('postgres');
    postgresStopped = false;
    const added = await secrets.add(customer);
    // After an outage the LISTEN connection and the pool reconnect first: a looser bound than 2 s.
    await waitUntilKnown(env.handlerUrls, added.secret, 10_000);
    expect((await postWebhook(env.ingressUrl, signedRequest(added.secret))).status).toBe(202);
  });
});
