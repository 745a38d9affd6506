import { delay, errorMessage, exponentialBackoff, type Logger } from '@hookpipe/lib';
import { attemptOperationalDelivery, type OperationalAttemptDeps } from './attempt.js';
import type { OperationalDeliveriesStore } from './deliveries-store.js';

export interface OperationalWorkerOptions {
  pollIntervalMs: number;
  /** Deliveries claimed and sent at once. */
  batch: number;
}

export interface OperationalWorker {
  start(): void;
  /** Stops claiming, lets the attempts in hand finish and be recorded. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * The consumer's operational-webhook sender: claims due deliveries, sends each (the shared
 * one-attempt sender and retry decision), records what came of it, and sleeps for the poll
 * interval when nothing is due. A failed operational delivery is only recorded, never reported
 * as another operational event.
 */
export function makeOperationalWorker(
  deps: OperationalAttemptDeps & { store: OperationalDeliveriesStore; logger: Logger },
  options: OperationalWorkerOptions,
): OperationalWorker {
  const stopping = new AbortController();
  let loop: Promise<void> | undefined;
  // The lease outlasts an attempt (its whole answer is bounded by the timeout) with room to record it.
  const leaseMs = deps.timeoutMs + 30_000;

  async function round(): Promise<number> {
    const now = deps.clock();
    const claim = await deps.store.claim(new Date(now), new Date(now + leaseMs), options.batch);
    await Promise.all(
      claim.rows.map(async (row) => {
        const outcome = await attemptOperationalDelivery(row, deps);
        await deps.store.record(row.id, claim.token, row.attempt, outcome);
        const log = deps.logger.child({ deliveryId: row.id, messageId: row.messageId, attempt: row.attempt });
        if (outcome.kind === 'canceled') log.info('operational delivery canceled: its endpoint is gone');
        else if (outcome.decision.kind === 'failed') {
          log.warn({ reason: outcome.decision.reason }, 'operational delivery failed');
        } else log.debug({ decision: outcome.decision.kind }, 'operational delivery attempted');
      }),
    );
    return claim.rows.length;
  }

  async function run(): Promise<void> {
    let failures = 0;
    while (!stopping.signal.aborted) {
      let waitMs = options.pollIntervalMs;
      try {
        // A full batch suggests more is due: look again at once.
        if ((await round()) === options.batch) waitMs = 0;
        failures = 0;
      } catch (err) {
        waitMs = exponentialBackoff(failures++, { baseMs: options.pollIntervalMs, capMs: 30_000 });
        deps.logger.warn(
          { err: errorMessage(err), waitMs },
          'operational deliveries: claim or record failed',
        );
      }
      if (waitMs > 0) await delay(waitMs, stopping.signal);
    }
  }

  return {
    start() {
      loop ??= run();
    },
    async stop() {
      stopping.abort();
      await loop;
    },
  };
}
