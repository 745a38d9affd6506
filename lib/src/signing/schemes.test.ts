import { sign as octokitSign, verify as octokitVerify } from '@octokit/webhooks-methods';
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import {
  generateSchemeSecret,
  parseStripeSignature,
  schemeKey,
  secretProblem,
  signRequest,
  stripeEventId,
  verifyGithub,
  verifyStripe,
  SIGNATURE_SCHEMES,
} from './index.js';

const NOW = 1_750_000_000;
const body = Buffer.from(
  '{"id":"evt_1","object":"event","type":"invoice.paid","data":{"object":{"id":"in_1"}}}',
);
const stripe = new Stripe('sk_test_unused');
const keyOf = (scheme: 'github' | 'stripe', secret: string, id = 0) => ({
  id,
  key: schemeKey(scheme, secret)!,
});

describe('secrets per scheme', () => {
  it('generates secrets each scheme accepts, and tells what is wrong with others', () => {
    for (const scheme of SIGNATURE_SCHEMES) {
      const secret = generateSchemeSecret(scheme);
      expect(secretProblem(scheme, secret)).toBeNull();
      expect(schemeKey(scheme, secret)).not.toBeNull();
    }
    expect(generateSchemeSecret('stripe')).toMatch(/^whsec_[0-9A-Za-z]{32}$/);
    expect(generateSchemeSecret('github')).toMatch(/^[0-9a-f]{64}$/);
    expect(secretProblem('standard-webhooks', 'plain-text-secret-123')).toMatch(/whsec_/);
    expect(secretProblem('github', 'short')).toMatch(/16-256 printable/);
    expect(secretProblem('stripe', 'a tab\tinside the secret')).toMatch(/printable ASCII/);
    expect(secretProblem('stripe', 'spaces are printable too')).toBeNull();
    expect(secretProblem('github', 'x'.repeat(257))).not.toBeNull();
    expect(secretProblem('github', 'x'.repeat(256))).toBeNull();
  });

  it('makes Stripe-shaped event ids, a new one each time', () => {
    const ids = new Set(Array.from({ length: 50 }, () => stripeEventId()));
    expect(ids.size).toBe(50);
    for (const id of ids) expect(id).toMatch(/^evt_[0-9A-Za-z]{24}$/);
  });
});

describe('github', () => {
  const secret = "It's a Secret to Everybody";

  it("matches GitHub's documented test vector", () => {
    // docs.github.com "Validating webhook deliveries", "Testing the webhook payload validation".
    const headers = signRequest({
      scheme: 'github',
      id: 'd1',
      timestamp: NOW,
      eventType: 'ping',
      body: 'Hello, World!',
      secrets: [secret],
    });
    expect(headers['X-Hub-Signature-256']).toBe(
      'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
    );
  });

  it('signs what @octokit/webhooks-methods verifies, and verifies what it signs', async () => {
    const headers = signRequest({
      scheme: 'github',
      id: '72d3162e-cc78-11e3-81ab-4c9367dc0958',
      timestamp: NOW,
      eventType: 'issues',
      body,
      secrets: [secret, 'an-older-secret-still-valid'],
    });
    expect(await octokitVerify(secret, body.toString(), headers['X-Hub-Signature-256']!)).toBe(true);
    expect(headers).toMatchObject({
      'X-GitHub-Event': 'issues',
      'X-GitHub-Delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
    });

    const theirs = await octokitSign(secret, body.toString());
    const result = verifyGithub({
      headers: { signature: theirs, event: 'issues', delivery: 'abc' },
      body,
      keys: [keyOf('github', 'someone-elses-secret!', 1), keyOf('github', secret, 2)],
    });
    expect(result).toMatchObject({ ok: true, key: { id: 2 }, id: 'abc', eventType: 'issues' });
  });

  it('refuses missing, malformed and wrong signatures with a reason', () => {
    const keys = [keyOf('github', secret)];
    expect(verifyGithub({ headers: { event: 'x', delivery: 'd' }, body, keys })).toMatchObject({
      ok: false,
      reason: 'missing_headers',
      message: expect.stringContaining('X-Hub-Signature-256'),
    });
    expect(
      verifyGithub({ headers: { signature: 'sha1=abc', event: 'x', delivery: 'd' }, body, keys }),
    ).toMatchObject({ ok: false, reason: 'malformed_headers' });
    expect(
      verifyGithub({
        headers: { signature: `sha256=${'0'.repeat(64)}`, event: 'x', delivery: 'd' },
        body,
        keys,
      }),
    ).toMatchObject({ ok: false, reason: 'no_matching_signature' });
    expect(
      verifyGithub({
        headers: { signature: `sha256=${'0'.repeat(64)}`, event: 'x', delivery: 'd e' },
        body,
        keys,
      }),
    ).toMatchObject({ ok: false, reason: 'malformed_headers' });
  });
});

