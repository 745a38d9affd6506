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
