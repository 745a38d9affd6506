import { describe, expect, it } from 'vitest';
import {
  judgeLifetimes,
  recoveries,
  verdict,
  type FaultSpan,
  type Probe,
  type VerdictInputs,
} from './goals.js';

/** A process read every 10 s: private memory, files (and pipes…), sockets, and of those CLOSE_WAIT. */
const life = (
  pid: number,
  from: number,
  to: number,
  rssMb: (t: number) => number,
  files: (t: number) => number,
  sockets: (t: number) => number = () => 20,
  closeWait: (t: number) => number = () => 0,
) => ({
  part: 'sender',
  pid,
  main: true,
  points: Array.from({ length: (to - from) / 10 + 1 }, (_, i) => {
    const t = from + i * 10;
    const fds = files(t) + sockets(t) + 5;
    return {
      t,
      rssKb: rssMb(t) * 1024,
      shmemKb: 0,
      fds,
      dataFds: 5,
      sockets: sockets(t),
      closeWait: closeWait(t),
      threads: 10,
    };
  }),
});

describe('growth per process lifetime', () => {
  it('compares a process with itself after the warm-up, only in calm (not during a fault nor the minute after)', () => {
    const fault: FaultSpan = { index: 0, what: 'stop Kafka', mark: 'K', start: 400, end: 430 };
    const [result] = judgeLifetimes(
      [
        life(
          1,
          0,
          900,
          // A backlog worked off until t 480, 50 s after the fault's end.
          (t) => (t >= 400 && t <= 480 ? 900 : 100 + t / 100),
          () => 50,
        ),
      ],
      [fault],
      { warmupS: 300, calmAfterS: 60, minPoints: 6, rssFloorMb: 32 },
    );
    // Base: the first minute, t 300..350 (median 103.25 MB); end: the last, t 850..900 (108.75 MB).
    expect(result!.rss).toEqual({ baseMb: 103.3, endMb: 108.8, growth: 0.053 });
    expect(result!.fds).toEqual({
      files: { base: 50, end: 50, growth: 0 },
      closeWait: { base: 0, end: 0, growth: 0 },
      sockets: { base: 20, end: 20 },
    });
  });

  it("counts a restarted process's warm-up from its own start, and leaves short lives unjudged", () => {
    const results = judgeLifetimes(
      [
        life(
          2,
          600,
          1000,
          () => 100,
          () => 40,
        ),
        life(
          3,
          800,
          1000,
          () => 100,
          () => 40,
        ),
      ],
      [],
      { warmupS: 300, calmAfterS: 60, minPoints: 6, rssFloorMb: 32 },
    );
    expect(results[0]).toMatchObject({ judged: true, from: 600, to: 1000 });
    expect(results[1]).toMatchObject({ judged: false, note: '0 calm readings after its warm-up' });
  });

  it('judges files and sockets left in CLOSE_WAIT, and shows open sockets, which follow the pools', () => {
    // Sockets refilled by the retries after a fault at t 1000, kept alive until the end.
    const refilled = (t: number) => (t > 1000 ? 90 : 60);
    const [pools, fileLeak, socketLeak] = judgeLifetimes(
      [
        life(
          4,
          0,
          1800,
          () => 100,
          () => 30,
          refilled,
        ),
        life(
          5,
          0,
          1800,
          () => 100,
          (t) => 30 + Math.floor(t / 100),
        ),
        life(
          6,
          0,
          1800,
          () => 100,
          () => 30,
          refilled,
          (t) => Math.floor(t / 300),
        ),
      ],
      [],
      { warmupS: 300, calmAfterS: 60, minPoints: 6, rssFloorMb: 32 },
    );
    expect(pools!.fds).toEqual({
      files: { base: 30, end: 30, growth: 0 },
      closeWait: { base: 0, end: 0, growth: 0 },
      sockets: { base: 60, end: 90 },
    });
    expect(fileLeak!.fds!.files).toEqual({ base: 33, end: 47, growth: 14 });
    expect(socketLeak!.fds!.closeWait).toEqual({ base: 1, end: 5, growth: 4 });
  });

  it('takes memory growth against at least the floor: a few MB more of a 5-MB helper is not 36%', () => {
    const [helper] = judgeLifetimes(
      [
        life(
          7,
          0,
          900,
          (t) => (t < 600 ? 4.9 : 6.7),
          () => 9,
        ),
      ],
      [],
      { warmupS: 300, calmAfterS: 60, minPoints: 6, rssFloorMb: 32 },
    );
    expect(helper!.rss).toEqual({ baseMb: 4.9, endMb: 6.7, growth: 0.056 });
  });
});