describe('stripe', () => {
  const secret = 'whsec_test_secret_for_hookpipe_000';

  it('signs what the stripe library accepts, with one v1 per secret during a roll', () => {
    const old = 'whsec_the_older_secret_still_valid';
    const headers = signRequest({
      scheme: 'stripe',
      id: 'evt_1',
      timestamp: NOW,
      eventType: 'invoice.paid',
      body,
      secrets: [secret, old],
    });
    const header = headers['Stripe-Signature']!;
    expect(header).toMatch(/^t=1750000000,v1=[0-9a-f]{64},v1=[0-9a-f]{64}$/);
    for (const s of [secret, old]) {
      const event = stripe.webhooks.constructEvent(body, header, s, 300, undefined, NOW);
      expect(event.id).toBe('evt_1');
    }
    expect(() =>
      stripe.webhooks.constructEvent(body, header, 'whsec_not_this_one_000000000', 300, undefined, NOW),
    ).toThrow();
  });

  it("verifies the stripe library's test header, and checks the tolerance on t both ways", () => {
    const header = stripe.webhooks.generateTestHeaderString({
      payload: body.toString(),
      secret,
      timestamp: NOW,
    });
    const keys = [keyOf('stripe', 'whsec_someone_elses_secret_0000', 1), keyOf('stripe', secret, 2)];
    expect(verifyStripe({ header, body, keys, now: NOW + 300 })).toMatchObject({
      ok: true,
      key: { id: 2 },
      timestamp: NOW,
    });
    expect(verifyStripe({ header, body, keys, now: NOW + 301 })).toMatchObject({
      ok: false,
      reason: 'timestamp_too_old',
    });
    expect(verifyStripe({ header, body, keys, now: NOW - 301 })).toMatchObject({
      ok: false,
      reason: 'timestamp_in_future',
    });
    expect(verifyStripe({ header, body, keys, now: NOW + 1000, toleranceSeconds: 1000 })).toMatchObject({
      ok: true,
    });
    expect(verifyStripe({ header, body: Buffer.from(`${body.toString()} `), keys, now: NOW })).toMatchObject({
      ok: false,
      reason: 'no_matching_signature',
    });
  });

  it('reads t and v1 entries, ignores other schemes, refuses a header without them', () => {
    const parsed = parseStripeSignature(`t=12,v0=${'a'.repeat(64)},v1=${'b'.repeat(64)},v1=short`);
    expect(parsed.timestamp).toBe('12');
    expect(parsed.v1.map((b) => b.toString('hex'))).toEqual(['b'.repeat(64)]);
    const keys = [keyOf('stripe', secret)];
    expect(verifyStripe({ header: undefined, body, keys, now: NOW })).toMatchObject({
      reason: 'missing_headers',
    });
    expect(verifyStripe({ header: `v1=${'b'.repeat(64)}`, body, keys, now: NOW })).toMatchObject({
      reason: 'malformed_headers',
    });
    expect(verifyStripe({ header: `t=${NOW},v0=${'b'.repeat(64)}`, body, keys, now: NOW })).toMatchObject({
      reason: 'malformed_headers',
    });
    expect(verifyStripe({ header: `t=soon,v1=${'b'.repeat(64)}`, body, keys, now: NOW })).toMatchObject({
      reason: 'malformed_headers',
    });
  });
});
