import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EmitterCounters } from '../e2e/scenario.js';
import type { TestEnv } from '../env.js';
import { waitUntilKnown as waitUntilKnownOn, type ApiClient } from '../support/http.js';

import { pollUntil, unique } from '../support/poll.js';

export { pollUntil, unique };

export { senderApi, installReceiverSecret, database, type Answer } from '../support/http.js';
export type SenderApi = ApiClient;

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

/** Waits until every handler replica knows `secret` (see support/http.ts). */
export const waitUntilKnown = (env: TestEnv, secret: string, timeoutMs = 10_000): Promise<void> =>
  waitUntilKnownOn(env.handlerUrls, secret, timeoutMs);

export interface Emitter {
  emitter_id: string;
  status: string;
  counters: EmitterCounters;
}

export async function emitterOf(api: SenderApi, webhookId: string): Promise<Emitter> {
  const res = await api.get(`/emitters?status=all&webhook_id=${webhookId}`);
  const list = (res.json as unknown as { data: Emitter[] }).data;
  if (!list[0]) throw new Error(`no emitter for ${webhookId}`);
  return list[0];
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
