import { randomUUID } from 'node:crypto';

/** Polls `check` until it returns a truthy value or the deadline passes (then throws `what`). */
export async function pollUntil<T>(
  check: () => Promise<T> | T,
  options: { timeoutMs: number; what: string; intervalMs?: number },
): Promise<NonNullable<T>> {
  const deadline = Date.now() + options.timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${options.what}`, { cause: last });
    }
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 100));
  }
}

// A full UUID: the suites write tens of thousands of ids into one shared database, where a short
// random suffix collides (and an id already stored is, rightly, taken for a redelivery).
export const unique = (prefix: string): string => `${prefix}-${randomUUID()}`;

/** Runs `fn` over `items` with at most `limit` running at once; results in order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, i: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
