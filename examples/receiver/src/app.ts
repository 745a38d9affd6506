import type { IncomingMessage, ServerResponse } from 'node:http';
import type pg from 'pg';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { storeEvent } from './store.js';

/** Standard Webhooks' own limit on what a receiver must take; anything larger is refused. */
const MAX_BODY_BYTES = 256 * 1024;

/**
 * A forced failure, for testing the sender's retries: that share of the verified requests is
 * answered 500, before the event is stored (the sender must retry it) or after (the retry is a
 * duplicate the receiver must not store twice).
 */
export interface Failure {
  rate: number;
  when: 'before-store' | 'after-store';
}

export interface ReceiverOptions {
  pool: pg.Pool;
  /** The webhook's signing secret (`whsec_…`), read on every request so it can be rotated. */
  secret: () => string;
  failure?: Failure;
  random?: () => number;
}

type Answer = { status: number; body?: Record<string, unknown> };

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve(size <= MAX_BODY_BYTES ? Buffer.concat(chunks) : undefined));
    req.on('error', reject);
  });
}

/** `POST /webhooks`: verify the raw body, then parse it, then store it once. */
async function receive(req: IncomingMessage, options: ReceiverOptions): Promise<Answer> {
  const raw = await readBody(req);
  if (!raw) return { status: 413, body: { error: 'too_large' } };
  try {
    // The signature covers the exact bytes sent: verify them before parsing anything.
    new Webhook(options.secret()).verify(raw, req.headers as Record<string, string>, { jsonParse: false });
  } catch (err) {
    if (err instanceof WebhookVerificationError) return { status: 401, body: { error: 'bad_signature' } };
    throw err;
  }
  let event: { type?: unknown; data?: unknown };
  try {
    event = JSON.parse(raw.toString('utf8')) as typeof event;
  } catch {
    return { status: 400, body: { error: 'invalid_json' } };
  }
  if (typeof event.type !== 'string') return { status: 400, body: { error: 'no_event_type' } };

  const failing = options.failure && (options.random ?? Math.random)() < options.failure.rate;
  if (failing && options.failure?.when === 'before-store') return { status: 500, body: { error: 'forced' } };
  const messageId = String(req.headers['webhook-id']);
  const stored = await storeEvent(options.pool, { messageId, type: event.type, payload: event });
  if (failing) return { status: 500, body: { error: 'forced' } };
  return { status: 200, body: { stored } };
}

/** The receiver's request handler (for `http.createServer`). */
export function makeReceiver(options: ReceiverOptions) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const route = `${req.method} ${req.url?.split('?')[0]}`;
    const answer: Promise<Answer> =
      route === 'POST /webhooks'
        ? receive(req, options)
        : Promise.resolve(route === 'GET /healthz' ? { status: 200 } : { status: 404 });
    answer
      .catch((): Answer => ({ status: 503, body: { error: 'try_again' } }))
      .then(({ status, body }) => {
        res.writeHead(status, body ? { 'content-type': 'application/json' } : {});
        res.end(body ? JSON.stringify(body) : undefined);
      })
      .catch(() => res.destroy());
  };
}
