import { decodeSecret, verify } from '@hookpipe/lib';
import { describe, expect, it } from 'vitest';
import { ingressPathFromEnv, makeCustomers, makeSignedSource } from './signed.js';

describe('makeSignedSource', () => {
  const customers = makeCustomers('t', 3).map((c, i) => (i === 2 ? { ...c, id: 'a b/c@d' } : c));

  it('gives each request its customer path, encoded, round-robin', () => {
    const source = makeSignedSource('t', customers, { path: 'customer' });
    const paths = Array.from({ length: 4 }, () => source.next().path);
    expect(paths).toEqual([
      `/webhook/${customers[0]!.id}`,
      `/webhook/${customers[1]!.id}`,
      '/webhook/a%20b%2Fc%40d',
      `/webhook/${customers[0]!.id}`,
    ]);
  });

  it('leaves the path to the run on the bare path, and signs with the customer of the request', () => {
    const source = makeSignedSource('t', customers);
    const req = source.next();
    expect(req.path).toBeUndefined();
    const result = verify({
      headers: {
        id: req.headers['webhook-id'],
        timestamp: req.headers['webhook-timestamp'],
        signature: req.headers['webhook-signature'],
      },
      body: req.body,
      keys: [{ key: decodeSecret(customers[0]!.secret)! }],
      now: Math.floor(Date.now() / 1000),
    });
    expect(result.ok).toBe(true);
  });
});

describe('ingressPathFromEnv', () => {
  it('defaults to the per-customer path and refuses anything but customer or bare', () => {
    expect(ingressPathFromEnv(undefined)).toBe('customer');
    expect(ingressPathFromEnv('')).toBe('customer');
    expect(ingressPathFromEnv('bare')).toBe('bare');
    expect(() => ingressPathFromEnv('Bare')).toThrow(/BENCH_INGEST_PATH must be "customer" or "bare"/);
  });
});
