import { readFileSync } from 'node:fs';
import { processTree, statFields } from '../../stack/src/proc.js';

/** Linux's USER_HZ: /proc/<pid>/stat counts CPU time in these ticks. */
const TICKS_PER_SECOND = 100;

function ticks(pid: number): number {
  const f = statFields(pid);
  return f ? Number(f[11]) + Number(f[12]) : 0;
}

const ticksOf = (pids: number[]) => new Map(pids.map((pid) => [pid, ticks(pid)]));

/**
 * CPU used by groups of processes (each with its descendants) over an interval, in cores
 * (1.0 = one core busy the whole time). `self` is this process. Descendants are looked up again
 * at the end: a process born meanwhile (a new PostgreSQL backend) counts from zero; one that
 * ended meanwhile is lost.
 */
export function startCpuMeter(groups: Record<string, number[]>) {
  const before = Object.fromEntries(
    Object.entries(groups).map(([k, roots]) => [k, ticksOf(processTree(roots))]),
  );
  const self = process.cpuUsage();
  const started = performance.now();
  const machineBefore = machineTicks();
  return {
    stop(): Record<string, number> {
      const seconds = (performance.now() - started) / 1000;
      const out: Record<string, number> = {};
      for (const [k, roots] of Object.entries(groups)) {
        let ticks = 0;
        for (const [pid, now] of ticksOf(processTree(roots))) ticks += now - (before[k]!.get(pid) ?? 0);
        out[k] = round(ticks / TICKS_PER_SECOND / seconds);
      }
      const used = process.cpuUsage(self);
      out.load_generator = round((used.user + used.system) / 1e6 / seconds);
      const m = machineTicks();
      out.machine_busy = round((m.busy - machineBefore.busy) / TICKS_PER_SECOND / seconds);
      return out;
    },
  };
}

/** All CPUs' busy ticks (everything but idle and iowait), from /proc/stat. */
function machineTicks(): { busy: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const n = line.trim().split(/\s+/).slice(1).map(Number);
  const busy = n.reduce((a, b) => a + b, 0) - (n[3] ?? 0) - (n[4] ?? 0);
  return { busy };
}

const round = (x: number) => Math.round(x * 100) / 100;
