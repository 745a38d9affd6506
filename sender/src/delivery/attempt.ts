import { generateSecret, signatureHeaders, unixSeconds, type Clock } from '@hookpipe/lib';
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
  /** The webhook-timestamp sent (Unix seconds). */
  signedAt: number;
  startedAt: number;
  durationMs: number;
  responseExcerpt: string | null;
}

/**
 * Sends one attempt: fresh Standard Webhooks headers (a new timestamp each time, one `v1,`
 * entry per valid secret), the stored body unchanged, a hard timeout covering the whole answer.
 * Never throws: every way of failing becomes a result.
 */
export async function sendAttempt(msg: Outbound, opts: SendOptions): Promise<SentAttempt> {
  const startedAt = opts.clock();
  const started = performance.now();
  let signedAt = unixSeconds(opts.clock);
  if (msg.fault === 'stale_timestamp') signedAt -= opts.staleTimestampS;
  // A well-formed signature under a key nobody holds: receivers must answer 401, not 400.
  const secrets = msg.fault === 'bad_signature' ? [generateSecret()] : msg.secrets;
  const headers: Record<string, string> = {
    ...msg.headers,
    'content-type': 'application/json',
    'user-agent': opts.userAgent ?? 'hookpipe-sender/0.1',
    ...signatureHeaders({ id: msg.messageId, timestamp: signedAt, body: msg.body, secrets }),
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
        error: ok ? null : `HTTP ${res.status}`,
        retryAfterMs: parseRetryAfter(res.retryAfter, opts.clock()),
      },
      res.excerpt,
    );
  } catch (err) {
    return finish({ statusCode: null, error: describeError(err), retryAfterMs: null });
  }
}

function describeError(err: unknown): string {
  if (err instanceof TimeoutError) return err.message;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return `network error (${code})`;
  return `network error: ${err instanceof Error ? err.message : String(err)}`;
}
