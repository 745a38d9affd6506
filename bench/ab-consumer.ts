/**
 * A/B of consumer variants under the same steady ingest (a tuning tool, not part of `make bench`).
 * Signed webhooks go at a fixed rate through nginx → handlers → Kafka while the consumer runs with
 * each variant's env (or another build) in turn, round after round. Per variant: Kafka → row
 * latency (`events.received_at` → `persisted_at`, HDR), receiver commits per second, and the CPU
 * of the consumer, PostgreSQL and Kafka per event. Medians over the rounds; writes
 * bench/results/tuning/<AB_NAME>.json.
 *
 *   AB_NAME=fetch AB_RATE=1000 AB_ROUNDS=3 \
 *   AB_VARIANTS='[{"name":"default"},{"name":"6 at once","env":{"CONSUMER_PARTITIONS_CONCURRENTLY":"6"}}]' \
 *   node --import tsx bench/ab-consumer.ts
 */
import pg from 'pg';
import { livePid } from '@hookpipe/stack';
import { startCpuMeter } from './lib/cpu.js';
import { makeLatencyHistogram } from './lib/histogram.js';
import { runFixedRate } from './lib/load.js';
import { installSecrets, removeSecrets } from './lib/receiver.js';
import { envNumber, writeResult } from './lib/results.js';
import { makeSignedSource, makeCustomers } from './lib/signed.js';
import { openBenchContext, restartCustom, restartParts, stackFile } from './lib/stack.js';

interface Variant {
  name: string;
  env?: Record<string, string>;
  dist?: string;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function main(): Promise<void> {
  const name = process.env.AB_NAME ?? 'ab-consumer';
  const variants = JSON.parse(process.env.AB_VARIANTS ?? '[]') as Variant[];
  if (variants.length === 0) throw new Error('AB_VARIANTS must list at least one variant');
  const rate = envNumber('AB_RATE', 1000);
  const rounds = envNumber('AB_ROUNDS', 3);
  const seconds = envNumber('AB_SECONDS', 10);
  const ctx = openBenchContext(true);
  const env = stackFile(ctx);
  const runId = Date.now().toString(36);
  const customers = makeCustomers(runId, envNumber('BENCH_INGEST_CUSTOMERS', 8));
  const source = makeSignedSource(runId, customers);
  const db = new pg.Client({ connectionString: env.DATABASE_URL });
  await db.connect();
  const commits = async () =>
    Number(
      (
        await db.query<{ n: string }>(
          'SELECT xact_commit AS n FROM pg_stat_database WHERE datname = current_database()',
        )
      ).rows[0]!.n,
    );
  await installSecrets(env.CONSUMER_URL!, env.RECEIVER_API_KEY!, customers);
  const ids = customers.map((c) => c.id);
  type Row = Record<string, number>;
  const rows: Record<string, Row[]> = Object.fromEntries(variants.map((v) => [v.name, []]));
  try {
    for (let round = 1; round <= rounds; round++) {
      for (const v of variants) {
        await restartCustom(ctx, ['consumer'], v.env ?? {}, { distRoot: v.dist });
        source.presign(Math.ceil(rate * (seconds + 2)) + 1000);
        const madeBefore = source.stats().made;
        const from = new Date();
        const commits0 = await commits();
        const cpu = startCpuMeter({
          consumer: [livePid(ctx, 'consumer')!],
          postgres: [livePid(ctx, 'postgres')!],
          kafka: [livePid(ctx, 'kafka')!],
        });
        const load = await runFixedRate({
          origin: env.INGRESS_URL!,
          path: '/webhook',
          rate,
          maxInFlight: 512,
          durationMs: seconds * 1000,
          warmupMs: 2000,
          next: source.next,
          expectStatus: 202,
        });
        const cores = cpu.stop();
        const commitsPerS = (await commits()) - commits0;
        // Everything accepted (warm-up included) is persisted soon after; wait for it (or until the
        // count stops growing), then read the latencies.
        const sent = source.stats().made - madeBefore;
        const deadline = Date.now() + 60_000;
        let got: { r: number; p: number }[] = [];
        let last = -1;
        for (;;) {
          got = (
            await db.query<{ r: string; p: string }>(
              `SELECT extract(epoch FROM received_at) * 1000 AS r, extract(epoch FROM persisted_at) * 1000 AS p
                 FROM events WHERE customer_id = ANY($1) AND received_at >= $2`,
              [ids, from],
            )
          ).rows.map((x) => ({ r: Number(x.r), p: Number(x.p) }));
          if (got.length >= sent || (got.length === last && got.length >= load.ok) || Date.now() > deadline)
            break;
          last = got.length;
          await new Promise((r) => setTimeout(r, 2000));
        }
        const h = makeLatencyHistogram();
        for (const g of got) h.recordMs(g.p - g.r);
        const l = h.summary();
        h.destroy();
        const elapsed = seconds + 2;
        const row = {
          events: got.length,
          p50_ms: l.p50_ms,
          p99_ms: l.p99_ms,
          p999_ms: l.p999_ms,
          commits_per_s: Math.round(commitsPerS / elapsed),
          consumer_cpu_ms_per_event: Math.round((cores.consumer! / rate) * 1e6) / 1000,
          postgres_cpu_ms_per_event: Math.round((cores.postgres! / rate) * 1e6) / 1000,
          kafka_cpu_ms_per_event: Math.round((cores.kafka! / rate) * 1e6) / 1000,
          ingest_p99_ms: load.latency.p99_ms,
        };
        rows[v.name]!.push(row);
        console.log(
          `  round ${round} ${v.name.padEnd(18)} ${row.events} events (${sent} sent)  received → persisted p50 ${row.p50_ms.toFixed(1)}  p99 ${row.p99_ms.toFixed(1)} ms  ${row.commits_per_s} commits/s  CPU ms/event: consumer ${row.consumer_cpu_ms_per_event}, PostgreSQL ${row.postgres_cpu_ms_per_event}, Kafka ${row.kafka_cpu_ms_per_event}`,
        );
      }
    }
  } finally {
    await restartParts(ctx, ['consumer'], ctx.state.overrides.consumer ?? {});
    await removeSecrets(env.DATABASE_URL!, ids);
    await db.end();
  }
  const summary = variants.map((v) => {
    const rs = rows[v.name]!;
    const keys = Object.keys(rs[0] ?? {});
    return {
      variant: v,
      rounds: rs,
      median: Object.fromEntries(keys.map((k) => [k, median(rs.map((r) => r[k]!))])),
    };
  });
  console.log(`\n${name}: ${rate} events/s, ${rounds} rounds × ${seconds} s, medians`);
  for (const s of summary) {
    const m = s.median;
    console.log(
      `  ${s.variant.name.padEnd(18)} p50 ${m.p50_ms!.toFixed(1)}  p99 ${m.p99_ms!.toFixed(1)} ms  ${m.commits_per_s} commits/s  CPU ms/event: consumer ${m.consumer_cpu_ms_per_event}, PostgreSQL ${m.postgres_cpu_ms_per_event}, Kafka ${m.kafka_cpu_ms_per_event}`,
    );
  }
  console.log(
    `  wrote ${writeResult(`tuning/${name}.json`, { date: new Date().toISOString(), rate, rounds, seconds, variants: summary })}`,
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
