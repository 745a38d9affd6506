import { fileURLToPath } from 'node:url';
import type { Kafka } from 'kafkajs';
import { TOPICS, makeLagReader, type Clock, type LagReader, type Pool } from '@hookpipe/lib';
import type { DbTotals } from '../store/stats-store.js';
import { makeHandlerScraper } from './handler-scrape.js';
import { makeLatencyStore } from './latency-store.js';
import { makeAccessLogReader } from './nginx-log.js';
import { loadDashboardAssets, type DashboardDeps } from './routes.js';
import { makeDashboardSampler, type PartitionOffsets } from './sampler.js';

/** The page's files: the repository's `dashboard/` folder (also copied into the image). */
export const DEFAULT_ASSETS_DIR = fileURLToPath(new URL('../../../dashboard', import.meta.url));

export interface DashboardOptions {
  kafka: Kafka;
  groupId: string;
  pool: Pool;
  clock: Clock;
  /** The consumer's own lag reader (webhooks.events and webhooks.events.retry). */
  lag: LagReader;
  counters: () => Record<string, number>;
  dbTotals: () => Promise<DbTotals>;
  handlerUrls: readonly string[];
  accessLog: string | undefined;
  senderUrl: string;
  pollMs: number;
  assetsDir?: string;
}

/** Builds the dashboard's dependencies from the consumer's; `close` ends its Kafka admin client. */
export function makeDashboard(o: DashboardOptions): { deps: DashboardDeps; close(): Promise<void> } {
  // The DLQ has no consumer group: only its end offsets (records/s) are of interest.
  const dlq = makeLagReader({ kafka: o.kafka, groupId: o.groupId, topics: [TOPICS.dlq] });
  const kafka = async (): Promise<PartitionOffsets[]> => {
    const [consumed, dead] = await Promise.all([o.lag.read(), dlq.read()]);
    return [...consumed.partitions, ...dead.partitions.map((p) => ({ ...p, committed: null, lag: null }))];
  };
  const latency = makeLatencyStore(o.pool);
  const sampler = makeDashboardSampler({
    clock: o.clock,
    handlers: makeHandlerScraper({ urls: o.handlerUrls }),
    nginx: o.accessLog ? makeAccessLogReader({ path: o.accessLog }) : null,
    kafka,
    counters: o.counters,
    dbTotals: o.dbTotals,
    persistLatency: (since) => latency.persistLatency(since),
    minIntervalMs: Math.min(1000, o.pollMs),
  });
  return {
    deps: {
      sampler,
      assets: loadDashboardAssets(o.assetsDir ?? DEFAULT_ASSETS_DIR),
      senderUrl: o.senderUrl,
      pollMs: o.pollMs,
    },
    close: () => dlq.close(),
  };
}
