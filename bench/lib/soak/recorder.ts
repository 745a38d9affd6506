import type { PartName, StackContext } from '@hookpipe/stack';
import type { Api } from '../../../cli/src/scenario/api.js';
import type { ProcLife, Probe } from './goals.js';
import { partsRow, type SampleRow } from './report.js';
import { makeKafkaLag, outboxDepth, readParts, receiverStats } from './sample.js';
import { emitterTotals, type SoakWebhook } from './traffic.js';

/**
 * What the soak records while it runs: the 2-second probes (lag from Kafka, the emitters'
 * counters), the 10-second samples (every process of every part, the receiver's stats, the
 * outbox), and each process's readings by pid for the growth goals.
 */
export function makeRecorder(deps: {
  ctx: StackContext;
  parts: () => PartName[];
  /** The sender's API with a short timeout: a probe never waits long. */
  sender: Api;
  hooks: readonly SoakWebhook[];
  consumerUrl: string;
  receiverApiKey: string;
  senderDatabaseUrl: string;
  kafkaBrokers: string;
  startedAt: number;
}) {
  const kafkaLag = makeKafkaLag(deps.kafkaBrokers);
  const probes: Probe[] = [];
  const samples: SampleRow[] = [];
  const lives = new Map<string, ProcLife>();
  const since = () => (Date.now() - deps.startedAt) / 1000;
  const round = (t: number) => Math.round(t * 10) / 10;

  /** Delivered per second between the latest probe and the last one at least `seconds` older. */
  const deliveredRate = (seconds: number): number | undefined => {
    const counted = probes.filter((p) => p.delivered !== undefined);
    const last = counted.at(-1);
    const first = [...counted].reverse().find((p) => last && last.t - p.t >= seconds);
    if (!last || !first) return undefined;
    return Math.round((last.delivered! - first.delivered!) / (last.t - first.t));
  };

  return {
    probes,
    samples,
    lives: () => [...lives.values()],

    async probe(): Promise<void> {
      const t = round(since());
      const [lag, totals] = await Promise.all([kafkaLag.read(), emitterTotals(deps.sender, deps.hooks)]);
      probes.push({
        t,
        ...(lag ? { lag } : {}),
        ...(totals ? { delivered: totals.delivered, sent: totals.sent } : {}),
      });
    },

    async sample(intervalS: number): Promise<SampleRow> {
      const t = round(since());
      const readings = await readParts(deps.ctx, deps.parts());
      for (const r of readings) {
        for (const p of r.processes) {
          const key = `${r.part}:${p.pid}`;
          const life = lives.get(key) ?? { part: r.part, pid: p.pid, main: p.pid === r.pid, points: [] };
          life.points.push({
            t,
            rssKb: p.rssKb,
            shmemKb: p.shmemKb,
            fds: p.fds,
            dataFds: p.dataFds,
            sockets: p.sockets,
            closeWait: p.closeWait,
            threads: p.threads,
          });
          lives.set(key, life);
        }
      }
      const [stats, outbox] = await Promise.all([
        receiverStats(deps.consumerUrl, deps.receiverApiKey),
        outboxDepth(deps.senderDatabaseUrl),
      ]);
      const rate = deliveredRate(intervalS * 0.8);
      const row: SampleRow = {
        t,
        parts: partsRow(readings),
        ...(stats?.lag ? { lag: stats.lag } : {}),
        ...(outbox !== undefined ? { outbox } : {}),
        ...(stats?.persisted !== undefined ? { persisted: stats.persisted } : {}),
        ...(stats?.deadLettered !== undefined ? { dead_lettered: stats.deadLettered } : {}),
        ...(stats?.deadLettersOpen !== undefined ? { dead_letters_open: stats.deadLettersOpen } : {}),
        ...(rate !== undefined ? { delivered_per_s: rate } : {}),
      };
      samples.push(row);
      return row;
    },

    close: () => kafkaLag.close(),
  };
}

export type Recorder = ReturnType<typeof makeRecorder>;
