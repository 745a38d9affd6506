/**
 * Exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff and
 * Jitter"): a delay drawn uniformly from [0, min(cap, base · 2^attempt)]. `attempt` counts from 0.
 */
export function fullJitterBackoff(
  attempt: number,
  options: { baseMs: number; capMs: number; random?: () => number },
): number {
  const ceiling = Math.min(options.capMs, options.baseMs * 2 ** Math.max(0, attempt));
  return Math.floor((options.random ?? Math.random)() * ceiling);
}

/** Exponential backoff without jitter: min(cap, base · 2^attempt). */
export function exponentialBackoff(attempt: number, options: { baseMs: number; capMs: number }): number {
  return Math.min(options.capMs, options.baseMs * 2 ** Math.max(0, attempt));
}
