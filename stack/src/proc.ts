import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, readdirSync } from 'node:fs';

/** Whether a process with this pid exists (and is not a zombie). */
export function isAlive(pid: number | undefined): pid is number {
  if (!pid || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc: trust kill(0)
  }
}

/** The command line of a live process (empty when unknown), to check a pid is still ours. */
export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
  } catch {
    return '';
  }
}

/**
 * The fields of `/proc/<pid>/stat` after the command (state, ppid, …, utime at [11], stime at
 * [12]); undefined when the process is gone or there is no /proc.
 */
export function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command may hold spaces and parentheses: the fields start after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/**
 * The given pids and all their descendants (nginx's workers, PostgreSQL's backends), parents
 * before children; empty where there is no /proc.
 */
export function processTree(roots: readonly number[]): number[] {
  const children = new Map<number, number[]>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  for (const entry of entries) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const ppid = Number(statFields(pid)?.[1]);
    if (!ppid) continue;
    const list = children.get(ppid) ?? [];
    list.push(pid);
    children.set(ppid, list);
  }
  const out: number[] = [];
  const walk = (pid: number) => {
    out.push(pid);
    for (const c of children.get(pid) ?? []) walk(c);
  };
  roots.forEach(walk);
  return out;
}

export interface SpawnOptions {
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  logFile: string;
  uid?: number;
  gid?: number;
}

/**
 * Starts a long-running process detached from us (its own process group, output appended to
 * `logFile`), so it outlives the launcher and any other launcher process can stop it by pid.
 */
export function spawnDetached(options: SpawnOptions): number {
  const out = openSync(options.logFile, 'a');
  try {
    const child = spawn(options.command, options.args, {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ['ignore', out, out],
      ...(options.uid !== undefined ? { uid: options.uid } : {}),
      ...(options.gid !== undefined ? { gid: options.gid } : {}),
    });
    if (!child.pid) throw new Error(`could not start ${options.command}`);
    child.unref();
    return child.pid;
  } finally {
    closeSync(out);
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal); // the whole group: nginx workers, etc.
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      /* already gone */
    }
  }
}

/**
 * Stops a process: `signal` (default SIGTERM) to its group, then SIGKILL after `graceMs`.
 * Resolves once it is gone.
 */
export async function stopProcess(
  pid: number | undefined,
  options: { signal?: NodeJS.Signals; graceMs?: number } = {},
): Promise<void> {
  if (!isAlive(pid)) return;
  signalGroup(pid, options.signal ?? 'SIGTERM');
  const deadline = Date.now() + (options.graceMs ?? 15_000);
  while (isAlive(pid)) {
    if (Date.now() > deadline) {
      signalGroup(pid, 'SIGKILL');
      await waitUntil(() => !isAlive(pid), { timeoutMs: 10_000, what: `pid ${pid} to exit after SIGKILL` });
      return;
    }
    await sleep(50);
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `check` until it returns a truthy value or the deadline passes. */
export async function waitUntil<T>(
  check: () => Promise<T | false | undefined | null> | T | false | undefined | null,
  options: { timeoutMs: number; intervalMs?: number; what: string; onFail?: () => string },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      const extra = options.onFail ? `\n${options.onFail()}` : '';
      throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${options.what}${why}${extra}`);
    }
    await sleep(options.intervalMs ?? 200);
  }
}

/** The last `lines` lines of a log file, for error messages. */
export function tail(file: string, lines = 20): string {
  try {
    const text = readFileSync(file, 'utf8').trimEnd().split('\n');
    return text.slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
