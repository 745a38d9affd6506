import { unixSeconds, type Clock } from '../clock.js';
import { signRequest, type SignatureScheme } from '../signing/index.js';
import { parseRetryAfter, type AttemptResult } from './retry.js';
import { TimeoutError, type Post } from './transport.js';

/** One message to one endpoint, as an outbox holds it. */
export interface Outbound {
  messageId: string;
  url: string;
  /** The exact bytes to send, the same on every attempt. */
  body: Buffer;
  /** The endpoint's own extra headers. */
  headers: Readonly<Record<string, string>>;
  scheme: SignatureScheme;
  /** Sent as `X-GitHub-Event` under the github scheme. */
  eventType: string;
  /** Every secret currently valid for the endpoint, newest first. */
  secrets: readonly string[];
}

export interface SendOptions {
  post: Post;
  clock: Clock;
  timeoutMs: number;
  userAgent: string;
  /** The timestamp to sign (Unix seconds); now when absent. */
  signedAt?: number;
}

export interface SentAttempt extends AttemptResult {
  /** The timestamp signed (`webhook-timestamp`, Stripe's `t`; Unix seconds). */
  signedAt: number;
  startedAt: number;
  durationMs: number;
  responseExcerpt: string | null;
}

/**
 * Sends one attempt: fresh signature headers of the endpoint's scheme (a new timestamp each
 * time; every valid secret for standard-webhooks and stripe, the newest for github), the stored
 * body unchanged, a hard timeout covering the whole answer. Never throws: every way of failing
 * becomes a result.
 */
export async function sendAttempt(msg: Outbound, opts: SendOptions): Promise<SentAttempt> {
  const startedAt = opts.clock();
  const started = performance.now();
  const signedAt = opts.signedAt ?? unixSeconds(opts.clock);
  const headers: Record<string, string> = {
    ...msg.headers,
    'content-type': 'application/json',
    'user-agent': opts.userAgent,
    ...signRequest({
      scheme: msg.scheme,
      id: msg.messageId,
      timestamp: signedAt,
      eventType: msg.eventType,
      body: msg.body,
      secrets: msg.secrets,
    }),
  };
  const finish = (result: AttemptResult, responseExcerpt: string | null = null): SentAttempt => ({
    ...result,
    signedAt,
    startedAt,
    durationMs: Math.round(performance.now() - started),
    responseExcerpt,
  });
  try {
    const res = await opts.post(msg.url, { headers, body: msg.body, timeoutMs: opts.timeoutMs });
    const ok = res.status >= 200 && res.status < 300;
    return finish(
      {
        statusCode: res.status,
        error: ok ? null : httpError(res.status, res.excerpt),
        retryAfterMs: parseRetryAfter(res.retryAfter, opts.clock()),
      },
      res.excerpt,
    );
  } catch (err) {
    return finish({ statusCode: null, error: describeError(err), retryAfterMs: null });
  }
}

const ERROR_EXCERPT_CHARS = 200;

/**
 * An attempt that never reached the network (a target no longer allowed, a secret that does not
 * open): recorded like any attempt, with no status and `error` saying why.
 */
export function unsentAttempt(clock: Clock, error: string): SentAttempt {
  return {
    statusCode: null,
    error,
    retryAfterMs: null,
    signedAt: unixSeconds(clock),
    startedAt: clock(),
    durationMs: 0,
    responseExcerpt: null,
  };
}

/** `HTTP <status>: <the start of the answer>`, whitespace folded, so a refusal says why. */
export function httpError(status: number, excerpt: string | null): string {
  const text = (excerpt ?? '').replace(/\s+/g, ' ').trim();
  if (!text) return `HTTP ${status}`;
  return `HTTP ${status}: ${text.length > ERROR_EXCERPT_CHARS ? `${text.slice(0, ERROR_EXCERPT_CHARS)}…` : text}`;
}

function describeError(err: unknown): string {
  if (err instanceof TimeoutError) return err.message;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return `network error (${code})`;
  return `network error: ${err instanceof Error ? err.message : String(err)}`;
}
