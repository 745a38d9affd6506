/**
 * The soak's goals as pure functions of what it recorded: growth per process lifetime, recovery
 * after each fault, and the verdict lines. Times are seconds since the emitters started.
 */
import type { ProcReading } from './proc.js';

/**
 * One /proc reading of one process at `t` (proc.ts says what each figure is; `dataFds` are left
 * out of the leak check).
 */
export type ProcPoint = Omit<ProcReading, 'pid'> & { t: number };

/** A process from its first to its last reading: a part's pid, or one of its children. */
export interface ProcLife {
  part: string;
  pid: number;
  main: boolean;
  points: ProcPoint[];
}

/** A chaos action, from its start to the moment the part was back. */
export interface FaultSpan {
  index: number;
  what: string;
  mark: string;
  start: number;
  end: number;
  error?: string;
}

/** The 2-second probe: lag straight from Kafka, and the emitters' counters. */
export interface Probe {
  t: number;
  lag?: { events: number; retry: number };
  delivered?: number;
  sent?: number;
}

export interface GrowthSettings {
  warmupS: number;
  /** Readings from a chaos action's start until this long after its end are not judged. */
  calmAfterS: number;
  /** At least this many judged readings, or the lifetime is not judged. */
  minPoints: number;
  /**
   * Memory growth is taken against at least this many MB: a 5-MB PostgreSQL helper touching
   * another megabyte is not what the goal is about.
   */
  rssFloorMb: number;
}