describe('recovery after each fault', () => {
  const settings = { rate: 100, lagZeroS: 2, throughputShare: 0.9, windowS: 6, lagProbes: 3 };
  // Lag climbs while the consumer is away (t 100..130) and drains by t 150; nothing is delivered
  // from t 100 to t 120, then the emitters' 100/s flow again.
  const probes: Probe[] = Array.from({ length: 100 }, (_, i) => {
    const t = i * 2;
    const lag = t < 100 ? 50 : t <= 130 ? 50 + (t - 100) * 100 : Math.max(50, 3050 - (t - 130) * 200);
    const delivered = t < 100 ? t * 100 : t < 120 ? 10_000 : 10_000 + (t - 120) * 100;
    return { t, lag: { events: lag, retry: 0 }, delivered };
  });
  const fault: FaultSpan = { index: 0, what: 'SIGKILL consumer', mark: 'C', start: 100, end: 110 };

  it('measures from the fault end: lag back under two seconds of traffic, the rate back over 90%', () => {
    const [r] = recoveries(probes, [fault], 198, settings);
    // Lag ≤ 200 from t 144 on (3050 - 14·200 = 250 at 144… 50 at 146): first of three zero probes at 146.
    expect(r).toMatchObject({ lagS: 36, throughputS: 10, lagPeak: 3050, horizon: 198 });
  });

  it('gives null when the next fault starts before recovery', () => {
    const next: FaultSpan = { index: 1, what: 'stop Kafka', mark: 'K', start: 130, end: 150 };
    const [r] = recoveries(probes, [fault, next], 198, settings);
    expect(r).toMatchObject({ lagS: null, horizon: 130 });
  });
});

describe('verdict', () => {
  const base: VerdictInputs = {
    reconcile: { delivered: 1000, missing: 0, duplicated: 0, unexpected: 0, pending: 0, failedAtSender: 0 },
    lifetimes: [
      {
        part: 'kafka',
        pid: 7,
        main: true,
        from: 0,
        to: 600,
        judged: true,
        rss: { baseMb: 300, endMb: 330, growth: 0.1 },
        fds: {
          files: { base: 130, end: 130, growth: 0 },
          closeWait: { base: 0, end: 0, growth: 0 },
          sockets: { base: 40, end: 44 },
        },
      },
    ],
    recoveries: [
      {
        index: 0,
        what: 'stop Kafka for 20 s',
        mark: 'K',
        lagS: 12,
        throughputS: 4,
        lagPeak: 900,
        horizon: 200,
      },
    ],
    faults: [{ index: 0, what: 'stop Kafka for 20 s', mark: 'K', start: 100, end: 140 }],
    limits: { rssGrowth: 0.2, lagS: 60, throughputS: 30, throughputShare: 0.9 },
    lagZero: 600,
    secrets: { files: 10, secrets: 20, leaks: 0 },
  };

  it('passes every line when every goal holds', () => {
    const lines = verdict(base);
    expect(lines.map((l) => l.pass)).toEqual(Array(8).fill(true));
    expect(lines[2]!.measured).toContain('10.0% at most (kafka pid 7: 300 → 330 MB)');
  });

  it('fails the line of each goal that does not hold, saying what was measured', () => {
    const lines = verdict({
      ...base,
      reconcile: { ...base.reconcile, missing: 2, duplicated: 1 },
      lifetimes: [{ ...base.lifetimes[0]!, rss: { baseMb: 300, endMb: 400, growth: 0.333 } }],
      recoveries: [{ ...base.recoveries[0]!, lagS: null, throughputS: 45 }],
      faults: [{ ...base.faults[0]!, error: 'kafka did not start' }],
      secrets: { files: 10, secrets: 20, leaks: 3 },
    });
    expect(lines.filter((l) => !l.pass).map((l) => l.expectation)).toEqual([
      'nothing lost: every delivered event is one row or one dead letter',
      'nothing doubled',
      'RSS growth per process lifetime after warm-up',
      'consumer lag back to zero after each fault',
      "throughput back to the emitters' rate after each fault",
      'every chaos action done and undone',
      "no secret, key or signature in the stack's logs",
    ]);
    expect(lines[4]!.measured).toBe('not back after #0 stop Kafka for 20 s');
  });

  it('shows memory growth without judging it when told to (a run of a few minutes)', () => {
    const lines = verdict({
      ...base,
      judgeMemory: false,
      lifetimes: [{ ...base.lifetimes[0]!, rss: { baseMb: 300, endMb: 400, growth: 0.333 } }],
    });
    const memory = lines.find((l) => l.expectation.startsWith('RSS growth'))!;
    expect(memory).toMatchObject({ pass: false, judged: false });
    expect(memory.limit).toMatch(/not judged/);
    expect(lines.filter((l) => l.judged !== false).every((l) => l.pass)).toBe(true);
  });
});
