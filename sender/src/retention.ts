import { makeServiceRetention, type RetentionJob, type ServiceRetentionDeps } from '@hookpipe/lib';
import type { Config } from './config.js';
import { makeRetentionStore } from './store/retention-store.js';

/** Advisory lock of the sender database's retention job ("hook" + 1). */
export const SENDER_RETENTION_LOCK = 0x686f6f6b01;

/** The retention settings in the service's config. */
export const retentionSettings = (config: Config): ServiceRetentionDeps['settings'] => ({
  hours: config.SENDER_RETENTION_HOURS,
  intervalS: config.SENDER_RETENTION_INTERVAL_S,
  batch: config.SENDER_RETENTION_BATCH,
});

/**
 * The sender side's retention: finished deliveries (delivered, failed, rejected, canceled) with
 * their attempts, then the producer events left without deliveries. Pending and held deliveries
 * are never touched, however old.
 */
export function makeSenderRetention(deps: ServiceRetentionDeps): RetentionJob {
  const store = makeRetentionStore(deps.pool);
  return makeServiceRetention({
    ...deps,
    lockKey: SENDER_RETENTION_LOCK,
    steps: [
      { name: 'deliveries', deleteBatch: (cutoff, limit) => store.deleteFinishedDeliveries(cutoff, limit) },
      { name: 'events', deleteBatch: (cutoff, limit) => store.deleteUnreferencedEvents(cutoff, limit) },
    ],
  });
}
