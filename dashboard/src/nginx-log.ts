import { open, stat } from 'node:fs/promises';

/** What nginx answered between two reads of its JSON access log. */
export interface NginxWindow {
  requests: number;
  statuses: { '2xx': number; '3xx': number; '4xx': number; '5xx': number };
  /** Every 429: nginx's own edge limit (`limit_req` REJECTED) and the handlers' per-customer one. */
  rate_limited: number;
  /** 429s nginx made itself (`limit_req` REJECTED). */
  edge_rate_limited: number;
  /** Sum and count of `request_time` (seconds), for the mean latency. */
  request_time: { seconds: number; count: number };
  /** Bytes not read because more than the per-read cap had been appended (the figures undercount). */
  skipped_bytes: number;
}

export const emptyWindow = (): NginxWindow => ({
  requests: 0,
  statuses: { '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0 },
  rate_limited: 0,
  edge_rate_limited: 0,
  request_time: { seconds: 0, count: 0 },
  skipped_bytes: 0,
});

/** Adds one `hookpipe_json` access log line (nginx/templates/hookpipe.conf.template) to `w`. */
export function countLine(w: NginxWindow, line: string): void {
  let entry: { status?: unknown; request_time?: unknown; limit_req?: unknown };
  try {
    entry = JSON.parse(line) as typeof entry;
  } catch {
    return;
  }
  const status = Number(entry.status);
  if (!Number.isInteger(status)) return;
  w.requests += 1;
  const klass = `${Math.floor(status / 100)}xx`;
  if (klass === '2xx' || klass === '3xx' || klass === '4xx' || klass === '5xx') w.statuses[klass] += 1;
  if (status === 429) w.rate_limited += 1;
  if (entry.limit_req === 'REJECTED') w.edge_rate_limited += 1;
  const t = Number(entry.request_time);
  if (Number.isFinite(t)) {
    w.request_time.seconds += t;
    w.request_time.count += 1;
  }
}

/**
 * Follows nginx's JSON access log from where it was at the first read: each read counts the lines
 * appended since the previous one. At most `maxBytes` are read per call (the newest ones), so a
 * burst, or a long time without readers, costs a bounded amount of work.
 */
export function makeAccessLogReader(options: { path: string; maxBytes?: number }) {
  const maxBytes = options.maxBytes ?? 4 * 1024 * 1024;
  let position: number | undefined;
  let inode: number | undefined;

  return {
    path: options.path,
    async read(): Promise<NginxWindow> {
      const window = emptyWindow();
      const info = await stat(options.path);
      if (position === undefined || info.ino !== inode || info.size < position) {
        // First look, or the file was replaced or truncated: start from its current end.
        const first = position === undefined;
        position = first ? info.size : 0;
        inode = info.ino;
        if (first) return window;
      }
      let from = position;
      if (info.size - from > maxBytes) {
        window.skipped_bytes = info.size - maxBytes - from;
        from = info.size - maxBytes;
      }
      const length = info.size - from;
      if (length <= 0) return window;
      const buffer = Buffer.alloc(length);
      const handle = await open(options.path, 'r');
      let bytesRead: number;
      try {
        ({ bytesRead } = await handle.read(buffer, 0, length, from));
      } finally {
        await handle.close();
      }
      // Whole lines only: a line nginx is still writing is read next time (bytes, so a UTF-8
      // character is never cut). A line longer than the cap is passed over.
      const end = buffer.subarray(0, bytesRead).lastIndexOf(0x0a);
      if (end < 0) {
        if (bytesRead >= maxBytes) position = from + bytesRead;
        return window;
      }
      position = from + end + 1;
      // After a skip the first line is most likely cut: only whole JSON objects count anyway.
      for (const line of buffer.subarray(0, end).toString('utf8').split('\n'))
        if (line) countLine(window, line);
      return window;
    },
  };
}

export type AccessLogReader = ReturnType<typeof makeAccessLogReader>;
