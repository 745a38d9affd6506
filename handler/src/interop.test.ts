import { describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { decodeSecret, generateSecret, sign, signatureHeaders, verify } from '@hookpipe/lib';
import { makeKeyring } from './keyring.js';
import { silentLogger } from '@hookpipe/lib';
import { verifyRequest } from './verify.js';

// Interop with the Standard Webhooks reference library, which nobody here wrote. It checks
// timestamps against the real clock, so these tests use the real clock too.
const body = JSON.stringify({
  type: 'invoice.paid',
  timestamp: new Date().toISOString(),
  data: { id: 'inv_1' },
});

describe('interop with the standardwebhooks package', () => {
  it('their signature verifies with our verify, and the handler finds the owning customer', async () => {
    const secret = generateSecret();
    const theirs = new Webhook(secret);
    const id = 'msg_interop_1';
    const at = new Date();
    const signature = theirs.sign(id, at, body);
    const ts = Math.floor(at.getTime() / 1000);

    const keyring = makeKeyring({
      load: () =>
        Promise.resolve([
          { id: '1', customerId: 'other', scheme: 'standard-webhooks', secret: generateSecret() },
          { id: '2', customerId: 'cust-interop', scheme: 'standard-webhooks', secret },
        ]),
      logger: silentLogger(),
      clock: Date.now,
    });
    await keyring.reload();
    const headers: Record<string, string> = {
      'webhook-id': id,
      'webhook-timestamp': String(ts),
      'webhook-signature': signature,
    };
    const result = verifyRequest({
      header: (name) => headers[name],
      body: Buffer.from(body),
      keysFor: (scheme) => keyring.entriesFor(scheme),
      nowSeconds: Math.floor(Date.now() / 1000),
      toleranceSeconds: 300,
      legacy: false,
    });
    expect(result).toMatchObject({ ok: true, scheme: 'standard-webhooks', messageId: id, timestamp: ts });
    expect(result.ok && result.entry.customerId).toBe('cust-interop');
  });

  it('their signature over other bytes does not verify with ours', () => {
    const secret = generateSecret();
    const at = new Date();
    const signature = new Webhook(secret).sign('msg_interop_2', at, body);
    const result = verify({
      headers: { id: 'msg_interop_2', timestamp: String(Math.floor(at.getTime() / 1000)), signature },
      body: Buffer.from(body + ' '),
      keys: [{ key: decodeSecret(secret)! }],
      now: Math.floor(Date.now() / 1000),
    });
    expect(result).toMatchObject({ ok: false, reason: 'no_matching_signature' });
  });

  it('our signature verifies with theirs, including a two-secret rotation header', () => {
    const [oldSecret, newSecret] = [generateSecret(), generateSecret()];
    const id = 'msg_interop_3';
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = signatureHeaders({ id, timestamp, body, secrets: [oldSecret, newSecret] });
    expect(new Webhook(oldSecret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(new Webhook(newSecret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(generateSecret()).verify(body, headers)).toThrow();
  });

  it('byte-for-byte: our v1 entry equals theirs for the same id, time and secret', () => {
    const secret = generateSecret();
    const at = new Date(1_900_000_000_000);
    const ours = sign({ id: 'msg_x', timestamp: Math.floor(at.getTime() / 1000), body, secrets: secret });
    expect(ours).toBe(new Webhook(secret).sign('msg_x', at, body));
  });
});
