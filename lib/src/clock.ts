/** Milliseconds since the epoch; injected so tests can steer time. */
export type Clock = () => number;

export const systemClock: Clock = () => Date.now();

/** Unix seconds from a clock. */
export const unixSeconds = (clock: Clock): number => Math.floor(clock() / 1000);

/** Resolves after `ms`, or at once when `signal` aborts. For loops that wait, never for tests. */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Settles like `promise`, or rejects with "<what> did not answer within <ms> ms" when it takes
 * longer (the promise itself goes on). For reads that must not hang a caller during an outage.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
