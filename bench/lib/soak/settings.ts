import { randomInt } from 'node:crypto';
import path from 'node:path';
import { REPO_ROOT } from '@hookpipe/stack';

/** What the chaos schedule may do; `SOAK_CHAOS` picks a subset (comma-separated) or `off`. */
export const CHAOS_KINDS = [
  'kill-handler',
  'kill-consumer',
  'stop-kafka',
  'stop-postgres',
  'restart-sender',
  'nginx-one-replica',
] as const;
export type ChaosKind = (typeof CHAOS_KINDS)[number];

/** An inclusive range of seconds, written `60-120` (or one number). */
export type Range = readonly [number, number];

export interface SoakSettings {
  minutes: number;
  /** Events per second over all emitters. */
  rate: number;
  seed: number;
  warmupMinutes: number;
  customers: number;
  /** Webhooks per customer: the first on `/webhook`, the others on `/webhook/<customer>`. */
  webhooksPerCustomer: number;
  /** Shares of events the consumer fails once or twice (`retry`) or always (`dead`). */
  retryShare: number;
  deadShare: number;
  chaos: readonly ChaosKind[];
  /** Seconds between the end of one chaos action and the start of the next. */
  chaosGapS: Range;
  kafkaStopS: Range;
  postgresStopS: Range;
  nginxOneReplicaS: Range;
  /** How long a killed process stays down before it is started again (a supervisor's delay). */
  restartDelayS: number;
  /** No chaos action may still run in the last this-many seconds: the end is read in calm. */
  cooldownS: number;
  sampleS: number;
  probeS: number;
  /** The goals' limits. */
  limits: { rssGrowth: number; lagS: number; throughputS: number; throughputShare: number };
  /** Memory growth is taken against at least this many MB (see judgeLifetimes). */
  rssFloorMb: number;
  /** Growth is judged only on readings at least this long after a chaos action ended. */
  calmAfterS: number;
  /** false (SOAK_JUDGE_MEMORY=off): memory growth shown, not judged; for runs of a few minutes. */
  judgeMemory: boolean;
  /** Lag at or under this many seconds of traffic counts as zero (records in flight). */
  lagZeroS: number;
  settleTimeoutS: number;
  resultsDir: string;
  fresh: boolean;
  keepStack: boolean;
  logEvents: boolean;
}

function num(env: NodeJS.ProcessEnv, name: string, fallback: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min) throw new Error(`${name} must be a number ≥ ${min}, got "${raw}"`);
  return n;
}

function range(env: NodeJS.ProcessEnv, name: string, fallback: Range): Range {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const m = /^(\d+(?:\.\d+)?)(?:-(\d+(?:\.\d+)?))?$/.exec(raw.trim());
  const lo = Number(m?.[1]);
  const hi = Number(m?.[2] ?? m?.[1]);
  if (!m || hi < lo) throw new Error(`${name} must be seconds or a range like 60-120, got "${raw}"`);
  return [lo, hi];
}

function chaosKinds(raw: string | undefined): ChaosKind[] {
  if (raw === undefined || raw === '' || raw === 'all') return [...CHAOS_KINDS];
  if (raw === 'off') return [];
  const kinds = raw.split(',').map((s) => s.trim());
  const unknown = kinds.filter((k) => !(CHAOS_KINDS as readonly string[]).includes(k));
  if (unknown.length > 0)
    throw new Error(`SOAK_CHAOS: unknown ${unknown.join(', ')}; known: ${CHAOS_KINDS.join(', ')}, off`);
  return kinds as ChaosKind[];
}

