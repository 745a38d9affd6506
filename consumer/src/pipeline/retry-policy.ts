import { exponentialBackoff } from '@hookpipe/lib';

export interface RetryPolicy {
  maxRetries: number;
  baseMs: number;
  capMs: number;
}

export type FailureDecision =
  { action: 'retry'; retryCount: number; notBefore: number; delayMs: number } | { action: 'dead_letter' };

/**
 * What to do with a record that failed: requeue it with `retry_count` + 1 and a not-before time
 * of base · 2^retry_count (capped), or dead-letter it once `maxRetries` requeues are spent.
 * Poison records dead-letter at once.
 */
export function decideFailure(input: {
  retryCount: number;
  poison: boolean;
  now: number;
  policy: RetryPolicy;
}): FailureDecision {
  if (input.poison || input.retryCount >= input.policy.maxRetries) return { action: 'dead_letter' };
  const delayMs = exponentialBackoff(input.retryCount, {
    baseMs: input.policy.baseMs,
    capMs: input.policy.capMs,
  });
  return { action: 'retry', retryCount: input.retryCount + 1, notBefore: input.now + delayMs, delayMs };
}
