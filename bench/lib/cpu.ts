import { readFileSync, readdirSync } from 'node:fs';

/** Linux's USER_HZ: /proc/<pid>/stat counts CPU time in these ticks. */
const TICKS_PER_SECOND = 100;

function stat(pid: number): { ppid: number; ticks: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command (which may hold spaces) start after the last ')'.
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) };
  } catch {
    return undefined;
  }
}

/** The pid and all its descendants (nginx workers, PostgreSQL backends). */
function withDescendants(roots: number[]): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const s = stat(pid);
    if (!s) continue;
    const list = children.get(s.ppid) ?? [];
    list.push(pid);
    children.set(s.ppid, list);
  }
  const out: number[] = [];
  const walk = (pid: number) => {
    out.push(pid);
    for (const c of children.get(pid) ?? []) walk(c);
  };
  roots.forEach(walk);
  return out;
}

const ticksOf = (pids: number[]) => new Map(pids.map((pid) => [pid, stat(pid)?.ticks ?? 0]));

/**
 * CPU used by groups of processes (each with its descendants) over an interval, in cores
 * (1.0 = one core busy the whole time). `self` is this process. Descendants are looked up again
 * at the end: a process born meanwhile (a new PostgreSQL backend) counts from zero; one that
 * ended meanwhile is lost.
 */
export function startCpuMeter(groups: Record<string, number[]>) {
  const before = Object.fromEntries(
    Object.entries(groups).map(([k, roots]) => [k, ticksOf(withDescendants(roots))]),
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
        for (const [pid, now] of ticksOf(withDescendants(roots))) ticks += now - (before[k]!.get(pid) ?? 0);
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
