import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readIncomingLimited, type BodyRead } from './body.js';

// A real HTTP server: each request's read outcome is answered back as JSON.
let server: http.Server;
let url: string;
beforeAll(async () => {
  server = http.createServer((req, res) => {
    readIncomingLimited(req, 16).then(
      (read: BodyRead) => res.end(JSON.stringify(read.ok ? { ok: true, body: read.body.toString() } : read)),
      (err: Error) => res.end(JSON.stringify({ error: err.message })),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const post = async (body: string | ReadableStream<Uint8Array>): Promise<unknown> =>
  (await fetch(url, { method: 'POST', body, duplex: 'half' })).json();

describe('readIncomingLimited (the body straight from Node’s request)', () => {
  it('reads a body up to the limit', async () => {
    expect(await post('{"a":1}')).toEqual({ ok: true, body: '{"a":1}' });
    expect(await post('x'.repeat(16))).toEqual({ ok: true, body: 'x'.repeat(16) });
    expect(await post('')).toEqual({ ok: true, body: '' });
  });

  it('refuses a declared Content-Length above the limit without reading', async () => {
    expect(await post('x'.repeat(17))).toEqual({ ok: false, declared: 17 });
  });

  it('stops a streamed body as soon as it passes the limit', async () => {
    const chunks = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 4; i++) controller.enqueue(new TextEncoder().encode('12345678'));
        controller.close();
      },
    });
    expect(await post(chunks)).toEqual({ ok: false });
  });
});
