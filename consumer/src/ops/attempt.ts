import {
  decideRetry,
  sendAttempt,
  unsentAttempt,
  type Clock,
  type Post,
  type RetryDecision,
  type RetryPolicy,
  type SentAttempt,
  type SignatureScheme,
  type TargetPolicy,
} from '@hookpipe/lib';

/** A due delivery as the worker claimed it, with its endpoint. */
export interface ClaimedOperationalDelivery {
  id: number;
  messageId: string;
  eventType: string;
  body: Buffer;
  /** This attempt's number (1 = the first). */
  attempt: number;
  url: string;
  scheme: SignatureScheme;
  secret: string;
  /** False when the endpoint was removed or made inactive since the delivery was enqueued. */
  live: boolean;
}

export interface OperationalAttemptDeps {
  post: Post;
  clock: Clock;
  policy: RetryPolicy;
  timeoutMs: number;
  /** Checked again at send time: an endpoint stored before the allow-list was narrowed is not sent to. */
  targets: Pick<TargetPolicy, 'check'>;
  random?: () => number;
}

/** What one attempt came to: what was sent (null when the endpoint is gone) and what follows. */
export type OperationalOutcome =
  { kind: 'canceled' } | { kind: 'attempted'; sent: SentAttempt; decision: RetryDecision };

/**
 * One attempt of one operational delivery: signed and sent like any webhook (the shared
 * one-attempt sender), then the shared retry decision. Never throws.
 */
export async function attemptOperationalDelivery(
  row: ClaimedOperationalDelivery,
  deps: OperationalAttemptDeps,
): Promise<OperationalOutcome> {
  if (!row.live) return { kind: 'canceled' };
  const target = deps.targets.check(row.url, 'url');
  if (!target.ok) {
    return {
      kind: 'attempted',
      sent: unsentAttempt(deps.clock, target.message),
      decision: { kind: 'failed', reason: target.message },
    };
  }
  const sent = await sendAttempt(
    {
      messageId: row.messageId,
      url: row.url,
      body: row.body,
      headers: {},
      scheme: row.scheme,
      eventType: row.eventType,
      secrets: [row.secret],
    },
    { post: deps.post, clock: deps.clock, timeoutMs: deps.timeoutMs, userAgent: 'hookpipe-consumer/0.1' },
  );
  const decision = decideRetry(sent, {
    attempt: row.attempt,
    now: deps.clock(),
    policy: deps.policy,
    random: deps.random,
  });
  return { kind: 'attempted', sent, decision };
}
