import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readProc } from './sample.js';

describe('readProc', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'hookpipe-proc-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads memory, threads and descriptors, counting files under the data directories apart', () => {
    const file = path.join(dir, 'segment.log');
    writeFileSync(file, 'x');
    const before = readProc(process.pid, [dir])!;
    const fd = openSync(file, 'r');
    try {
      const after = readProc(process.pid, [dir])!;
      expect(after.rssKb).toBeGreaterThan(0);
      expect(after.threads).toBeGreaterThan(0);
      expect(after.dataFds).toBe(before.dataFds + 1);
      expect(after.fds).toBeGreaterThan(after.dataFds);
    } finally {
      closeSync(fd);
    }
  });

  it('gives undefined for a process that is gone', () => {
    expect(readProc(2 ** 22 + 1)).toBeUndefined();
  });
});
