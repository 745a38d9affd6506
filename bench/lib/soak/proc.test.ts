import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { waitUntil } from '@hookpipe/stack';
import { readProc, tcpStates } from './proc.js';

describe('readProc', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'hookpipe-proc-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads memory, threads and descriptors, counting files under the data directories apart', () => {
    const file = path.join(dir, 'segment.log');
    writeFileSync(file, 'x');
    const before = readProc(process.pid, { dataDirs: [dir] })!;
    const fd = openSync(file, 'r');
    try {
      const after = readProc(process.pid, { dataDirs: [dir] })!;
      expect(after.rssKb).toBeGreaterThan(0);
      expect(after.threads).toBeGreaterThan(0);
      expect(after.dataFds).toBe(before.dataFds + 1);
      expect(after.fds).toBeGreaterThan(after.dataFds);
    } finally {
      closeSync(fd);
    }
  });

  it('counts sockets, and apart those the peer closed and this process has not (CLOSE_WAIT)', async () => {
    const server = net.createServer((conn) => conn.end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const before = readProc(process.pid, { tcp: tcpStates() })!;
    // Half-open: the server's FIN arrives and this side keeps its end, as a leak would.
    const client = net.connect({
      port: (server.address() as net.AddressInfo).port,
      host: '127.0.0.1',
      allowHalfOpen: true,
    });
    try {
      const after = await waitUntil(
        () => {
          const r = readProc(process.pid, { tcp: tcpStates() })!;
          return r.closeWait > before.closeWait ? r : undefined;
        },
        { timeoutMs: 5000, intervalMs: 20, what: 'a socket in CLOSE_WAIT' },
      );
      expect(after.sockets).toBeGreaterThan(before.sockets);
      expect(after.closeWait).toBe(before.closeWait + 1);
    } finally {
      client.destroy();
      server.close();
    }
  });

  it('gives undefined for a process that is gone', () => {
    expect(readProc(2 ** 22 + 1)).toBeUndefined();
  });
});
