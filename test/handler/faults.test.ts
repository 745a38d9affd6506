import { readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FaultProfile } from '@hookpipe/lib';
import { getTestEnv, openLocalStack, type TestEnv } from '../env.js';
import {
  pollUntil,
  postWebhook,
  secretsTable,
  signedRequest,
  unique,
  waitReady,
  waitUntilKnown,
} from './support.js';

// Receiver fault profiles as the handlers apply them behind nginx. The profiles are written into
// the table the consumer's /faults API manages (its own suite goes through the API).
let env: TestEnv;
let secrets: ReturnType<typeof secretsTable>;
let db: pg.Pool;

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

/** A customer with a secret every replica knows and `profile` in force on every replica. */
async function faultedCustomer(profile: FaultProfile) {
  const customerId = unique('cust-faults');
  const { secret } = await secrets.add(customerId);
  await waitUntilKnown(env.handlerUrls, secret);
  await db.query('INSERT INTO receiver_faults (customer_id, profile) VALUES ($1, $2)', [customerId, profile]);
  return { customerId, secret };
}

const persisted = async (id: string) =>
  (await db.query('SELECT 1 FROM events WHERE webhook_id = $1', [id])).rowCount ?? 0;

/** Posts, returning the answer or the error of a connection closed without one. */
const attempt = async (req: ReturnType<typeof signedRequest>) => {
  try {
    return await postWebhook(env.ingressUrl, req);
  } catch (err) {
    return err as Error;
  }
};

/** Profiles load within the replicas' reload interval: probes with throwaway ids until `inForce`. */
async function waitInForce(
  secret: string,
  inForce: (answer: Awaited<ReturnType<typeof attempt>>) => boolean,
) {
  await pollUntil(async () => inForce(await attempt(signedRequest(secret))), {
    timeoutMs: 5000,
    what: 'the fault profile to be in force',
  });
}

/**
 * Whether `id` was ever persisted: the profile is lifted, a sentinel of the same customer (same
 * key, so the same partition, behind any record of `id`) is sent and persisted first.
 */
async function wasPersisted(customerId: string, secret: string, id: string): Promise<boolean> {
  await db.query('DELETE FROM receiver_faults WHERE customer_id = $1', [customerId]);
  const sentinel = signedRequest(secret);
  await pollUntil(async () => (await postWebhook(env.ingressUrl, sentinel)).status === 202, {
    timeoutMs: 5000,
    what: 'the profile to be lifted',
  });
  await pollUntil(async () => (await persisted(sentinel.id)) === 1, {
    timeoutMs: 20_000,
    what: 'the sentinel',
  });
  return (await persisted(id)) === 1;
}

describe('receiver fault profiles through the ingress', () => {
  it('503 + Retry-After on the first two attempts of a message id, then 202; one row, three attempts recorded', async () => {
    const { customerId, secret } = await faultedCustomer({
      status: { share: 1, code: 503, retry_after_s: 1 },
      first_attempts: 2,
    });
    await waitInForce(secret, (a) => !(a instanceof Error) && a.status === 503);
    const req = signedRequest(secret);
    for (const _ of [1, 2]) {
      const answer = await postWebhook(env.ingressUrl, req);
      expect(answer.status).toBe(503);
      expect(answer.json).toMatchObject({ error: 'injected_fault' });
      expect(answer.headers.get('retry-after')).toBe('1');
    }
    expect((await postWebhook(env.ingressUrl, req)).status).toBe(202);
    await pollUntil(async () => (await persisted(req.id)) === 1, { timeoutMs: 20_000, what: 'the row' });
    const { rows } = await db.query<{ attempt: number; action: string }>(
      'SELECT attempt, action FROM receiver_attempts WHERE customer_id = $1 AND message_id = $2 ORDER BY attempt',
      [customerId, req.id],
    );
    expect(rows.map((r) => [r.attempt, r.action])).toEqual([
      [1, 'status'],
      [2, 'status'],
      [3, 'pass'],
    ]);
  });

  it('drops the connection without an answer, and nothing reaches Kafka', async () => {
    const { customerId, secret } = await faultedCustomer({ drop: { share: 1 } });
    await waitInForce(secret, (a) => a instanceof Error);
    const req = signedRequest(secret);
    const answer = await attempt(req);
    expect(answer).toBeInstanceOf(Error);
    if (env.kind === 'local') {
      const log = readFileSync(path.join(openLocalStack().logsDir, 'nginx-access.log'), 'utf8');
      const line = log.split('\n').findLast((l) => l.includes(`"webhook_id":"${req.id}"`));
      expect(line).toMatch(/"status":444/);
    }
    // Straight to a replica (no nginx in front): the replica closes the socket itself, and lives on.
    const direct = signedRequest(secret);
    await expect(postWebhook(env.handlerUrls[0]!, direct)).rejects.toThrow();
    expect((await fetch(`${env.handlerUrls[0]!}/healthz`)).status).toBe(200);
    expect(await wasPersisted(customerId, secret, req.id)).toBe(false);
    expect(await persisted(direct.id)).toBe(0);
  });

  it('answers late but answers: 202 after the delay, and the event is persisted', async () => {
    const { secret } = await faultedCustomer({ delay: { share: 1, ms: 1500 } });
    const timed = async () => {
      const req = signedRequest(secret);
      const started = Date.now();
      const answer = await postWebhook(env.ingressUrl, req);
      return { req, answer, ms: Date.now() - started };
    };
    await pollUntil(async () => (await timed()).ms >= 1500, { timeoutMs: 10_000, what: 'a delayed answer' });
    const { req, answer, ms } = await timed();
    expect(answer.status).toBe(202);
    expect(ms).toBeGreaterThanOrEqual(1500);
    await pollUntil(async () => (await persisted(req.id)) === 1, { timeoutMs: 20_000, what: 'the row' });
  });
});