export interface LifetimeResult {
  part: string;
  pid: number;
  main: boolean;
  from: number;
  to: number;
  judged: boolean;
  /** Why a lifetime is not judged (too short after its warm-up). */
  note?: string;
  /** Private memory (VmRSS − RssShmem), MB: median of the first judged minute, of the last. */
  rss?: { baseMb: number; endMb: number; growth: number };
  /**
   * Descriptors, medians of the first and last judged minute: `files` (everything but
   * sockets and the data stores' own files: logs, pipes, event and timer descriptors) and
   * sockets left in CLOSE_WAIT must not grow; all `sockets` are shown, not judged (they follow
   * load and connection pools, refilled after each fault).
   */
  fds?: {
    files: { base: number; end: number; growth: number };
    closeWait: { base: number; end: number; growth: number };
    sockets: { base: number; end: number };
  };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

/**
 * Growth per process lifetime: a process killed by the chaos is a new process (a new pid), so
 * each is compared only with itself. Its readings count from the run's warm-up or its own (the
 * same length from its first reading), whichever ends later, and only in calm: never during a
 * chaos action nor in the `calmAfterS` after it (a backlog being worked off). Base = median of
 * the first minute of such readings (6 at 10 s; fewer, at least 3, in a short life), end =
 * median of the last minute: a garbage collector's sawtooth is a minute long. Memory growth =
 * (end − base) / max(base, rssFloorMb); descriptors likewise, by kind (see `fds`).
 */
export function judgeLifetimes(
  lives: readonly ProcLife[],
  faults: readonly FaultSpan[],
  settings: GrowthSettings,
): LifetimeResult[] {
  const inFault = (t: number) => faults.some((f) => t >= f.start && t <= f.end + settings.calmAfterS);
  return lives.map((life) => {
    const from = life.points[0]?.t ?? 0;
    const to = life.points.at(-1)?.t ?? 0;
    const head = { part: life.part, pid: life.pid, main: life.main, from, to };
    const since = Math.max(settings.warmupS, from + settings.warmupS);
    const points = life.points.filter((p) => p.t >= since && !inFault(p.t));
    if (points.length < settings.minPoints) {
      return { ...head, judged: false, note: `${points.length} calm readings after its warm-up` };
    }
    const mb = (p: ProcPoint) => (p.rssKb - p.shmemKb) / 1024;
    const window = Math.min(6, Math.max(3, Math.floor(points.length / 4)));
    const first = points.slice(0, window);
    const last = points.slice(-window);
    const baseMb = median(first.map(mb));
    const endMb = median(last.map(mb));
    const change = (f: (p: ProcPoint) => number) => {
      const base = median(first.map(f));
      const end = median(last.map(f));
      return { base, end, growth: end - base };
    };
    const files = change((p) => p.fds - p.dataFds - p.sockets);
    const closeWait = change((p) => p.closeWait);
    const sockets = change((p) => p.sockets);
    return {
      ...head,
      judged: true,
      rss: {
        baseMb: round(baseMb),
        endMb: round(endMb),
        growth: round((endMb - baseMb) / Math.max(baseMb, settings.rssFloorMb), 3),
      },
      fds: { files, closeWait, sockets: { base: sockets.base, end: sockets.end } },
    };
  });
}

export interface RecoverySettings {
  rate: number;
  /** Lag at or under this many seconds of traffic counts as zero. */
  lagZeroS: number;
  throughputShare: number;
  /** Throughput is measured over windows at least this long. */
  windowS: number;
  /** Lag must stay at zero for this many probes in a row. */
  lagProbes: number;
}

export interface Recovery {
  index: number;
  what: string;
  mark: string;
  /** Seconds from the fault's end until lag was back at zero, null when not before the horizon. */
  lagS: number | null;
  throughputS: number | null;
  /** The highest lag seen from the fault's start to the horizon. */
  lagPeak: number;
  /** Until when recovery was watched: the next fault's start or the end of sending. */
  horizon: number;
}

const lagOf = (p: Probe) => (p.lag ? p.lag.events + p.lag.retry : undefined);

/**
 * For each fault: seconds from its end until the lag was back at zero (for `lagProbes` probes in
 * a row) and until the delivered rate over a window of `windowS` was back at `throughputShare`
 * of the emitters' rate (measured from the window's start).
 */
export function recoveries(
  probes: readonly Probe[],
  faults: readonly FaultSpan[],
  sendingEnd: number,
  settings: RecoverySettings,
): Recovery[] {
  const zero = settings.rate * settings.lagZeroS;
  const target = settings.rate * settings.throughputShare;
  return faults.map((f, i) => {
    const horizon = Math.min(faults[i + 1]?.start ?? sendingEnd, sendingEnd);
    const watched = probes.filter((p) => p.t >= f.end && p.t <= horizon);
    let lagS: number | null = null;
    for (let k = 0; k + settings.lagProbes <= watched.length; k++) {
      const run = watched.slice(k, k + settings.lagProbes);
      if (run.every((p) => lagOf(p) !== undefined && lagOf(p)! <= zero)) {
        lagS = round(run[0]!.t - f.end);
        break;
      }
    }
    let throughputS: number | null = null;
    const counted = watched.filter((p) => p.delivered !== undefined);
    outer: for (let a = 0; a < counted.length; a++) {
      for (let b = a + 1; b < counted.length; b++) {
        const span = counted[b]!.t - counted[a]!.t;
        if (span < settings.windowS) continue;
        if ((counted[b]!.delivered! - counted[a]!.delivered!) / span >= target) {
          throughputS = round(counted[a]!.t - f.end);
          break outer;
        }
        break;
      }
    }
    const lagPeak = Math.max(
      0,
      ...probes.filter((p) => p.t >= f.start && p.t <= horizon).map((p) => lagOf(p) ?? 0),
    );
    return {
      index: f.index,
      what: f.what,
      mark: f.mark,
      lagS,
      throughputS,
      lagPeak,
      horizon: round(horizon),
    };
  });
}

/** One goal: what was expected, what was measured, the limit, and whether it held. */
export interface VerdictLine {
  expectation: string;
  measured: string;
  limit: string;
  pass: boolean;
  /** false: shown, not judged (the run passes whatever it says). */
  judged?: boolean;
}

export interface VerdictInputs {
  reconcile: {
    delivered: number;
    missing: number;
    duplicated: number;
    unexpected: number;
    pending: number;
    failedAtSender: number;
  };
  lifetimes: readonly LifetimeResult[];
  recoveries: readonly Recovery[];
  faults: readonly FaultSpan[];
  limits: { rssGrowth: number; lagS: number; throughputS: number; throughputShare: number };
  /** false: memory growth is shown, not judged (a run of a few minutes is too short to judge it). */
  judgeMemory?: boolean;
  /** Lag at or under this many records counts as zero. */
  lagZero: number;
  secrets: { files: number; secrets: number; leaks: number };
}

const signed = (n: number) => `${n >= 0 ? '+' : ''}${n}`;

const who = (l: LifetimeResult) => `${l.part}${l.main ? '' : ' child'} pid ${l.pid}`;

function worst<T>(items: readonly T[], value: (t: T) => number): T | undefined {
  return items.reduce<T | undefined>((a, b) => (a === undefined || value(b) > value(a) ? b : a), undefined);
}

/** The verdict, one line per goal; the run passes only when every judged line does. */
export function verdict(v: VerdictInputs): VerdictLine[] {
  const r = v.reconcile;
  const judged = v.lifetimes.filter((l) => l.judged);
  const rss = worst(judged, (l) => l.rss!.growth);
  const files = worst(judged, (l) => l.fds!.files.growth);
  const closeWait = worst(judged, (l) => l.fds!.closeWait.growth);
  const sockets = worst(judged, (l) => l.fds!.sockets.end);
  const unrecovered = (k: 'lagS' | 'throughputS') => v.recoveries.filter((x) => x[k] === null);
  const slowest = (k: 'lagS' | 'throughputS') => worst(v.recoveries, (x) => x[k] ?? Infinity);
  const recoveryLine = (k: 'lagS' | 'throughputS', expectation: string, limitS: number, extra = '') => {
    const missed = unrecovered(k);
    const slow = slowest(k);
    const measured = missed.length
      ? `not back after ${missed.map((x) => `#${x.index} ${x.what}`).join(', ')}`
      : slow
        ? `${slow[k]} s at worst (#${slow.index} ${slow.what}), ${v.recoveries.length} faults`
        : 'no faults';
    return {
      expectation,
      measured,
      limit: `≤ ${limitS} s${extra}`,
      pass: missed.length === 0 && (slow?.[k] ?? 0) <= limitS,
    };
  };
  const failedActions = v.faults.filter((f) => f.error);
  return [
    {
      expectation: 'nothing lost: every delivered event is one row or one dead letter',
      measured: `${r.missing} missing of ${r.delivered}, ${r.pending} still pending, ${r.failedAtSender} failed at the sender`,
      limit: '0 missing, 0 pending',
      pass: r.missing === 0 && r.pending === 0 && r.delivered > 0,
    },
    {
      expectation: 'nothing doubled',
      measured: `${r.duplicated} duplicated, ${r.unexpected} unexpected`,
      limit: '0',
      pass: r.duplicated === 0 && r.unexpected === 0,
    },
    {
      expectation: 'RSS growth per process lifetime after warm-up',
      measured: rss
        ? `${(rss.rss!.growth * 100).toFixed(1)}% at most (${who(rss)}: ${rss.rss!.baseMb} → ${rss.rss!.endMb} MB), ${judged.length} lifetimes judged`
        : 'no lifetime long enough to judge',
      limit:
        v.judgeMemory === false
          ? 'shown, not judged in a run this short (SOAK_JUDGE_MEMORY=off)'
          : `≤ ${Math.round(v.limits.rssGrowth * 100)}%`,
      pass: !!rss && rss.rss!.growth <= v.limits.rssGrowth,
      ...(v.judgeMemory === false ? { judged: false } : {}),
    },
    {
      expectation: 'descriptor growth per process lifetime after warm-up',
      measured:
        files && closeWait && sockets
          ? `files and pipes ${signed(files.fds!.files.growth)} at most (${who(files)}: ${files.fds!.files.base} → ${files.fds!.files.end}), sockets left in CLOSE_WAIT ${signed(closeWait.fds!.closeWait.growth)} at most; open sockets up to ${sockets.fds!.sockets.end} (${who(sockets)})`
          : 'no lifetime long enough to judge',
      limit: '≤ 0',
      pass: !!files && !!closeWait && files.fds!.files.growth <= 0 && closeWait.fds!.closeWait.growth <= 0,
    },
    recoveryLine(
      'lagS',
      'consumer lag back to zero after each fault',
      v.limits.lagS,
      ` (zero: ≤ ${v.lagZero} records in flight)`,
    ),
    recoveryLine(
      'throughputS',
      "throughput back to the emitters' rate after each fault",
      v.limits.throughputS,
      ` (≥ ${Math.round(v.limits.throughputShare * 100)}% of the rate)`,
    ),
    {
      expectation: 'every chaos action done and undone',
      measured: failedActions.length
        ? failedActions.map((f) => `#${f.index} ${f.what}: ${f.error}`).join('; ')
        : `${v.faults.length} actions`,
      limit: '0 failed',
      pass: failedActions.length === 0,
    },
    {
      expectation: "no secret, key or signature in the stack's logs",
      measured: `${v.secrets.leaks} hits in ${v.secrets.files} files (${v.secrets.secrets} secrets and keys)`,
      limit: '0',
      pass: v.secrets.leaks === 0 && v.secrets.files > 0,
    },
  ];
}
