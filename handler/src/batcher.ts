/**
 * A bounded micro-batcher. Concurrent callers each submit one item; items are sent in batches
 * through one `send` at a time (an idempotent Kafka producer serialises its requests anyway),
 * so while one batch is in flight the next one fills up. A caller learns the outcome of ITS item:
 * `ok` only once the batch holding it was sent.
 */

export type SubmitOutcome =
  | { ok: true }
  | { ok: false; reason: 'queue_full' | 'timeout' | 'closed' }
  | { ok: false; reason: 'failed'; error: unknown };

export interface BatcherOptions<T> {
  send: (items: readonly T[]) => Promise<void>;
  /** How long the first item of an idle batcher waits for company; 0 sends on the next tick. */
  lingerMs: number;
  maxItems: number;
  /** Bound on the summed `sizeOf` of one batch; a single larger item still goes, alone. */
  maxBytes: number;
  sizeOf: (item: T) => number;
  /** Bounds on what waits (not yet in flight); beyond them `submit` answers `queue_full` at once. */
  maxQueueItems: number;
  maxQueueBytes: number;
  /** Per item, from submit: past it the caller gets `timeout` (the item is dropped if not yet sent). */
  timeoutMs: number;
}

export interface Batcher<T> {
  submit(item: T): Promise<SubmitOutcome>;
  /** Stops taking items, sends what waits, resolves when nothing is in flight. Safe to call twice. */
  close(): Promise<void>;
  stats(): { queued: number; queuedBytes: number; inFlight: number };
}

interface Pending<T> {
  item: T;
  size: number;
  settled: boolean;
  resolve: (o: SubmitOutcome) => void;
  timer: NodeJS.Timeout;
}

export function makeBatcher<T>(options: BatcherOptions<T>): Batcher<T> {
  const queue: Pending<T>[] = [];
  let queuedBytes = 0;
  let inFlight: Pending<T>[] = [];
  let sending = false;
  let linger: NodeJS.Timeout | undefined;
  let closed = false;
  let drained: (() => void) | undefined;

  const settle = (p: Pending<T>, outcome: SubmitOutcome) => {
    if (p.settled) return;
    p.settled = true;
    clearTimeout(p.timer);
    p.resolve(outcome);
  };

  const takeBatch = (): Pending<T>[] => {
    const batch: Pending<T>[] = [];
    let bytes = 0;
    while (queue.length > 0 && batch.length < options.maxItems) {
      const next = queue[0]!;
      if (batch.length > 0 && bytes + next.size > options.maxBytes) break;
      queue.shift();
      queuedBytes -= next.size;
      bytes += next.size;
      batch.push(next);
    }
    return batch;
  };

  const flush = () => {
    if (linger) {
      clearTimeout(linger);
      linger = undefined;
    }
    if (sending) return;
    const batch = takeBatch();
    if (batch.length === 0) {
      drained?.();
      return;
    }
    sending = true;
    inFlight = batch;
    let outcome: SubmitOutcome = { ok: true };
    options
      .send(batch.map((p) => p.item))
      .catch((error: unknown) => {
        outcome = { ok: false, reason: 'failed', error };
      })
      .finally(() => {
        for (const p of batch) settle(p, outcome);
        inFlight = [];
        sending = false;
        // Whatever queued meanwhile has waited long enough: send it now, no linger.
        flush();
      });
  };

  const schedule = () => {
    if (sending) return; // the in-flight batch's completion flushes
    if (closed || queue.length >= options.maxItems || queuedBytes >= options.maxBytes) return flush();
    linger ??= setTimeout(flush, options.lingerMs);
  };

  return {
    submit(item) {
      if (closed) return Promise.resolve({ ok: false, reason: 'closed' });
      const size = options.sizeOf(item);
      if (
        queue.length >= options.maxQueueItems ||
        (queue.length > 0 && queuedBytes + size > options.maxQueueBytes)
      ) {
        return Promise.resolve({ ok: false, reason: 'queue_full' });
      }
      return new Promise<SubmitOutcome>((resolve) => {
        const p: Pending<T> = {
          item,
          size,
          settled: false,
          resolve,
          timer: setTimeout(() => {
            const at = queue.indexOf(p);
            if (at >= 0) {
              queue.splice(at, 1);
              queuedBytes -= p.size;
            }
            settle(p, { ok: false, reason: 'timeout' });
          }, options.timeoutMs),
        };
        queue.push(p);
        queuedBytes += size;
        schedule();
      });
    },
    close() {
      closed = true;
      if (!sending && queue.length === 0) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const previous = drained;
        drained = () => {
          previous?.();
          resolve();
        };
        flush();
      });
    },
    stats: () => ({ queued: queue.length, queuedBytes, inFlight: inFlight.length }),
  };
}
