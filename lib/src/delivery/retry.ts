import { fullJitterBackoff } from '../backoff.js';

/** What one HTTP attempt came to, before any decision. */
export interface AttemptResult {
  /** HTTP status, or null when no answer came (timeout, refused, reset). */
  statusCode: number | null;
  /** Why there was no answer, or a short note on a non-2xx. */
  error: string | null;
  /** `Retry-After` as a delay in ms from when the answer came; null when absent or unreadable. */
  retryAfterMs: number | null;
}

export interface RetryPolicy {
  maxAttempts: number;
  baseMs: number;
  capMs: number;
  /** Longest Retry-After honoured; longer ones are cut to this. */
  retryAfterMaxMs: number;
}

/** What follows one attempt: delivered, another attempt at `at`, or the end without a 2xx. */
export type RetryDecision =
  { kind: 'delivered' } | { kind: 'retry'; at: number; reason: string } | { kind: 'failed'; reason: string };

/**
 * 4xx answers that are worth repeating unchanged: 408 Request Timeout, 425 Too Early and
 * 429 Too Many Requests. Every other 4xx (400, 401, 403, 404, 410, 413, 415, 422, …) means
 * this message will never be accepted, so it is a final failure at once; so is a 3xx
 * (redirects are not followed).
 */
export const RETRIED_4XX: ReadonlySet<number> = new Set([408, 425, 429]);

/** Whether an attempt that came to `statusCode` (null: no answer) is worth repeating. */
export function isRetriable(statusCode: number | null): boolean {
  if (statusCode === null) return true;
  return statusCode >= 500 || RETRIED_4XX.has(statusCode);
}

/**
 * Decides what follows attempt number `attempt` (1 = the first): delivered on a 2xx; a retry
 * at `now` + full-jitter backoff, but never before `Retry-After`; or the end of the road.
 */
export function decideRetry(
  result: AttemptResult,
  ctx: { attempt: number; now: number; policy: RetryPolicy; random?: () => number },
): RetryDecision {
  const { statusCode } = result;
  if (statusCode !== null && statusCode >= 200 && statusCode < 300) return { kind: 'delivered' };
  const what = statusCode === null ? (result.error ?? 'no answer') : `HTTP ${statusCode}`;
  if (!isRetriable(statusCode)) return { kind: 'failed', reason: `${what} is not retried` };
  if (ctx.attempt >= ctx.policy.maxAttempts) {
    return { kind: 'failed', reason: `gave up after ${ctx.attempt} attempt(s); last: ${what}` };
  }
  const backoff = fullJitterBackoff(ctx.attempt - 1, {
    baseMs: ctx.policy.baseMs,
    capMs: ctx.policy.capMs,
    random: ctx.random,
  });
  const retryAfter = Math.min(result.retryAfterMs ?? 0, ctx.policy.retryAfterMaxMs);
  return { kind: 'retry', at: ctx.now + Math.max(backoff, retryAfter), reason: what };
}

/**
 * Reads `Retry-After` (RFC 9110: delay-seconds or an HTTP-date) as ms from `now`; null when
 * absent or unreadable, 0 when the date has passed.
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | null {
  if (value === null || value === undefined) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date) || !/[a-z]/i.test(trimmed)) return null;
  return Math.max(0, date - now);
}
