import { appendFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeAccessLogReader } from './nginx-log.js';

// One line of the template's hookpipe_json format.
const line = (status: number, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    time: '2025-01-01T00:00:00+00:00',
    request_id: 'r1',
    method: 'POST',
    uri: '/webhook',
    status,
    request_time: 0.004,
    upstream_status: String(status),
    limit_req: '',
    user_agent: 'hookpipe-sender/0.1 ✓',
    ...extra,
  }) + '\n';

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'nginx-log-'));
  file = path.join(dir, 'nginx-access.log');
  writeFileSync(file, line(202) + line(202)); // before the dashboard looked: never counted
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('makeAccessLogReader', () => {
  it('starts at the end of the file and counts what is appended after', async () => {
    const reader = makeAccessLogReader({ path: file });
    expect((await reader.read()).requests).toBe(0);
    appendFileSync(
      file,
      line(202) + line(202) + line(401) + line(503) + line(429, { limit_req: 'REJECTED' }),
    );
    appendFileSync(file, line(429) + line(301));
    const w = await reader.read();
    expect(w.requests).toBe(7);
    expect(w.statuses).toEqual({ '2xx': 2, '3xx': 1, '4xx': 3, '5xx': 1 });
    expect(w.rate_limited).toBe(2);
    expect(w.edge_rate_limited).toBe(1);
    expect(w.request_time.count).toBe(7);
    expect(w.request_time.seconds).toBeCloseTo(0.028);
    expect((await reader.read()).requests).toBe(0);
  });

  it('leaves a line nginx is still writing for the next read', async () => {
    const reader = makeAccessLogReader({ path: file });
    await reader.read();
    const whole = line(202);
    // Cut inside the multi-byte ✓, so only bytes can tell where the line goes on.
    const cut = Buffer.from(whole).indexOf(Buffer.from('✓')) + 1;
    appendFileSync(file, Buffer.concat([Buffer.from(line(200)), Buffer.from(whole).subarray(0, cut)]));
    expect((await reader.read()).requests).toBe(1);
    appendFileSync(file, Buffer.from(whole).subarray(cut));
    const w = await reader.read();
    expect(w.requests).toBe(1);
    expect(w.statuses['2xx']).toBe(1);
  });

  it('skips lines that are not JSON access log entries', async () => {
    const reader = makeAccessLogReader({ path: file });
    await reader.read();
    appendFileSync(file, 'not json\n{"status":"x"}\n' + line(200));
    expect((await reader.read()).requests).toBe(1);
  });

  it('starts over when the file is truncated or replaced', async () => {
    const reader = makeAccessLogReader({ path: file });
    await reader.read();
    writeFileSync(file, line(500));
    expect((await reader.read()).statuses['5xx']).toBe(1);
    // Replaced the way rotation does it: a new file (a new inode) renamed over the old one.
    writeFileSync(`${file}.new`, line(200) + line(200) + line(200));
    renameSync(`${file}.new`, file);
    expect((await reader.read()).requests).toBe(3);
  });

  it('reads at most maxBytes per call, the newest, and says how much it skipped', async () => {
    const one = line(200);
    const size = Buffer.byteLength(one);
    const reader = makeAccessLogReader({ path: file, maxBytes: size * 3 + 10 });
    await reader.read();
    appendFileSync(file, one.repeat(10));
    const w = await reader.read();
    expect(w.skipped_bytes).toBe(size * 7 - 10);
    // The first line read is cut (not JSON): three whole lines count.
    expect(w.requests).toBe(3);
  });

  it('fails when the file does not exist (the panel shows the error)', async () => {
    const reader = makeAccessLogReader({ path: path.join(dir, 'missing.log') });
    await expect(reader.read()).rejects.toThrow(/ENOENT/);
  });
});
