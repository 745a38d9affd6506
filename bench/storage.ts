/**
 * Bytes an event takes at rest (not a test), for docs/sizing.md: the receiver's `events` table
 * (heap, TOAST and indexes: `pg_total_relation_size`) per row, and the `webhooks.events` topic's
 * log segments per record on one broker (one replica; `.log` files only, the preallocated index
 * files are left out). Run after e2e, which leaves its events in both. Writes
 * bench/results/storage.json.
 *
 *   npx tsx bench/storage.ts          (needs the bench stack up: see bench/run.ts)
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { TOPICS } from '@hookpipe/lib';
import { kafkaParts } from '@hookpipe/stack';
import { kafkaNode } from '../stack/src/kafka.js';
import { withKafkaAdmin } from './lib/receiver.js';
import { writeResult } from './lib/results.js';
import { openBenchContext, stackFile } from './lib/stack.js';

async function tableBytes(databaseUrl: string) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('VACUUM ANALYZE events');
    const { rows } = await client.query<Record<string, string>>(
      `SELECT count(*) AS rows,
              pg_total_relation_size('events') AS total,
              pg_relation_size('events') AS heap,
              pg_indexes_size('events') AS indexes,
              coalesce(avg(pg_column_size(payload)), 0) AS payload_avg
         FROM events`,
    );
    const r = rows[0]!;
    return {
      rows: Number(r.rows),
      total_bytes: Number(r.total),
      heap_bytes: Number(r.heap),
      index_bytes: Number(r.indexes),
      payload_column_avg_bytes: Math.round(Number(r.payload_avg)),
    };
  } finally {
    await client.end();
  }
}

const topicRecords = (brokers: string): Promise<number> =>
  withKafkaAdmin(brokers, async (admin) =>
    (await admin.fetchTopicOffsets(TOPICS.events)).reduce((n, p) => n + Number(p.high) - Number(p.low), 0),
  );

/** Sizes of the topic's `.log` segment files in every broker's data directory. */
function logBytes(dataDirs: string[]): number {
  let bytes = 0;
  for (const dir of dataDirs) {
    for (const part of readdirSync(dir).filter((d) => d.startsWith(`${TOPICS.events}-`))) {
      for (const f of readdirSync(path.join(dir, part)).filter((n) => n.endsWith('.log')))
        bytes += statSync(path.join(dir, part, f)).size;
    }
  }
  return bytes;
}

async function main(): Promise<void> {
  const ctx = openBenchContext(true);
  const env = stackFile(ctx);
  if (!env.DATABASE_URL || !env.KAFKA_BROKERS) throw new Error('the bench stack is not up (bench/run.ts)');
  const nodes = kafkaParts(ctx.state).map((part) => kafkaNode(ctx, part));
  const pgSide = await tableBytes(env.DATABASE_URL);
  const records = await topicRecords(env.KAFKA_BROKERS);
  const kafkaBytes = logBytes(nodes.map((n) => path.join(n.dir, 'data')));
  const perRow = pgSide.rows ? Math.round(pgSide.total_bytes / pgSide.rows) : 0;
  // Every broker holds a copy of the partitions it replicates: divide by the copies on disk.
  const copies = Math.min(nodes.length, 3);
  const perRecord = records ? Math.round(kafkaBytes / copies / records) : 0;
  const result = {
    date: new Date().toISOString(),
    postgres: { ...pgSide, bytes_per_event: perRow },
    kafka: {
      topic: TOPICS.events,
      records,
      brokers: nodes.length,
      log_bytes_all_brokers: kafkaBytes,
      bytes_per_record_one_replica: perRecord,
    },
  };
  console.log(
    `storage: events ${pgSide.rows} rows, ${perRow} bytes/event with indexes (heap ${pgSide.heap_bytes}, indexes ${pgSide.index_bytes}); Kafka ${records} records, ${perRecord} bytes/record per replica`,
  );
  console.log(`  wrote ${writeResult('storage.json', result)}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
