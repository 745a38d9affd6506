import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

/** One process as /proc shows it. */
export interface ProcReading {
  pid: number;
  /** VmRSS. */
  rssKb: number;
  /** RssShmem: shared memory mapped and touched (PostgreSQL's buffers), part of VmRSS. */
  shmemKb: number;
  /** Every open descriptor. */
  fds: number;
  /** Of `fds`, files under the data stores' directories (PostgreSQL's relations, Kafka's segments). */
  dataFds: number;
  /** Of `fds`, sockets. */
  sockets: number;
  /** Of `sockets`, TCP connections the peer closed and this process has not (CLOSE_WAIT). */
  closeWait: number;
  threads: number;
}

const CLOSE_WAIT = '08';

/** The TCP state of every socket of this network namespace, by inode (/proc/net/tcp, tcp6). */
export function tcpStates(): Map<string, string> {
  const states = new Map<string, string>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length > 9) states.set(f[9]!, f[3]!);
    }
  }
  return states;
}

/**
 * Reads `/proc/<pid>/status` and `/proc/<pid>/fd`; undefined when the process is gone.
 * Descriptors are told apart by what they point at: files under `dataDirs` follow the data
 * (PostgreSQL keeps up to max_files_per_process relation files open per backend, Kafka every
 * live segment), sockets follow load and connection pools, and a socket in CLOSE_WAIT (with
 * `tcp` from {@link tcpStates}) is one the process forgot to close.
 */
export function readProc(
  pid: number,
  options: { dataDirs?: readonly string[]; tcp?: ReadonlyMap<string, string> } = {},
): ProcReading | undefined {
  const dataDirs = options.dataDirs ?? [];
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
    const fds = readdirSync(`/proc/${pid}/fd`);
    const counts = { dataFds: 0, sockets: 0, closeWait: 0 };
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue; // closed meanwhile
      }
      const socket = /^socket:\[(\d+)\]$/.exec(target);
      if (socket) {
        counts.sockets += 1;
        if (options.tcp?.get(socket[1]!) === CLOSE_WAIT) counts.closeWait += 1;
      } else if (dataDirs.some((d) => target.startsWith(`${d}/`))) counts.dataFds += 1;
    }
    return {
      pid,
      rssKb: field('VmRSS'),
      shmemKb: field('RssShmem'),
      fds: fds.length,
      ...counts,
      threads: field('Threads'),
    };
  } catch {
    return undefined;
  }
}
