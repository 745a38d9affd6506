import type { Failure, WebhookEvent } from './types.js';

/** What an event's `data.simulate` asks for. */
export type SimulateRule = { kind: 'none' } | { kind: 'fail'; times: number } | { kind: 'always' };

/**
 * Reads `data.simulate` from an event body: `{ fail: N }` (N a non-negative integer) or
 * `{ fail: "always" }`. Anything else asks for nothing: a typo in a demo must not poison an event.
 */
export function readSimulateRule(payload: Record<string, unknown>): SimulateRule {
  const data = payload.data;
  if (typeof data !== 'object' || data === null) return { kind: 'none' };
  const simulate = (data as Record<string, unknown>).simulate;
  if (typeof simulate !== 'object' || simulate === null || Array.isArray(simulate)) return { kind: 'none' };
  const fail = (simulate as Record<string, unknown>).fail;
  if (fail === 'always') return { kind: 'always' };
  if (typeof fail === 'number' && Number.isInteger(fail) && fail >= 0) return { kind: 'fail', times: fail };
  return { kind: 'none' };
}

export interface FailureInjectorOptions {
  enabled: boolean;
  /** Share (0–1) of processing attempts failed at random, like the Go prototype's 30 %. */
  failRate: number;
  random?: () => number;
}

/**
 * Decides whether a processing attempt fails on purpose (DESIGN.md, "failure injection"). Off:
 * never, whatever the event says. On: `{ fail: N }` fails while the record's `retry_count` < N
 * (so the N+1-th attempt succeeds), `{ fail: "always" }` every attempt, and `failRate` fails that
 * share of the rest at random. An injected failure is a business failure: it spends a retry.
 * A replayed dead letter is never failed on purpose: a replay stands for "the cause was fixed",
 * so `{ fail: "always" }` events end in the DLQ and a replay then persists them.
 */
export function makeFailureInjector(options: FailureInjectorOptions) {
  const random = options.random ?? Math.random;
  return (event: Pick<WebhookEvent, 'payload' | 'retryCount' | 'replayed'>): Failure | null => {
    if (!options.enabled || event.replayed) return null;
    const rule = readSimulateRule(event.payload);
    if (rule.kind === 'always') {
      return {
        errorClass: 'InjectedFailure',
        message: 'simulated failure (data.simulate.fail = "always")',
        poison: false,
      };
    }
    if (rule.kind === 'fail' && event.retryCount < rule.times) {
      return {
        errorClass: 'InjectedFailure',
        message: `simulated failure ${event.retryCount + 1} of ${rule.times} (data.simulate.fail)`,
        poison: false,
      };
    }
    if (options.failRate > 0 && random() < options.failRate) {
      return {
        errorClass: 'InjectedFailure',
        message: `simulated random failure (CONSUMER_FAIL_RATE=${options.failRate})`,
        poison: false,
      };
    }
    return null;
  };
}

export type FailureInjector = ReturnType<typeof makeFailureInjector>;
