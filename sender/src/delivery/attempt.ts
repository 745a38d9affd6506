import {
  generateSchemeSecret,
  signRequest,
  unixSeconds,
  type Clock,
  type SignatureScheme,
} from '@hookpipe/lib';
import type { FaultKind } from '../model/fault-kinds.js';
import { parseRetryAfter, type AttemptResult } from './decide.js';
import { TimeoutError, type Post } from './transport.js';

/** One message to one webhook, as the outbox holds it. */
export interface Outbound {
  messageId: string;
  url: string;
  /** The exact bytes to send, the same on every attempt. */
  body: Buffer;
  /** The webhook's custom headers. */
  headers: Readonly<Record<string, string>>;
  scheme: SignatureScheme;
  /** Sent as `X-GitHub-Event` under the github scheme. */
  eventType: string;
  /** Every secret currently valid for the webhook, newest first. */
  secrets: readonly string[];
  fault: FaultKind | null;
}

export interface SendOptions {
  post: Post;
  clock: Clock;
  timeoutMs: number;
  /** How far in the past a stale_timestamp fault signs (beyond the receivers' ±300 s). */
  staleTimestampS: number;
  userAgent?: string;
}

export interface SentAttempt extends AttemptResult {
  /** The timestamp signed (`webhook-timestamp`, Stripe's `t`; Unix seconds). */
  signedAt: number;
  startedAt: number;
  durationMs: number;
  responseExcerpt: string | null;
}

/**
 * Sends one attempt: fresh signature headers of the webhook's scheme (a new timestamp each
 * time; every valid secret for standard-webhooks and stripe, the newest for github), the stored
 * body unchanged, a hard timeout covering the whole answer. Never throws: every way of failing
 * becomes a result.
 */
export async function sendAttempt(msg: Outbound, opts: SendOptions): Promise<SentAttempt> {
  const startedAt = opts.clock();
  const started = performance.now();
  let signedAt = unixSeconds(opts.clock);
  if (msg.fault === 'stale_timestamp') signedAt -= opts.staleTimestampS;
  // A well-formed signature under a key nobody holds: receivers must answer 401, not 400.
  const secrets = msg.fault === 'bad_signature' ? [generateSchemeSecret(msg.scheme)] : msg.secrets;
  const headers: Record<string, string> = {
    ...msg.headers,
    'content-type': 'application/json',
    'user-agent': opts.userAgent ?? 'hookpipe-sender/0.1',
    ...signRequest({
      scheme: msg.scheme,
      id: msg.messageId,
      timestamp: signedAt,
      eventType: msg.eventType,
      body: msg.body,
      secrets,
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
