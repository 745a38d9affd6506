import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import {
  decodeSecret,
  generateSecret,
  isValidSecret,
  legacySignature,
  sign,
  signatureHeaders,
  verify,
  verifyLegacySignature,
} from './index.js';

const NOW = 1_750_000_000;
const body = Buffer.from('{"type":"order.created","timestamp":"2025-06-15T12:00:00Z","data":{"id":1}}');

function keysOf(...secrets: string[]) {
  return secrets.map((s, i) => ({ id: i, key: decodeSecret(s)! }));
}

describe('secrets', () => {
  it('generates whsec_ secrets of 32 random bytes', () => {
    const a = generateSecret();
    const b = generateSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(a).not.toBe(b);
    expect(decodeSecret(a)).toHaveLength(32);
  });

  it('refuses malformed secrets', () => {
    expect(isValidSecret('whsec_')).toBe(false);
    expect(isValidSecret('secret')).toBe(false);
    expect(isValidSecret('whsec_not base64!')).toBe(false);
    expect(isValidSecret(`whsec_${Buffer.alloc(8).toString('base64')}`)).toBe(false);
    expect(() => generateSecret(8)).toThrow(RangeError);
  });
});

describe('sign and verify', () => {
  const secret = generateSecret();

  it('verifies its own signature and says which key matched', () => {
    const headers = signatureHeaders({ id: 'msg_1', timestamp: NOW, body, secrets: secret });
    const other = generateSecret();
    const result = verify({
      headers: {
        id: headers['webhook-id'],
        timestamp: headers['webhook-timestamp'],
        signature: headers['webhook-signature'],
      },
      body,
      keys: keysOf(other, secret),
      now: NOW,
    });
    expect(result).toMatchObject({ ok: true, key: { id: 1 }, timestamp: NOW });
  });

  it('signs with every secret during a rotation; either one verifies', () => {
    const old = generateSecret();
    const header = sign({ id: 'msg_2', timestamp: NOW, body, secrets: [old, secret] });
    expect(header.split(' ')).toHaveLength(2);
    for (const s of [old, secret]) {
      expect(
        verify({
          headers: { id: 'msg_2', timestamp: String(NOW), signature: header },
          body,
          keys: keysOf(s),
          now: NOW,
        }).ok,
      ).toBe(true);
    }
  });

  it('fails on a changed body, id or timestamp, naming why', () => {
    const signature = sign({ id: 'msg_3', timestamp: NOW, body, secrets: secret });
    const keys = keysOf(secret);
    const base = { id: 'msg_3', timestamp: String(NOW), signature };
    expect(
      verify({ headers: base, body: Buffer.concat([body, Buffer.from(' ')]), keys, now: NOW }),
    ).toMatchObject({
      ok: false,
      reason: 'no_matching_signature',
    });
    expect(verify({ headers: { ...base, id: 'msg_4' }, body, keys, now: NOW })).toMatchObject({
      ok: false,
      reason: 'no_matching_signature',
    });
    expect(verify({ headers: { ...base, timestamp: String(NOW + 1) }, body, keys, now: NOW })).toMatchObject({
      ok: false,
      reason: 'no_matching_signature',
    });
  });

  it('holds the tolerance window at its edges', () => {
    const keys = keysOf(secret);
    const at = (ts: number) =>
      verify({
        headers: {
          id: 'msg_5',
          timestamp: String(ts),
          signature: sign({ id: 'msg_5', timestamp: ts, body, secrets: secret }),
        },
        body,
        keys,
        now: NOW,
        toleranceSeconds: 300,
      });
    expect(at(NOW - 300).ok).toBe(true);
    expect(at(NOW + 300).ok).toBe(true);
    expect(at(NOW - 301)).toMatchObject({ ok: false, reason: 'timestamp_too_old' });
    expect(at(NOW + 301)).toMatchObject({ ok: false, reason: 'timestamp_in_future' });
  });

  it('classifies missing and garbled headers', () => {
    const keys = keysOf(secret);
    const check = (headers: { id?: string; timestamp?: string; signature?: string }) =>
      verify({ headers, body, keys, now: NOW });
    expect(check({ timestamp: String(NOW), signature: 'v1,x' })).toMatchObject({
      reason: 'missing_headers',
      message: expect.stringContaining('webhook-id'),
    });
    expect(check({ id: 'a', timestamp: 'yesterday', signature: 'v1,AAAA' })).toMatchObject({
      reason: 'malformed_headers',
    });
    expect(check({ id: 'a', timestamp: String(NOW), signature: 'v2,abc' })).toMatchObject({
      reason: 'malformed_headers',
    });
    expect(check({ id: 'a', timestamp: String(NOW), signature: 'v1,not-base64!!' })).toMatchObject({
      reason: 'malformed_headers',
    });
    expect(check({ id: 'has space', timestamp: String(NOW), signature: 'v1,AAAA' })).toMatchObject({
      reason: 'malformed_headers',
    });
  });
});

describe('interoperability with the standardwebhooks reference library', () => {
  const secret = generateSecret();
  const wh = new Webhook(secret);

  it('verifies what the reference library signs', () => {
    const now = Math.floor(Date.now() / 1000);
    const signature = wh.sign('msg_ref', new Date(now * 1000), body.toString());
    const result = verify({
      headers: { id: 'msg_ref', timestamp: String(now), signature },
      body,
      keys: keysOf(secret),
      now,
    });
    expect(result.ok).toBe(true);
  });

  it('signs what the reference library verifies', () => {
    const now = Math.floor(Date.now() / 1000);
    const headers = signatureHeaders({
      id: 'msg_ours',
      timestamp: now,
      body,
      secrets: [generateSecret(), secret],
    });
    expect(wh.verify(body.toString(), headers)).toEqual(JSON.parse(body.toString()));
  });

  it('and the reference library rejects a tampered body we signed', () => {
    const now = Math.floor(Date.now() / 1000);
    const headers = signatureHeaders({ id: 'msg_ours', timestamp: now, body, secrets: secret });
    expect(() => wh.verify(body.toString().replace('1', '2'), headers)).toThrow();
  });
});

describe('legacy x-webhook-signature', () => {
  it('is hex HMAC-SHA256 of the body and checks in constant time', () => {
    const sig = legacySignature('s3cret', body);
    expect(sig).toMatch(/^[0-9a-f]{64}$/);
    expect(verifyLegacySignature('s3cret', body, sig)).toBe(true);
    expect(verifyLegacySignature('other', body, sig)).toBe(false);
    expect(verifyLegacySignature('s3cret', body, 'zz')).toBe(false);
  });
});
