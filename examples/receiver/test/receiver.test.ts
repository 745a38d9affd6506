/**
 * The receiver against a real webhook sender: hookpipe, started in containers by hookpipe/testing,
 * delivers signed events to the receiver running here on 127.0.0.1, which stores them in its own
 * PostgreSQL (a container of its own). Each test breaks something and checks the table.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { Wait } from 'testcontainers';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LoopbackContainer, startHookpipe, type Hookpipe, type Webhook } from 'hookpipe/testing';
import type { Failure } from '../src/app.js';
import { startServer, type RunningServer } from '../src/server.js';
import { migrate } from '../src/store.js';

let hookpipe: Hookpipe;
let database: Awaited<ReturnType<LoopbackContainer['start']>>;
let pool: pg.Pool;
const servers: RunningServer[] = [];

beforeAll(async () => {
  [hookpipe, database] = await Promise.all([
    // Quick retries: a test waits for them.
    startHookpipe({
      mode: 'containers',
      env: { SENDER_BACKOFF_BASE_MS: '100', SENDER_BACKOFF_CAP_MS: '1000' },
    }),
    new LoopbackContainer(process.env.POSTGRES_IMAGE || 'postgres:17-bookworm')
      .withEnvironment({ POSTGRES_USER: 'receiver', POSTGRES_PASSWORD: 'receiver', POSTGRES_DB: 'receiver' })
      .withExposedPorts(5432)
      .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
      .start(),
  ]);
  pool = new pg.Pool({
    connectionString: `postgres://receiver:receiver@127.0.0.1:${database.getMappedPort(5432)}/receiver`,
  });
  await migrate(pool);
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await pool?.end();
  await Promise.all([hookpipe?.stop(), database?.stop()]);
});

beforeEach(async () => {
  await pool.query('TRUNCATE received_webhooks');
});

/** The receiver's own signing secret (its WEBHOOK_SECRET when run as a process). */
const RECEIVER_SECRET = `whsec_${randomBytes(32).toString('base64')}`;

/**
 * Starts the receiver on 127.0.0.1 and registers it at hookpipe's sender with the receiver's
 * secret. (Without `secret` the sender makes one: give the receiver `webhook.secret` instead.)
 */
async function receiverAtSender(failure?: Failure): Promise<Webhook> {
  const server = await startServer({ pool, secret: () => RECEIVER_SECRET, ...(failure ? { failure } : {}) });
  servers.push(server);
  return hookpipe.api.registerWebhook({ url: `${server.url}/webhooks`, secret: RECEIVER_SECRET });
}

const storedIds = async () =>
  (await pool.query<{ message_id: string }>('SELECT message_id FROM received_webhooks')).rows.map(
    (r) => r.message_id,
  );

describe('the receiver under hookpipe', () => {
  it('stores every message id once when it fails after storing and the sender retries', async () => {
    const webhook = await receiverAtSender({ rate: 0.3, when: 'after-store' });
    await hookpipe.api.startEmitter(webhook, { rate: 20, count: 20 });
    const deliveries = await hookpipe.api.waitForDelivered(webhook, { count: 20 });

    const stored = await storedIds();
    expect(stored.sort()).toEqual([...deliveries.delivered].sort());
    expect(await hookpipe.api.reconcile(webhook, { stored })).toMatchObject({ ok: true, delivered: 20 });
    // The sender did retry: some message was sent again after it had been stored.
    expect(deliveries.rows.some((r) => r.attempts > 1)).toBe(true);
  });

  it('refuses bad signatures with 401 and never stores them', async () => {
    const webhook = await receiverAtSender();
    await hookpipe.api.startEmitter(webhook, { rate: 20, count: 20, faults: { bad_signature: 0.5 } });
    const deliveries = await hookpipe.api.waitForDelivered(webhook);

    const forged = deliveries.rows.filter((r) => r.fault === 'bad_signature');
    expect(forged.length).toBeGreaterThan(0);
    for (const r of forged) expect(r).toMatchObject({ status: 'rejected', last_status_code: 401 });
    const stored = await storedIds();
    for (const r of forged) expect(stored).not.toContain(r.message_id);
    expect(stored.sort()).toEqual([...deliveries.delivered].sort());
    expect(await hookpipe.api.reconcile(webhook, { stored })).toMatchObject({
      ok: true,
      delivered: 20 - forged.length,
    });
  });

  it('gets every event exactly once when it fails at random before storing', async () => {
    const webhook = await receiverAtSender({ rate: 0.3, when: 'before-store' });
    await hookpipe.api.startEmitter(webhook, { rate: 30, count: 30 });
    const deliveries = await hookpipe.api.waitForDelivered(webhook, { count: 30 });

    const stored = await storedIds();
    expect(stored).toHaveLength(30);
    expect(await hookpipe.api.reconcile(webhook, { stored })).toEqual({
      ok: true,
      delivered: 30,
      missing: [],
      duplicated: [],
      unexpected: [],
      pending: 0,
    });
    expect(deliveries.rows.some((r) => r.attempts > 1)).toBe(true);
  });
});
