import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * kafkajs 2.2.4 keeps every broker connection's event loop spinning: its request queue's
 * `scheduleCheckPendingRequests` computes `throttledUntil - Date.now()` (negative when not
 * throttled, `throttledUntil` being -1) and, with nothing pending, arms `setTimeout` with that
 * negative delay, so `checkPendingRequests` runs about every millisecond, schedules itself again,
 * and so on for as long as the connection lives (kafkajs issues #1556, #1604, #1704; the fixes,
 * pull requests #1667 and #1768, are not released). Measured here: an idle connected producer
 * woke its process about 1,700 times a second.
 *
 * `fixKafkajsIdleLoop` replaces that one method on kafkajs' `RequestQueue` with the same logic,
 * except that it arms no timer when nothing is pending and no throttle is in force. Nothing is
 * lost by that: a request that has to wait is pushed onto `pending`, and `push` schedules the
 * check then (10 ms, or the end of the throttle); a request that completes or times out runs
 * `checkPendingRequests` itself; a throttle with nothing pending still gets its check at its end.
 *
 * It patches only the code it knows: when the method does not look like 2.2.4's (a kafkajs that
 * fixed it, or changed it), it leaves it alone and says so in the result. Idempotent.
 */
export type IdleLoopFix = 'patched' | 'already' | 'not_applicable';

const CHECK_PENDING_REQUESTS_INTERVAL = 10; // kafkajs' own constant, same name

interface RequestQueueLike {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  checkPendingRequests: (this: RequestQueueLike) => void;
  scheduleCheckPendingRequests: (this: RequestQueueLike) => void;
}

interface RequestQueueClass {
  prototype: RequestQueueLike;
  new (options: Record<string, unknown>): RequestQueueLike;
}

const PATCHED = Symbol.for('hookpipe.kafkajs.idleLoopFixed');
/** Where the replaced method is kept (tests compare the two). */
export const ORIGINAL_SCHEDULE = Symbol.for('hookpipe.kafkajs.originalScheduleCheckPendingRequests');

/** kafkajs' RequestQueue class, from the kafkajs this process loads. */
export function kafkajsRequestQueue(): RequestQueueClass {
  const require = createRequire(import.meta.url);
  const main = require.resolve('kafkajs');
  return require(
    path.join(path.dirname(main), 'src', 'network', 'requestQueue', 'index.js'),
  ) as RequestQueueClass;
}

export function fixKafkajsIdleLoop(): IdleLoopFix {
  const proto = kafkajsRequestQueue().prototype as RequestQueueLike & {
    [PATCHED]?: true;
    [ORIGINAL_SCHEDULE]?: (this: RequestQueueLike) => void;
  };
  if (proto[PATCHED]) return 'already';
  const source = String(proto.scheduleCheckPendingRequests);
  const looksLike224 =
    source.includes('this.throttledUntil - Date.now()') &&
    source.includes('this.pending.length > 0') &&
    !source.includes('return');
  if (!looksLike224) return 'not_applicable';

  proto[ORIGINAL_SCHEDULE] = proto.scheduleCheckPendingRequests;
  proto.scheduleCheckPendingRequests = function scheduleCheckPendingRequests(this: RequestQueueLike) {
    if (this.throttleCheckTimeoutId) return;
    let scheduleAt = this.throttledUntil - Date.now();
    if (this.pending.length > 0) {
      scheduleAt = scheduleAt > 0 ? scheduleAt : CHECK_PENDING_REQUESTS_INTERVAL;
    } else if (scheduleAt <= 0) {
      return; // nothing waits and nothing throttles: nothing to check later
    }
    this.throttleCheckTimeoutId = setTimeout(() => {
      this.throttleCheckTimeoutId = null;
      this.checkPendingRequests();
    }, scheduleAt);
  };
  proto[PATCHED] = true;
  return 'patched';
}
