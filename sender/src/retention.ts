import { makeRetentionJob, type Clock, type Logger, type Pool, type RetentionJob } from '@hookpipe/lib';
import { makeRetentionStore } from './store/retention-store.js';

/** Advisory lock of the sender database's retention job ("hook" + 1). */
export const SENDER_RETENTION_LOCK = 0x686f6f6b01;

export interface SenderRetentionSettings {
  /** Age after which rows go; 0 turns the job off (the factory is not called then). */
  hours: number;
  intervalS: number;
  batch: number;
}

/**
 * The sender side's retention: finished deliveries (delivered, failed, rejected, canceled) with
 * their attempts, then the producer events left without deliveries. Pending and held deliveries
 * are never touched, however old.
 */
export function makeSenderRetention(deps: {
  pool: Pool;
  settings: SenderRetentionSettings;
  clock: Clock;
  logger: Logger;
}): RetentionJob {
  const store = makeRetentionStore(deps.pool);
  return makeRetentionJob({
    pool: deps.pool,
    lockKey: SENDER_RETENTION_LOCK,
    steps: [
      { name: 'deliveries', deleteBatch: (cutoff, limit) => store.deleteFinishedDeliveries(cutoff, limit) },
      { name: 'events', deleteBatch: (cutoff, limit) => store.deleteUnreferencedEvents(cutoff, limit) },
    ],
    retentionMs: deps.settings.hours * 3600_000,
    batchSize: deps.settings.batch,
    intervalMs: deps.settings.intervalS * 1000,
    clock: deps.clock,
    logger: deps.logger.child({ component: 'retention' }),
  });
}
