import { makeRetentionJob, type Clock, type Logger, type Pool, type RetentionJob } from '@hookpipe/lib';
import { makeRetentionStore } from './store/retention-store.js';

/** Advisory lock of the receiver database's retention job ("hook" + 2). */
export const CONSUMER_RETENTION_LOCK = 0x686f6f6b02;

export interface ConsumerRetentionSettings {
  /** Age after which rows go; 0 turns the job off (the factory is not called then). */
  hours: number;
  intervalS: number;
  batch: number;
}

/**
 * The receiver side's retention: events persisted longer ago than the age (with their failure
 * history), then dead letters replayed longer ago than the age, then the attempts recorded for
 * receiver fault profiles, then the keyring's tombstones. Open dead letters stay until replayed or
 * purged through the API.
 */
export function makeConsumerRetention(deps: {
  pool: Pool;
  settings: ConsumerRetentionSettings;
  clock: Clock;
  logger: Logger;
}): RetentionJob {
  const store = makeRetentionStore(deps.pool);
  return makeRetentionJob({
    pool: deps.pool,
    lockKey: CONSUMER_RETENTION_LOCK,
    steps: [
      { name: 'events', deleteBatch: (cutoff, limit) => store.deleteEvents(cutoff, limit) },
      {
        name: 'dead_letters',
        deleteBatch: (cutoff, limit) => store.deleteReplayedDeadLetters(cutoff, limit),
      },
      {
        name: 'receiver_attempts',
        deleteBatch: (cutoff, limit) => store.deleteReceiverAttempts(cutoff, limit),
      },
      {
        name: 'receiver_secret_removals',
        deleteBatch: (cutoff, limit) => store.deleteSecretRemovals(cutoff, limit),
      },
    ],
    retentionMs: deps.settings.hours * 3600_000,
    batchSize: deps.settings.batch,
    intervalMs: deps.settings.intervalS * 1000,
    clock: deps.clock,
    logger: deps.logger.child({ component: 'retention' }),
  });
}
