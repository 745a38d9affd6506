import pg from 'pg';
import { silentLogger, systemClock, makeTargetPolicy, DEFAULT_ALLOWED_HOSTS } from '@hookpipe/lib';
import { makeApp } from '../app.js';
import { makeEmitterManager } from '../emitters/manager.js';
import { makeEventCatalog } from '../event-types/catalog.js';
import type { Linker } from '../linked/linker.js';
import { makeSenderMetrics } from '../metrics.js';
import { makeSecretBox } from '../secrets.js';
import { makeEmitterLeasesStore } from '../store/emitter-leases-store.js';
import { makeEmittersStore } from '../store/emitters-store.js';
import { makeEventTypesStore } from '../store/event-types-store.js';
import { makeEventsStore } from '../store/events-store.js';
import { makeHistoryStore } from '../store/history-store.js';
import { makeWebhooksStore } from '../store/webhooks-store.js';

/**
 * A pool that cannot connect (port 1, 200 ms timeout): a unit test that reaches the database
 * fails instead of passing by accident. The caller ends it.
 */
export function unreachablePool(): pg.Pool {
  return new pg.Pool({
    connectionString: 'postgres://nobody@127.0.0.1:1/none',
    connectionTimeoutMillis: 200,
  });
}

/** The sender's app with small test settings over `pool`, for `app.request()` tests. */
export function testApp(options: { pool: pg.Pool; apiKey: string; corsOrigins?: string[]; linker?: Linker }) {
  const metrics = makeSenderMetrics();
  const { pool } = options;
  const emitterRows = makeEmittersStore(pool);
  const webhooks = makeWebhooksStore(pool);
  const catalog = makeEventCatalog(makeEventTypesStore(pool));
  return makeApp({
    logger: silentLogger(),
    apiKeys: [options.apiKey],
    ...(options.corsOrigins ? { corsOrigins: options.corsOrigins } : {}),
    webhooks,
    events: makeEventsStore(pool),
    history: makeHistoryStore(pool),
    emitterRows,
    clock: systemClock,
    box: makeSecretBox(null),
    targets: makeTargetPolicy(DEFAULT_ALLOWED_HOSTS, 'SENDER_ALLOWED_HOSTS'),
    catalog,
    linker: options.linker ?? null,
    emitters: makeEmitterManager({
      emitterRows,
      webhookOf: (id) => webhooks.get(id),
      catalog,
      logger: silentLogger(),
      clock: systemClock,
      metrics,
      notify: () => undefined,
      seed: 1,
      oversizedBytes: 1024,
      maxBacklog: 10,
      maxRunning: 1,
      owner: 'test',
      leases: makeEmitterLeasesStore(pool),
      leaseMs: 10_000,
    }),
    metrics,
    notify: () => undefined,
    settings: {
      webhookConcurrency: 32,
      deliveryConcurrency: 64,
      rotationGraceS: 60,
      maxEventBytes: 1024,
      emitterRate: 0.2,
      emitterMaxRate: 100,
      emitterConcurrency: 8,
      fakerSeed: 1,
    },
  });
}
