/**
 * Consumer throughput benchmark (not a test). Pre-fills a throwaway 6-partition topic with
 * events in the handler's format, drains it with the real consumer pipeline (the same kafkajs
 * group loop, batch processing and multi-row inserts as the service) into the receiver
 * database, and prints persisted events/s next to the raw multi-row insert rate of the same rows
 * into the same table, measured in the same run, and their ratio. Writes bench/results/consume.json
 * (or into BENCH_RESULTS_DIR).
 *
 *   npx tsx bench/consume.ts [--events 200000]
 *
 * Needs a running stack: KAFKA_BROKERS and DATABASE_URL, else $STACK_DIR/stack.env (default
 * .stack). Everything it creates (topic, group, rows) is removed at the end.
 */
import path from 'node:path';
import { Kafka, Partitioners, logLevel } from 'kafkajs';
import pg from 'pg';
import { HEADERS, makeLogger, systemClock, type Logger } from '@hookpipe/lib';
import { REPO_ROOT, readEnvFile } from '@hookpipe/stack';
import { parseConfig } from '../consumer/src/config.js';
import { makeConsumerPipeline, type ConsumerPipeline } from '../consumer/src/pipeline/assemble.js';
import type { SourceRecord } from '../consumer/src/pipeline/types.js';
import type { EventRow } from '../consumer/src/store/pipeline-store.js';
import { writeResult } from './lib/results.js';

function settings() {
  const args = process.argv.slice(2);
  const i = args.indexOf('--events');
  const events = Number(i >= 0 ? args[i + 1] : (process.env.BENCH_EVENTS ?? 20_000));
  if (!Number.isInteger(events) || events < 1) throw new Error('--events must be a positive integer');
  const stackFile = path.resolve(REPO_ROOT, process.env.STACK_DIR ?? '.stack', 'stack.env');
  const env = { ...readEnvFile(stackFile), ...process.env };
  if (!env.KAFKA_BROKERS || !env.DATABASE_URL) {
    throw new Error(`set KAFKA_BROKERS and DATABASE_URL, or bring a stack up (${stackFile} is missing)`);
  }
  // The service's own defaults (batch sizes, concurrency, pool), overridable the same way.
  const config = parseConfig({ ...env, RECEIVER_API_KEY: 'bench', CONSUMER_FAILURE_INJECTION: 'off' });
  return { events, config };
}

const PARTITIONS = 6;
const CUSTOMERS = 24;

function makeRecords(runId: string, n: number) {
  const customers = Array.from({ length: CUSTOMERS }, (_, i) => `bench-${runId}-${i}`);
  const now = new Date();
  const records = Array.from({ length: n }, (_, i) => {
    const customer = customers[i % CUSTOMERS]!;
    const value = JSON.stringify({
      type: i % 3 ? 'order.created' : 'invoice.paid',
      timestamp: now.toISOString(),
      data: {
        order_id: `ord_${runId}_${i}`,
        amount_cents: (i * 37) % 100_000,
        currency: 'EUR',
        lines: [{ sku: `sku-${i % 97}`, qty: 1 + (i % 4) }],
      },
    });
    return {
      key: customer,
      value,
      headers: {
        [HEADERS.webhookId]: `msg_bench_${runId}_${i}`,
        [HEADERS.eventType]: 'order.created',
        [HEADERS.customerId]: customer,
        [HEADERS.receivedAt]: now.toISOString(),
        [HEADERS.requestId]: `req_${runId}_${i}`,
        [HEADERS.signedAt]: String(Math.floor(now.getTime() / 1000)),
        [HEADERS.retryCount]: '0',
      },
    };
  });
  return { customers, records };
}

/** The raw rate: the same rows through the same multi-row INSERT, one chunk after another. */
async function rawInsertRate(
  pipeline: ConsumerPipeline,
  records: ReturnType<typeof makeRecords>['records'],
  chunk: number,
) {
  const rows: EventRow[] = records.map((r, i) => {
    const source: SourceRecord = {
      topic: 'bench',
      partition: 0,
      offset: String(i),
      key: Buffer.from(r.key),
      value: Buffer.from(r.value),
      headers: { ...r.headers, [HEADERS.webhookId]: `${r.headers[HEADERS.webhookId]}_raw` },
      timestamp: String(Date.now()),
    };
    const decoded = pipeline.decode(source);
    if (!decoded.ok) throw new Error(decoded.failure.message);
    return { topic: 'bench', partition: 0, offset: String(i), event: decoded.event };
  });
  const started = performance.now();
  for (let i = 0; i < rows.length; i += chunk) await pipeline.store.insertEvents(rows.slice(i, i + chunk));
  return performance.now() - started;
}

