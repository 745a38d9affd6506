import type { ReadableStream } from 'node:stream/web';
import { generateSecret, signatureHeaders, unixSeconds, type Clock } from '@hookpipe/lib';
import { parseRetryAfter, type AttemptResult } from './decide.js';

export const FAULT_KINDS = [
  'bad_signature',
  'stale_timestamp',
  'duplicate_id',
  'oversized',
  'malformed_json',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

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
  fetch: typeof fetch;
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

const EXCERPT_BYTES = 512;

/**
 * Sends one attempt: fresh Standard Webhooks headers (a new timestamp each time, one `v1,`
 * entry per valid secret), the stored body unchanged, a hard timeout covering the answer's
 * first bytes too. Never throws: every way of failing becomes a result.
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
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), opts.timeoutMs);
  const finish = (result: AttemptResult, responseExcerpt: string | null = null): SentAttempt => ({
    ...result,
    signedAt,
    startedAt,
    durationMs: Math.round(performance.now() - started),
    responseExcerpt,
  });
  try {
    const res = await opts.fetch(msg.url, {
      method: 'POST',
      headers,
      body: msg.body,
      redirect: 'manual',
      signal: controller.signal,
    });
    const excerpt = await readExcerpt(res);
    const ok = res.status >= 200 && res.status < 300;
    return finish(
      {
        statusCode: res.status,
        error: ok ? null : `HTTP ${res.status}`,
        retryAfterMs: parseRetryAfter(res.headers.get('retry-after'), opts.clock()),
      },
      excerpt,
    );
  } catch (err) {
    const error = controller.signal.aborted ? `timeout after ${opts.timeoutMs} ms` : describeFetchError(err);
    return finish({ statusCode: null, error, retryAfterMs: null });
  } finally {
    clearTimeout(timer);
  }
}

/** The first bytes of the answer, for the attempt log; the rest is drained and dropped. */
async function readExcerpt(res: Response): Promise<string | null> {
  if (!res.body) return null;
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < EXCERPT_BYTES) {
      const chunk = await reader.read();
      if (chunk.done) break;
      const value = chunk.value;
      chunks.push(value);
      size += value.byteLength;
    }
    if (size >= EXCERPT_BYTES) await reader.cancel();
  } catch {
    // An answer cut short still has a status; the excerpt is best effort.
  }
  if (size === 0) return null;
  return Buffer.concat(chunks).subarray(0, EXCERPT_BYTES).toString('utf8');
}

function describeFetchError(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  if (code) return `network error (${code})`;
  if (typeof cause?.message === 'string') return `network error: ${cause.message}`;
  return `network error: ${err instanceof Error ? err.message : String(err)}`;
}
