import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { signatureHeaders } from '@hookpipe/lib';
import type { TestEnv } from '../env.js';

/** Polls `check` until it returns a truthy value or the deadline passes (then throws `what`). */
export async function pollUntil<T>(
  check: () => Promise<T> | T,
  options: { timeoutMs: number; what: string; intervalMs?: number },
): Promise<NonNullable<T>> {
  const deadline = Date.now() + options.timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${options.what}`, { cause: last });
    }
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 100));
  }
}

export const unique = (prefix: string): string => `${prefix}-${randomUUID().slice(0, 8)}`;

export interface Answer {
  status: number;
  json: Record<string, unknown> & { error?: string; message?: string };
  headers: Headers;
}

/** A client for the sender's API with the management key. */
export function senderApi(env: TestEnv) {
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${env.senderUrl}${path}`, {
      method,
      headers: {
        'X-API-Key': env.senderApiKey,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    let json: Answer['json'] = {};
    try {
      json = text ? (JSON.parse(text) as Answer['json']) : {};
    } catch {
      json = { raw: text };
    }
    return { status: res.status, json, headers: res.headers } satisfies Answer;
  };
  return {
    call,
    get: (path: string) => call('GET', path),
    post: (path: string, body?: unknown, headers?: Record<string, string>) =>
      call('POST', path, body, headers),
    patch: (path: string, body: unknown) => call('PATCH', path, body),
    delete: (path: string) => call('DELETE', path),
  };
}
export type SenderApi = ReturnType<typeof senderApi>;

export interface Registered {
  webhook_id: string;
  customer_id: string;
  webhook_url: string;
  secret_token: string;
}

export async function register(api: SenderApi, body: Record<string, unknown>): Promise<Registered> {
  const res = await api.post('/webhooks', body);
  if (res.status !== 201) throw new Error(`register answered ${res.status}: ${JSON.stringify(res.json)}`);
  return res.json as unknown as Registered;
}

/** Installs a secret on the receiver through the consumer's API, as a receiver operator would. */
export async function installReceiverSecret(env: TestEnv, customerId: string, secret: string): Promise<void> {
  const res = await fetch(`${env.consumerUrl}/secrets`, {
    method: 'POST',
    headers: { 'X-API-Key': env.receiverApiKey, 'content-type': 'application/json' },
    body: JSON.stringify({ customer_id: customerId, secret }),
  });
  if (res.status !== 201) throw new Error(`POST /secrets answered ${res.status}: ${await res.text()}`);
}

/**
 * Waits until every handler replica knows `secret`: a body signed with it that is not JSON gets
 * 400 (verified, then refused for its shape) once the key is known, 401 before, and is never
 * forwarded to Kafka either way.
 */
export async function waitUntilKnown(env: TestEnv, secret: string, timeoutMs = 10_000): Promise<void> {
  for (const url of env.handlerUrls) {
    await pollUntil(
      async () => {
        const body = 'probe, not json';
        const res = await fetch(`${url}/webhook`, {
          method: 'POST',
          body,
          headers: {
            'content-type': 'application/json',
            ...signatureHeaders({
              id: unique('msg_probe'),
              timestamp: Math.floor(Date.now() / 1000),
              body,
              secrets: secret,
            }),
          },
        });
        await res.text();
        return res.status === 400;
      },
      { timeoutMs, what: `${url} to know the webhook's secret` },
    );
  }
}

export interface Emitter {
  emitter_id: string;
  status: string;
  counters: {
    sent: number;
    delivered: number;
    failed: number;
    retrying: number;
    pending: number;
    faults: Record<string, { sent: number; statuses: Record<string, number> }>;
  };
}

export async function emitterOf(api: SenderApi, webhookId: string): Promise<Emitter> {
  const res = await api.get(`/emitters?status=all&webhook_id=${webhookId}`);
  const list = (res.json as unknown as { data: Emitter[] }).data;
  if (!list[0]) throw new Error(`no emitter for ${webhookId}`);
  return list[0];
}

/** Read-only access to a database (the receiver's or the sender's) to check outcomes. */
export function database(url: string) {
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  pool.on('error', () => undefined);
  return {
    query: async <R extends pg.QueryResultRow>(sql: string, params: unknown[] = []) =>
      (await pool.query<R>(sql, params)).rows,
    end: () => pool.end(),
  };
}

export interface Received {
  id: string;
  timestamp: string;
  signature: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  status: number;
}

export type ReceiverAnswer = { status: number; headers?: Record<string, string>; delayMs?: number } | 'hold';

/**
 * A webhook endpoint owned by the test (a real HTTP server on 127.0.0.1): answers each request
 * with `answer(how many times this webhook-id came, the request)` and records everything.
 * `'hold'` never answers (the connection stays open until the sender gives up or dies).
 */
export async function startReceiver(answer: (nthForId: number, req: Received) => ReceiverAnswer) {
  const seen: Received[] = [];
  let open = 0;
  let maxOpen = 0;
  const server = http.createServer((req, res) => {
    open += 1;
    maxOpen = Math.max(maxOpen, open);
    res.on('close', () => (open -= 1));
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const got: Received = {
        id: String(req.headers['webhook-id'] ?? ''),
        timestamp: String(req.headers['webhook-timestamp'] ?? ''),
        signature: String(req.headers['webhook-signature'] ?? ''),
        headers: req.headers,
        body: Buffer.concat(chunks),
        status: 0,
      };
      const nth = seen.filter((s) => s.id === got.id).length + 1;
      const a = answer(nth, got);
      seen.push(got);
      if (a === 'hold') return;
      got.status = a.status;
      const reply = () => {
        res.writeHead(a.status, { 'content-type': 'text/plain', ...a.headers });
        res.end(`answer ${a.status}`);
      };
      // A slow endpoint, as the sender sees it: the answer comes after delayMs.
      if (a.delayMs) setTimeout(reply, a.delayMs);
      else reply();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    seen,
    forId: (id: string) => seen.filter((s) => s.id === id),
    /** Most requests this endpoint had open at once. */
    maxOpen: () => maxOpen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Stops the sender (SIGTERM, or SIGKILL to simulate a crash) and starts it again with `env`
 * overrides (none = its defaults), waiting until it is healthy.
 */
export async function restartSender(
  env: TestEnv,
  options: { signal?: NodeJS.Signals; env?: Record<string, string> } = {},
): Promise<void> {
  await env.stopPart('sender', { signal: options.signal });
  // Right after a SIGKILL the port can look taken for a moment (the dead server's side of our
  // kept-alive API connections lingers until we close ours): try again until it starts.
  await pollUntil(
    async () => {
      await env.startPart('sender', { env: options.env });
      return true;
    },
    { timeoutMs: 30_000, what: 'the sender to start again', intervalMs: 250 },
  );
}
