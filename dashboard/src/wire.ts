import type { Kafka } from 'kafkajs';
import { TOPICS, makeLagReader, type Clock, type LagView, type Pool } from '@hookpipe/lib';
import { DEFAULT_ASSETS_DIR, loadDashboardAssets } from './assets.js';
import type { DashboardConfig } from './config.js';
import { makeHandlerScraper } from './handler-scrape.js';
import { makeLatencyStore } from './latency-store.js';
import { makeAccessLogReader } from './nginx-log.js';
import type { DashboardDeps } from './routes.js';
import { makeDashboardSampler, type PartitionOffsets } from './sampler.js';
import type { ReceiverTotals } from './schema.js';

/** What the dashboard takes from the consumer that serves it: its settings, clients and figures. */
export interface DashboardOptions {
  config: DashboardConfig;
  /** For the dead-letter topic's end offsets, read with an admin client of the dashboard's own. */
  kafka: Kafka;
  groupId: string;
  /** The receiver database, for the receive→row latency. */
  pool: Pool;
  clock: Clock;
  /** The consumer's lag on the topics it consumes (the reader behind its `/stats`). */
  lag: () => Promise<LagView>;
  /** The consumer process's counters (persisted, retried, dead_lettered, …). */
  counters: () => Record<string, number>;
  /** The receiver database's totals, as `/stats` shows them. */
  dbTotals: () => Promise<ReceiverTotals>;
  assetsDir?: string;
}

/**
 * Builds the dashboard from what the consumer passes in: `deps` for registerDashboardRoutes,
 * `close` to end its Kafka admin client at shutdown.
 */
export function makeDashboard(o: DashboardOptions): { deps: DashboardDeps; close(): Promise<void> } {
  const { config } = o;
  // The DLQ has no consumer group: only its end offsets (records/s) are of interest.
  const dlq = makeLagReader({ kafka: o.kafka, groupId: o.groupId, topics: [TOPICS.dlq] });
  const kafka = async (): Promise<PartitionOffsets[]> => {
    const [consumed, dead] = await Promise.all([o.lag(), dlq.read()]);
    return [...consumed.partitions, ...dead.partitions.map((p) => ({ ...p, committed: null, lag: null }))];
  };
  const latency = makeLatencyStore(o.pool);
  const sampler = makeDashboardSampler({
    clock: o.clock,
    handlers: makeHandlerScraper({ urls: config.CONSUMER_HANDLER_URLS }),
    nginx: config.CONSUMER_NGINX_ACCESS_LOG
      ? makeAccessLogReader({ path: config.CONSUMER_NGINX_ACCESS_LOG })
      : null,
    kafka,
    counters: o.counters,
    dbTotals: o.dbTotals,
    persistLatency: (since) => latency.persistLatency(since),
    minIntervalMs: Math.min(1000, config.CONSUMER_DASHBOARD_POLL_MS),
  });
  return {
    deps: {
      sampler,
      assets: loadDashboardAssets(o.assetsDir ?? DEFAULT_ASSETS_DIR),
      senderUrl: config.CONSUMER_DASHBOARD_SENDER_URL,
      pollMs: config.CONSUMER_DASHBOARD_POLL_MS,
    },
    close: () => dlq.close(),
  };
}