/** The soak's settings from the environment (each named in the error when malformed). */
export function soakSettings(env: NodeJS.ProcessEnv = process.env): SoakSettings {
  const settings: SoakSettings = {
    minutes: num(env, 'SOAK_MINUTES', 30, 1),
    rate: num(env, 'SOAK_RATE', 300, 1),
    seed: Math.floor(num(env, 'SOAK_SEED', randomInt(1, 2 ** 31))),
    warmupMinutes: num(env, 'SOAK_WARMUP_MINUTES', 5),
    customers: Math.floor(num(env, 'SOAK_CUSTOMERS', 4, 1)),
    webhooksPerCustomer: Math.floor(num(env, 'SOAK_WEBHOOKS_PER_CUSTOMER', 2, 1)),
    retryShare: num(env, 'SOAK_RETRY_SHARE', 0.05),
    deadShare: num(env, 'SOAK_DEAD_SHARE', 0.01),
    chaos: chaosKinds(env.SOAK_CHAOS),
    chaosGapS: range(env, 'SOAK_CHAOS_GAP_S', [60, 120]),
    kafkaStopS: range(env, 'SOAK_KAFKA_STOP_S', [10, 30]),
    postgresStopS: range(env, 'SOAK_POSTGRES_STOP_S', [10, 10]),
    nginxOneReplicaS: range(env, 'SOAK_NGINX_ONE_REPLICA_S', [20, 40]),
    restartDelayS: num(env, 'SOAK_RESTART_DELAY_S', 5),
    cooldownS: num(env, 'SOAK_COOLDOWN_S', 120),
    sampleS: num(env, 'SOAK_SAMPLE_S', 10, 1),
    probeS: num(env, 'SOAK_PROBE_S', 2, 0.5),
    limits: {
      rssGrowth: num(env, 'SOAK_RSS_GROWTH_MAX', 0.2),
      lagS: num(env, 'SOAK_LAG_RECOVERY_S', 60),
      throughputS: num(env, 'SOAK_THROUGHPUT_RECOVERY_S', 30),
      throughputShare: num(env, 'SOAK_THROUGHPUT_SHARE', 0.9),
    },
    rssFloorMb: num(env, 'SOAK_RSS_FLOOR_MB', 32),
    calmAfterS: num(env, 'SOAK_CALM_AFTER_S', 60),
    judgeMemory: env.SOAK_JUDGE_MEMORY !== 'off',
    lagZeroS: num(env, 'SOAK_LAG_ZERO_S', 2),
    settleTimeoutS: num(env, 'SOAK_SETTLE_TIMEOUT_S', 600, 1),
    resultsDir: path.resolve(REPO_ROOT, env.SOAK_RESULTS_DIR ?? path.join('bench', 'results', 'soak')),
    fresh: env.SOAK_FRESH !== '0',
    keepStack: env.SOAK_KEEP_STACK === '1',
    logEvents: env.SOAK_LOG_EVENTS === 'on',
  };
  if (settings.retryShare + settings.deadShare > 1)
    throw new Error('SOAK_RETRY_SHARE + SOAK_DEAD_SHARE must be at most 1');
  if (settings.warmupMinutes >= settings.minutes)
    throw new Error('SOAK_WARMUP_MINUTES must be shorter than SOAK_MINUTES');
  return settings;
}

const fmtRange = (r: Range) => (r[0] === r[1] ? String(r[0]) : `${r[0]}-${r[1]}`);

/** The settings as the environment that replays the run (printed at the start, kept in the report). */
export function replayEnv(s: SoakSettings): Record<string, string> {
  return {
    SOAK_MINUTES: String(s.minutes),
    SOAK_RATE: String(s.rate),
    SOAK_SEED: String(s.seed),
    SOAK_WARMUP_MINUTES: String(s.warmupMinutes),
    SOAK_CUSTOMERS: String(s.customers),
    SOAK_WEBHOOKS_PER_CUSTOMER: String(s.webhooksPerCustomer),
    SOAK_RETRY_SHARE: String(s.retryShare),
    SOAK_DEAD_SHARE: String(s.deadShare),
    SOAK_CHAOS: s.chaos.length ? s.chaos.join(',') : 'off',
    SOAK_CHAOS_GAP_S: fmtRange(s.chaosGapS),
    SOAK_KAFKA_STOP_S: fmtRange(s.kafkaStopS),
    SOAK_POSTGRES_STOP_S: fmtRange(s.postgresStopS),
    SOAK_NGINX_ONE_REPLICA_S: fmtRange(s.nginxOneReplicaS),
    SOAK_RESTART_DELAY_S: String(s.restartDelayS),
    SOAK_COOLDOWN_S: String(s.cooldownS),
    SOAK_CALM_AFTER_S: String(s.calmAfterS),
    SOAK_JUDGE_MEMORY: s.judgeMemory ? 'on' : 'off',
  };
}
