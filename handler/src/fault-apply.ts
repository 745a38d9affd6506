import type { Context } from 'hono';
import {
  decideFault,
  delay,
  errorMessage,
  errorResponse,
  type FaultAction,
  type Logger,
} from '@hookpipe/lib';
import { nodeIncoming } from './body.js';
import type { AttemptRecorder, FaultProfiles } from './faults.js';

export interface FaultDeps {
  profiles: Pick<FaultProfiles, 'profileFor'>;
  recorder: Pick<AttemptRecorder, 'count' | 'record'>;
  clock: () => number;
  /** Uniform in [0, 1); steered by tests. */
  random?: () => number;
}

/**
 * nginx sets this header on every request it passes on (nginx/templates), so a handler behind it
 * asks nginx to drop the client's connection (X-Accel-Redirect to a location that answers 444)
 * instead of closing its own upstream connection, which nginx would retry on another replica.
 */
export const INGRESS_HEADER = 'x-hookpipe-ingress';
export const DROP_LOCATION = '/_hookpipe/drop';

/**
 * Applies the customer's fault profile to a verified request: counts and records the attempt,
 * then answers a status, waits, or drops the connection. Returns undefined when the customer has
 * no profile; `response` is set when the request ends here (nothing reaches Kafka), absent when it
 * goes on (a pass, or a delay already waited).
 */
export async function applyFault(
  deps: FaultDeps,
  req: { c: Context; customerId: string; messageId: string; log: Logger },
): Promise<{ kind: FaultAction['kind']; response?: Response } | undefined> {
  const profile = deps.profiles.profileFor(req.customerId);
  if (!profile) return undefined;
  const receivedAt = new Date(deps.clock());
  let attempt: number | undefined;
  try {
    attempt = await deps.recorder.count(req.customerId, req.messageId);
  } catch (err) {
    req.log.warn(
      { err: errorMessage(err) },
      'cannot count the attempt; its fault profile rule on attempts is skipped',
    );
  }
  const action = decideFault(profile, attempt, (deps.random ?? Math.random)());
  // Recorded before the answer, so that a sender (or a test) that has the answer finds the attempt
  // in GET /attempts; a record that fails is logged and the answer still goes out.
  try {
    await deps.recorder.record({
      customerId: req.customerId,
      messageId: req.messageId,
      attempt: attempt ?? null,
      action,
      receivedAt,
    });
  } catch (err) {
    req.log.warn({ err: errorMessage(err) }, 'cannot record the attempt');
  }
  req.log.info({ customerId: req.customerId, attempt, fault: action }, 'receiver fault profile applied');

  switch (action.kind) {
    case 'pass':
      return { kind: 'pass' };
    case 'delay':
      await delay(action.ms);
      return { kind: 'delay' };
    case 'status':
      return {
        kind: 'status',
        response: errorResponse(
          req.c,
          action.code as Parameters<typeof errorResponse>[1],
          'injected_fault',
          `answered ${action.code} by the fault profile of customer ${req.customerId} (attempt ${attempt ?? '?'})`,
          undefined,
          action.retryAfterSeconds === undefined
            ? undefined
            : { 'Retry-After': String(action.retryAfterSeconds) },
        ),
      };
    case 'drop':
      return { kind: 'drop', response: drop(req.c) };
  }
}

function drop(c: Context): Response {
  const incoming = nodeIncoming(c.env);
  if (incoming && c.req.header(INGRESS_HEADER) === undefined) {
    incoming.socket.destroy();
  }
  // Behind nginx (or where there is no socket to close, as in app.request() tests).
  return c.body(null, 204, { 'X-Accel-Redirect': DROP_LOCATION });
}
