import {
  generateSchemeSecret,
  sendAttempt as sendSigned,
  unixSeconds,
  type Outbound as SignedOutbound,
  type SendOptions as SignedSendOptions,
  type SentAttempt,
} from '@hookpipe/lib';
import type { FaultKind } from '../model/fault-kinds.js';

export type { SentAttempt };

/** One message to one webhook, as the outbox holds it. */
export interface Outbound extends SignedOutbound {
  fault: FaultKind | null;
}

export interface SendOptions extends Omit<SignedSendOptions, 'userAgent' | 'signedAt'> {
  /** How far in the past a stale_timestamp fault signs (beyond the receivers' ±300 s). */
  staleTimestampS: number;
  userAgent?: string;
}

/** The shared one-attempt sender, with the webhook's fault applied to what gets signed. */
export function sendAttempt(msg: Outbound, opts: SendOptions): Promise<SentAttempt> {
  const signedAt =
    msg.fault === 'stale_timestamp' ? unixSeconds(opts.clock) - opts.staleTimestampS : undefined;
  // A well-formed signature under a key nobody holds: receivers must answer 401, not 400.
  const secrets = msg.fault === 'bad_signature' ? [generateSchemeSecret(msg.scheme)] : msg.secrets;
  return sendSigned(
    { ...msg, secrets },
    { ...opts, userAgent: opts.userAgent ?? 'hookpipe-sender/0.1', signedAt },
  );
}
