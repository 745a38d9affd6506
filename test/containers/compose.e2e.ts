/**
 * The short end-to-end check of the docker compose topology, run by test/containers/compose-e2e.sh
 * (`make test-containers`) against a project it brought up: every container healthy, steady
 * events plus one retried and one dead-lettered event reconciled by SQL, and nginx spreading the
 * traffic over all three handler replicas. Everything goes through the published ports, as a
 * user on this machine would; the replicas' metrics are read with `docker exec`.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);

function need(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run this through test/containers/compose-e2e.sh`);
  return value;
}

const project = need('COMPOSE_PROJECT_NAME');
const senderUrl = need('SENDER_URL');
const consumerUrl = need('CONSUMER_URL');
const senderKey = need('SENDER_API_KEY');
const receiverKey = need('RECEIVER_API_KEY');

let receiverDb: pg.Pool;
let senderDb: pg.Pool;

beforeAll(() => {
  receiverDb = new pg.Pool({ connectionString: need('RECEIVER_DATABASE_URL'), max: 2 });
  senderDb = new pg.Pool({ connectionString: need('SENDER_DATABASE_URL'), max: 2 });
});

afterAll(async () => {
  await receiverDb?.end();
  await senderDb?.end();
});

async function call(method: string, url: string, key: string, body?: unknown) {
  const res = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json', 'x-api-key': key },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  return { status: res.status, json: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
}

async function pollUntil<T>(
  check: () => Promise<T | undefined>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

interface Inspected {
  Id: string;
  Config: { Labels: Record<string, string> };
  State: { Status: string; ExitCode: number; Health?: { Status: string } };
}

async function containers(service?: string): Promise<Inspected[]> {
  const filters = ['--filter', `label=com.docker.compose.project=${project}`];
  if (service) filters.push('--filter', `label=com.docker.compose.service=${service}`);
  const { stdout } = await run('docker', ['ps', '-aq', ...filters]);
  const ids = stdout.split('\n').filter(Boolean);
  if (ids.length === 0) return [];
  return JSON.parse((await run('docker', ['inspect', ...ids])).stdout) as Inspected[];
}

describe(`docker compose project "${project}"`, () => {
  it('runs every service; the long-running ones are healthy, init completed', async () => {
    const all = await containers();
    const byService = new Map<string, Inspected[]>();
    for (const c of all) {
      const name = c.Config.Labels['com.docker.compose.service'] ?? '?';
      byService.set(name, [...(byService.get(name) ?? []), c]);
    }
    expect([...byService.keys()].filter((s) => s !== 'demo').sort()).toEqual(
      ['api', 'consumer', 'handler', 'init', 'kafka', 'nginx', 'postgres', 'sender'].sort(),
    );
    expect(byService.get('handler')).toHaveLength(3);
    for (const [service, list] of byService) {
      for (const c of list) {
        if (service === 'init' || service === 'demo') {
          expect({ service, status: c.State.Status, exit: c.State.ExitCode }).toEqual({
            service,
            status: 'exited',
            exit: 0,
          });
        } else {
          expect({ service, health: c.State.Health?.Status }).toEqual({ service, health: 'healthy' });
        }
      }
    }
  });

  it('delivers steady events, retries one, dead-letters one: every 2xx webhook-id is exactly one row', async () => {
    const customer = `e2e-${randomUUID().slice(0, 8)}@compose`;
    const reg = await call('POST', `${senderUrl}/register`, senderKey, {
      customer_id: customer,
      webhook_url: 'http://nginx:8081/webhook',
    });
    expect(reg.status).toBe(201);
    const webhookId = reg.json.webhook_id as string;
    // Linked secrets: the sender installed the webhook's secret on the receiver itself.
    const installed = await call(
      'GET',
      `${consumerUrl}/secrets?customer_id=${encodeURIComponent(customer)}`,
      receiverKey,
    );
    expect(installed.json.data).toEqual([expect.objectContaining({ label: `webhook ${webhookId}` })]);

    const q = `customer_id=${encodeURIComponent(customer)}&webhook_id=${encodeURIComponent(webhookId)}`;
    const steady = 30;
    expect(
      (await call('POST', `${senderUrl}/emitter/start?${q}&rate=10&count=${steady}`, senderKey)).status,
    ).toBe(201);
    const trigger = async (simulate: unknown) => {
      const res = await call('POST', `${senderUrl}/webhooks/${webhookId}/trigger`, senderKey, {
        type: 'order.created',
        overrides: { simulate },
      });
      expect(res.status).toBe(202);
      return (res.json.deliveries as { message_id: string }[])[0]!.message_id;
    };
    const retried = await trigger({ fail: 1 });
    const deadLettered = await trigger({ fail: 'always' });

    // The sender is done when no delivery of the webhook is open any more.
    const total = steady + 2;
    await pollUntil(
      async () => {
        const { rows } = await senderDb.query<{ open: string; all: string }>(
          `SELECT count(*) FILTER (WHERE status IN ('pending', 'held')) AS open, count(*) AS all
             FROM deliveries WHERE webhook_id = $1`,
          [webhookId],
        );
        return Number(rows[0]!.all) >= total && Number(rows[0]!.open) === 0 ? true : undefined;
      },
      120_000,
      `the sender to finish ${total} deliveries`,
    );
    const acked = (
      await senderDb.query<{ message_id: string }>(
        `SELECT DISTINCT message_id FROM delivery_attempts
          WHERE webhook_id = $1 AND status_code BETWEEN 200 AND 299`,
        [webhookId],
      )
    ).rows.map((r) => r.message_id);
    expect(acked).toHaveLength(total);
    expect(acked).toEqual(expect.arrayContaining([retried, deadLettered]));

    // Reconcile: each acknowledged webhook-id ends as exactly one event or one dead letter.
    const landed = await pollUntil(
      async () => {
        const { rows } = await receiverDb.query<{ webhook_id: string; kind: string; retry_count: number }>(
          `SELECT webhook_id, 'event' AS kind, retry_count FROM events WHERE webhook_id = ANY($1)
           UNION ALL
           SELECT webhook_id, 'dead_letter' AS kind, retry_count FROM dead_letters WHERE webhook_id = ANY($1)`,
          [acked],
        );
        return rows.length >= acked.length ? rows : undefined;
      },
      120_000,
      `${acked.length} webhook-ids in events or dead_letters`,
    );
    const seen = new Map<string, number>();
    for (const r of landed) seen.set(r.webhook_id, (seen.get(r.webhook_id) ?? 0) + 1);
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
    expect(seen.size).toBe(acked.length);
    const row = (id: string) => landed.find((r) => r.webhook_id === id);
    expect(row(retried)).toMatchObject({ kind: 'event', retry_count: 1 });
    expect(row(deadLettered)).toMatchObject({ kind: 'dead_letter' });
    expect(landed.filter((r) => r.kind === 'event')).toHaveLength(total - 1);
  });

  it('nginx balances over all 3 handler replicas found by compose DNS (each served webhooks)', async () => {
    const handlers = await containers('handler');
    expect(handlers).toHaveLength(3);
    const accepted = await Promise.all(
      handlers.map(async (c) => {
        const { stdout } = await run('docker', [
          'exec',
          c.Id,
          'node',
          '-e',
          "fetch('http://127.0.0.1:8090/metrics').then((r) => r.text()).then((t) => process.stdout.write(t))",
        ]);
        const m = /^hookpipe_handler_requests_total\{[^}]*outcome="accepted"[^}]*\} (\d+)/m.exec(stdout);
        return Number(m?.[1] ?? 0);
      }),
    );
    for (const n of accepted) expect(n).toBeGreaterThan(0);
  });
});
