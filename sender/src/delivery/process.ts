import {
  errorMessage,
  unsentAttempt,
  type Clock,
  type Post,
  type RetryPolicy,
  type TargetPolicy,
} from '@hookpipe/lib';
import type { SecretBox } from '../secrets.js';
import type { Decision } from '../model/decision.js';
import type { ClaimedDelivery, Completion } from '../model/delivery.js';
import { sendAttempt, type SentAttempt } from './attempt.js';
import { decide } from './decide.js';

export interface ProcessDeps {
  post: Post;
  clock: Clock;
  secretBox: SecretBox;
  targets: TargetPolicy;
  policy: RetryPolicy;
  timeoutMs: number;
  staleTimestampS: number;
  random?: () => number;
}

/**
 * One attempt of one claimed delivery, start to decision: checks the target is still allowed,
 * opens the secrets, sends, decides. Never throws; the result is what gets recorded.
 */
export async function processDelivery(row: ClaimedDelivery, deps: ProcessDeps): Promise<Completion> {
  const fault = row.fault !== null;
  let sent: SentAttempt;
  let decision: Decision;
  const target = deps.targets.check(row.url, 'webhook_url');
  if (!target.ok) {
    sent = unsentAttempt(deps.clock, target.message);
    decision = { kind: fault ? 'rejected' : 'failed', reason: target.message };
  } else {
    try {
      sent = await sendAttempt(
        {
          messageId: row.messageId,
          url: row.url,
          body: row.body,
          headers: row.headers,
          scheme: row.scheme,
          eventType: row.eventType,
          secrets: row.secrets.map((s) => deps.secretBox.open(s)),
          fault: row.fault,
        },
        {
          post: deps.post,
          clock: deps.clock,
          timeoutMs: deps.timeoutMs,
          staleTimestampS: deps.staleTimestampS,
        },
      );
    } catch (err) {
      // Only our side can throw here (a secret that does not open): retried like an outage.
      sent = unsentAttempt(deps.clock, `not sent: ${errorMessage(err)}`);
    }
    decision = decide(sent, {
      attempt: row.attempt,
      now: deps.clock(),
      policy: deps.policy,
      fault,
      random: deps.random,
    });
  }
  return {
    id: row.id,
    token: row.token,
    webhookId: row.webhookId,
    messageId: row.messageId,
    scheme: row.scheme,
    attempt: row.attempt,
    fault: row.fault,
    signedAt: sent.signedAt,
    startedAt: sent.startedAt,
    finishedAt: deps.clock(),
    durationMs: sent.durationMs,
    statusCode: sent.statusCode,
    error: sent.error,
    responseExcerpt: sent.responseExcerpt,
    decision,
  };
}
