import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { rawHeader } from './request-headers.js';

// What the webhook route read before: a WHATWG Headers built from the same raw list.
const viaHeaders = (raw: string[], name: string) => {
  const pairs: [string, string][] = [];
  for (let i = 0; i < raw.length; i += 2) pairs.push([raw[i]!, raw[i + 1]!]);
  return new Headers(pairs).get(name) ?? undefined;
};

describe('rawHeader', () => {
  const raw = [
    'Host',
    'a',
    'Webhook-ID',
    'msg_1',
    'content-type',
    'application/json',
    'Content-Type',
    'text/plain',
    'X-Empty',
    '',
    'webhook-signature',
    'v1,a',
    'WEBHOOK-SIGNATURE',
    'v1,b',
  ];

  it.each(['webhook-id', 'content-type', 'x-empty', 'webhook-signature', 'x-missing', 'host'])(
    'gives what Headers.get gives for %s',
    (name) => {
      expect(rawHeader(raw, name)).toBe(viaHeaders(raw, name));
    },
  );

  it('joins repeated headers, Content-Type too (Node keeps only its first)', () => {
    expect(rawHeader(raw, 'content-type')).toBe('application/json, text/plain');
    expect(rawHeader(raw, 'webhook-signature')).toBe('v1,a, v1,b');
  });

  it('agrees with Headers on what Node parsed from the wire (values trimmed)', async () => {
    const seen = new Promise<string[]>((resolve) => {
      const server = http.createServer((req, res) => {
        resolve(req.rawHeaders);
        res.end();
        server.close();
      });
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as AddressInfo;
        const req = http.request({
          port,
          host: '127.0.0.1',
          method: 'POST',
          headers: { 'X-A': ['  one \t', 'two'], 'Content-Type': 'application/json ' },
        });
        req.end();
      });
    });
    const got = await seen;
    for (const name of ['x-a', 'content-type', 'host', 'x-none']) {
      expect(rawHeader(got, name)).toBe(viaHeaders(got, name));
    }
  });
});