/** The consumer's own pipeline over the bench topic; `finished` resolves once `expected` events are persisted. */
function makeDrainer(options: {
  kafka: Kafka;
  pool: pg.Pool;
  topic: string;
  groupId: string;
  expected: number;
  config: ReturnType<typeof settings>['config'];
  logger: Logger;
}) {
  let persisted = 0;
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const pipeline = makeConsumerPipeline({
    kafka: options.kafka,
    pool: options.pool,
    config: { ...options.config, CONSUMER_GROUP: options.groupId },
    topics: [options.topic],
    clock: systemClock,
    logger: options.logger,
    onOutcome: (_t, _p, outcome) => {
      persisted += outcome.counts.persisted;
      if (persisted >= options.expected) done();
    },
  });
  return { pipeline, finished };
}

async function drain({ pipeline, finished }: ReturnType<typeof makeDrainer>) {
  let joinedAt = 0;
  const { consumer, publisher } = pipeline;
  consumer.consumer.on(consumer.consumer.events.GROUP_JOIN, () => (joinedAt = performance.now()));
  const started = performance.now();
  await consumer.start();
  await finished;
  const ended = performance.now();
  await consumer.stop();
  await publisher.stop();
  return { drainMs: ended - joinedAt, totalMs: ended - started };
}

async function main(): Promise<void> {
  const { events, config } = settings();
  const brokers = config.KAFKA_BROKERS;
  const runId = Date.now().toString(36);
  const topic = `hookpipe.bench.consume.${runId}`;
  const groupId = `hookpipe-bench-${runId}`;
  const logger = makeLogger('bench-consume', { level: 'warn' });
  const kafka = new Kafka({ clientId: 'bench-consume', brokers, logLevel: logLevel.ERROR });
  const admin = kafka.admin();
  const pool = new pg.Pool({ connectionString: config.DATABASE_URL, max: config.CONSUMER_DB_POOL_SIZE });
  const { customers, records } = makeRecords(runId, events);
  const drainer = makeDrainer({ kafka, pool, topic, groupId, expected: events, config, logger });
  console.log(
    `consume bench: ${events} events, ${PARTITIONS} partitions, insert batch ${config.CONSUMER_INSERT_BATCH_SIZE}, ${config.CONSUMER_PARTITIONS_CONCURRENTLY} partitions at once`,
  );

  await admin.connect();
  try {
    const rawMs = await rawInsertRate(drainer.pipeline, records, config.CONSUMER_INSERT_BATCH_SIZE);
    await pool.query(`DELETE FROM events WHERE customer_id = ANY($1)`, [customers]);
    console.log(`  raw multi-row insert: ${events} rows in ${rawMs.toFixed(0)} ms`);

    await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }],
    });
    const producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    const fillStart = performance.now();
    for (let i = 0; i < records.length; i += 2000)
      await producer.send({ topic, acks: -1, messages: records.slice(i, i + 2000) });
    const fillMs = performance.now() - fillStart;
    await producer.disconnect();
    console.log(`  pre-filled the topic in ${fillMs.toFixed(0)} ms`);

    const { drainMs, totalMs } = await drain(drainer);
    const stored = Number(
      (
        await pool.query<{ n: string }>('SELECT count(*) AS n FROM events WHERE customer_id = ANY($1)', [
          customers,
        ])
      ).rows[0]!.n,
    );
    if (stored !== events) throw new Error(`expected ${events} rows, found ${stored}`);

    const rawRate = (events / rawMs) * 1000;
    const consumerRate = (events / drainMs) * 1000;
    const result = {
      date: new Date().toISOString(),
      node: process.version,
      events,
      partitions: PARTITIONS,
      insert_batch_size: config.CONSUMER_INSERT_BATCH_SIZE,
      partitions_concurrently: config.CONSUMER_PARTITIONS_CONCURRENTLY,
      raw_insert: { ms: Math.round(rawMs), rows_per_s: Math.round(rawRate) },
      consumer: {
        drain_ms: Math.round(drainMs),
        ms_including_group_join: Math.round(totalMs),
        events_per_s: Math.round(consumerRate),
      },
      ratio_consumer_to_raw: Number((consumerRate / rawRate).toFixed(3)),
      prefill: { ms: Math.round(fillMs), events_per_s: Math.round((events / fillMs) * 1000) },
    };
    console.log(
      `  consumer drained ${events} events in ${drainMs.toFixed(0)} ms after joining its group (${totalMs.toFixed(0)} ms with the join)`,
    );
    console.log('');
    console.log(`  raw multi-row insert  ${result.raw_insert.rows_per_s.toString().padStart(8)} rows/s`);
    console.log(`  consumer (persisted)  ${result.consumer.events_per_s.toString().padStart(8)} events/s`);
    console.log(`  ratio consumer/raw    ${result.ratio_consumer_to_raw.toFixed(3).padStart(8)}`);
    console.log(`  wrote ${writeResult('consume.json', result)}`);
  } finally {
    await pool.query(`DELETE FROM events WHERE customer_id = ANY($1)`, [customers]).catch(() => undefined);
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
    await pool.end();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
