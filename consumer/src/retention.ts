import { makeServiceRetention, type RetentionJob, type ServiceRetentionDeps } from '@hookpipe/lib';
import type { Config } from './config.js';
import { makeRetentionStore } from './store/retention-store.js';

/** Advisory lock of the receiver database's retention job ("hook" + 2). */
export const CONSUMER_RETENTION_LOCK = 0x686f6f6b02;

/** The retention settings in the service's config. */
export const retentionSettings = (config: Config): ServiceRetentionDeps['settings'] => ({
  hours: config.CONSUMER_RETENTION_HOURS,
  intervalS: config.CONSUMER_RETENTION_INTERVAL_S,
  batch: config.CONSUMER_RETENTION_BATCH,
});

/**
 * The receiver side's retention: events persisted longer ago than the age (with their failure
 * history), then dead letters replayed longer ago than the age, then the attempts recorded for
 * receiver fault profiles, then the keyring's tombstones, then operational deliveries finished
 * longer ago than the age (with their attempts). Open dead letters stay until replayed or purged
 * through the API; pending operational deliveries until they finish.
 */
export function makeConsumerRetention(deps: ServiceRetentionDeps): RetentionJob {
  const store = makeRetentionStore(deps.pool);
  return makeServiceRetention({
    ...deps,
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
      {
        name: 'operational_deliveries',
        deleteBatch: (cutoff, limit) => store.deleteFinishedOperationalDeliveries(cutoff, limit),
      },
    ],
  });
}
