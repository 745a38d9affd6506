import { createReadStream, existsSync, readdirSync } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { StringDecoder } from 'node:string_decoder';
import { lineTime, partOf } from './log-format.js';

/** One line of one part's log. */
export interface LogLine {
  part: string;
  line: string;
}

export interface LogSelection {
  /** Which parts' files to read (by part name). */
  wanted: (part: string) => boolean;
  /** Only lines containing this text (case-sensitive, like `grep -F`). */
  grep?: string | undefined;
}

// Bounds: what one poll reads from a file, and how many earlier matches a grep keeps per file.
const MAX_READ_BYTES = 1 << 20;
const MAX_GREP_MATCHES = 10_000;

const matches = (line: string, grep: string | undefined) => line !== '' && (!grep || line.includes(grep));

/** The `*.log` files of `dir` whose part is wanted, sorted by name. */
export function logFiles(dir: string, wanted: (part: string) => boolean): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.log') && wanted(partOf(f)))
    .sort();
}

/** The last `n` lines of a file, reading at most its last MiB. */
async function lastLines(file: string, size: number, n: number): Promise<string[]> {
  if (n <= 0 || size === 0) return [];
  const from = Math.max(0, size - MAX_READ_BYTES);
  const handle = await open(file, 'r');
  try {
    const buf = Buffer.alloc(size - from);
    await handle.read(buf, 0, buf.length, from);
    const lines = buf.toString('utf8').split('\n');
    if (from > 0) lines.shift(); // cut mid-line
    return lines.filter((l) => l !== '').slice(-n);
  } finally {
    await handle.close();
  }
}

/** Every line of the file's first `size` bytes that contains `grep` (the last 10 000 at most). */
async function grepLines(file: string, size: number, grep: string): Promise<string[]> {
  if (size === 0) return [];
  const found: string[] = [];
  const rl = createInterface({ input: createReadStream(file, { end: size - 1 }), crlfDelay: Infinity });
  for await (const line of rl) {
    if (!matches(line, grep)) continue;
    found.push(line);
    if (found.length > MAX_GREP_MATCHES) found.shift();
  }
  return found;
}

/**
 * What is already in the logs: the last `lines` lines of each file, or with `grep` every matching
 * line, merged across files in time order (a line without a time of its own keeps its place after
 * the line before it). Returns the size each file was read up to, where following goes on.
 */
export async function readBacklog(
  dir: string,
  selection: LogSelection & { lines: number },
): Promise<{ lines: LogLine[]; positions: Map<string, number> }> {
  const positions = new Map<string, number>();
  const timed: { entry: LogLine; time: number; file: number; seq: number }[] = [];
  const files = logFiles(dir, selection.wanted);
  for (const [fileIndex, name] of files.entries()) {
    const file = path.join(dir, name);
    const { size } = await stat(file);
    positions.set(name, size);
    const picked = selection.grep
      ? await grepLines(file, size, selection.grep)
      : await lastLines(file, size, selection.lines);
    let last = 0;
    picked.forEach((line, seq) => {
      last = lineTime(line) ?? last;
      timed.push({ entry: { part: partOf(name), line }, time: last, file: fileIndex, seq });
    });
  }
  timed.sort((a, b) => a.time - b.time || a.file - b.file || a.seq - b.seq);
  return { lines: timed.map((t) => t.entry), positions };
}

/**
 * Follows the files from `positions` on: each `poll()` reads what was appended since (at most a
 * MiB per file per poll), hands complete lines to `onLine`, picks up files that appear later and
 * starts a file over when it shrank (truncated or replaced).
 */
export function makeFollower(
  dir: string,
  selection: LogSelection,
  positions: Map<string, number>,
  onLine: (line: LogLine) => void,
) {
  // The decoder keeps a UTF-8 character cut by a read's end for the next read.
  type FileState = { pos: number; rest: string; decoder: StringDecoder };
  const fresh = (pos: number): FileState => ({ pos, rest: '', decoder: new StringDecoder('utf8') });
  const state = new Map<string, FileState>([...positions].map(([name, pos]) => [name, fresh(pos)]));

  async function readFile(name: string): Promise<void> {
    const file = path.join(dir, name);
    let s = state.get(name) ?? fresh(0);
    state.set(name, s);
    let size: number;
    try {
      size = (await stat(file)).size;
    } catch {
      return; // removed (make clean): keep waiting
    }
    if (size < s.pos) {
      s = fresh(0);
      state.set(name, s);
    }
    if (size === s.pos) return;
    const length = Math.min(size - s.pos, MAX_READ_BYTES);
    const handle = await open(file, 'r');
    try {
      const buf = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buf, 0, length, s.pos);
      s.pos += bytesRead;
      const lines = (s.rest + s.decoder.write(buf.subarray(0, bytesRead))).split('\n');
      s.rest = lines.pop() ?? '';
      for (const line of lines) if (matches(line, selection.grep)) onLine({ part: partOf(name), line });
    } finally {
      await handle.close();
    }
  }

  return {
    async poll(): Promise<void> {
      for (const name of logFiles(dir, selection.wanted)) await readFile(name);
    },
  };
}
