import { decideRetry, type AttemptResult, type RetryPolicy } from '@hookpipe/lib';
import type { Decision } from '../model/decision.js';

/**
 * The shared retry decision, except that a fault delivery's end is `rejected`: its refusal is
 * what the fault expects, not a failure.
 */
export function decide(
  result: AttemptResult,
  ctx: { attempt: number; now: number; policy: RetryPolicy; fault: boolean; random?: () => number },
): Decision {
  const decision = decideRetry(result, ctx);
  return ctx.fault && decision.kind === 'failed' ? { kind: 'rejected', reason: decision.reason } : decision;
}
