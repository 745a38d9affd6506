import {
  errorMessage,
  faultProfileSchema,
  type FaultAction,
  type FaultProfile,
  type Logger,
  type Pool,
} from '@hookpipe/lib';

/** The channel `consumer/migrations/005_receiver_faults.sql` notifies on every change of `receiver_faults`. */
export const FAULTS_CHANNEL = 'receiver_faults_changed';

export interface FaultProfiles {
  /** The customer's profile, or undefined (the usual case: no faults, nothing recorded). */
  profileFor(customerId: string): FaultProfile | undefined;
  /** Loads the table again; a failed load keeps the last good profiles. */
  reload(): Promise<boolean>;
}

/**
 * The receiver's fault profiles in memory (a handful of rows), reloaded on NOTIFY and by polling
 * like the keyring. A row that does not parse is skipped with one warning: a profile must never
 * make a handler fail requests it was not asked to fail.
 */
export function makeFaultProfiles(deps: { pool: Pool; logger: Logger }): FaultProfiles {
  const log = deps.logger.child({ component: 'fault-profiles' });
  let profiles = new Map<string, FaultProfile>();
  let failing = false;
  return {
    profileFor: (customerId) => (profiles.size === 0 ? undefined : profiles.get(customerId)),
    async reload() {
      try {
        const { rows } = await deps.pool.query<{ customer_id: string; profile: unknown }>(
          'SELECT customer_id, profile FROM receiver_faults',
        );
        const next = new Map<string, FaultProfile>();
        for (const row of rows) {
          const parsed = faultProfileSchema.safeParse(row.profile);
          if (parsed.success) next.set(row.customer_id, parsed.data);
          else log.warn({ customerId: row.customer_id }, 'ignoring a fault profile that does not parse');
        }
        const customers = [...next.keys()].sort().join(',');
        if (customers !== [...profiles.keys()].sort().join(',')) {
          log.info({ customers: [...next.keys()] }, 'fault profiles changed');
        }
        profiles = next;
        failing = false;
        return true;
      } catch (err) {
        if (!failing)
          log.warn({ err: errorMessage(err) }, 'fault profiles reload failed; keeping the last ones');
        failing = true;
        return false;
      }
    },
  };
}

/**
 * Counts and records the attempts of a faulted customer's messages (`receiver_attempts`), so the
 * API can show how a sender reacted: attempts per message id, their spacing, Retry-After kept.
 */
export function makeAttemptRecorder(deps: { pool: Pool; handlerId: string }) {
  return {
    /** This message id's attempt number (1 for the first), counted across every replica. */
    async count(customerId: string, messageId: string): Promise<number> {
      const { rows } = await deps.pool.query<{ attempts: number }>(
        `INSERT INTO receiver_attempt_counts (customer_id, message_id, attempts) VALUES ($1, $2, 1)
         ON CONFLICT (customer_id, message_id)
         DO UPDATE SET attempts = receiver_attempt_counts.attempts + 1
         RETURNING attempts`,
        [customerId, messageId],
      );
      return rows[0]!.attempts;
    },
    /** Writes one attempt and what the handler did with it. */
    async record(entry: {
      customerId: string;
      messageId: string;
      attempt: number | null;
      action: FaultAction;
      receivedAt: Date;
    }): Promise<void> {
      const { action } = entry;
      await deps.pool.query(
        `INSERT INTO receiver_attempts
           (customer_id, message_id, attempt, received_at, action, status, retry_after_s, delay_ms, handler_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [
          entry.customerId,
          entry.messageId,
          entry.attempt,
          entry.receivedAt,
          action.kind,
          action.kind === 'status' ? action.code : null,
          action.kind === 'status' ? (action.retryAfterSeconds ?? null) : null,
          action.kind === 'delay' ? action.ms : null,
          deps.handlerId,
        ],
      );
    },
  };
}

export type AttemptRecorder = ReturnType<typeof makeAttemptRecorder>;
