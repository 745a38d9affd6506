import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_ALLOWED_HOSTS, generateSecret } from '@hookpipe/lib';
import { parseConfig, secretKeyBytes } from './config.js';
import { makeSecretBox } from './secrets.js';

const minimal = { SENDER_DATABASE_URL: 'postgres://x@127.0.0.1/db', SENDER_API_KEY: 'k'.repeat(16) };

describe('config', () => {
  it('has defaults for everything but the database and the API key', () => {
    const c = parseConfig(minimal);
    expect(c).toMatchObject({
      SENDER_PORT: 8080,
      SENDER_API_KEY: ['k'.repeat(16)],
      SENDER_DELIVERY_TIMEOUT_MS: 15_000,
      SENDER_DISABLE_AFTER_S: 3600,
      SENDER_EMITTER_RATE: 0.2,
      SENDER_ALLOWED_HOSTS: DEFAULT_ALLOWED_HOSTS,
    });
  });

  it('names each missing or bad variable', () => {
    const fail = (env: Record<string, string>) => {
      try {
        parseConfig(env);
      } catch (err) {
        if (err instanceof ConfigError) return err.issues.map((i) => i.variable);
        throw err;
      }
      throw new Error('expected a ConfigError');
    };
    expect(fail({})).toEqual(expect.arrayContaining(['SENDER_DATABASE_URL', 'SENDER_API_KEY']));
    expect(fail({ ...minimal, SENDER_API_KEY: 'short' })).toContain('SENDER_API_KEY');
    expect(fail({ ...minimal, SENDER_LEASE_MS: '10000' })).toContain('SENDER_LEASE_MS');
    expect(fail({ ...minimal, SENDER_BACKOFF_CAP_MS: '10', SENDER_BACKOFF_BASE_MS: '100' })).toContain(
      'SENDER_BACKOFF_CAP_MS',
    );
    expect(fail({ ...minimal, SENDER_SECRET_KEY: 'abc' })).toContain('SENDER_SECRET_KEY');
  });

  it('takes the linked-secret settings all together or not at all, naming the missing ones', () => {
    const linked = {
      SENDER_RECEIVER_API_URL: 'http://127.0.0.1:8082',
      SENDER_RECEIVER_API_KEY: 'r'.repeat(24),
      SENDER_LINKED_INGRESS_URLS: 'http://127.0.0.1:8081, http://127.0.0.1:9001',
    };
    expect(parseConfig({ ...minimal, ...linked }).SENDER_LINKED_INGRESS_URLS).toEqual([
      'http://127.0.0.1:8081',
      'http://127.0.0.1:9001',
    ]);
    try {
      parseConfig({ ...minimal, SENDER_RECEIVER_API_URL: linked.SENDER_RECEIVER_API_URL });
      throw new Error('expected a ConfigError');
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      expect(err.issues.map((i) => i.variable).sort()).toEqual([
        'SENDER_LINKED_INGRESS_URLS',
        'SENDER_RECEIVER_API_KEY',
      ]);
      expect(err.message).toMatch(/SENDER_RECEIVER_API_KEY: required with SENDER_RECEIVER_API_URL/);
    }
    expect(() => parseConfig({ ...minimal, ...linked, SENDER_LINKED_INGRESS_URLS: 'nginx:8081' })).toThrow(
      /SENDER_LINKED_INGRESS_URLS/,
    );
  });

  it('takes several API keys, comma-separated', () => {
    const keys = parseConfig({
      ...minimal,
      SENDER_API_KEY: `${'a'.repeat(16)}, ${'b'.repeat(16)}`,
    }).SENDER_API_KEY;
    expect(keys).toEqual(['a'.repeat(16), 'b'.repeat(16)]);
  });

  it('reads the secret key as hex or base64', () => {
    expect(secretKeyBytes('ab'.repeat(32))?.length).toBe(32);
    expect(secretKeyBytes(Buffer.alloc(32, 1).toString('base64'))?.length).toBe(32);
    expect(secretKeyBytes(Buffer.alloc(16, 1).toString('base64'))).toBeNull();
  });
});

describe('secrets at rest', () => {
  it('seals and opens with the key; the sealed form does not contain the secret', () => {
    const box = makeSecretBox(Buffer.alloc(32, 9));
    const secret = generateSecret();
    const sealed = box.seal(secret);
    expect(sealed).toMatch(/^sealed1:/);
    expect(sealed).not.toContain(secret.slice(6));
    expect(box.open(sealed)).toBe(secret);
  });

  it('refuses a sealed secret under another key, and without one', () => {
    const sealed = makeSecretBox(Buffer.alloc(32, 9)).seal(generateSecret());
    expect(() => makeSecretBox(Buffer.alloc(32, 8)).open(sealed)).toThrow();
    expect(() => makeSecretBox(null).open(sealed)).toThrow(/SENDER_SECRET_KEY/);
  });

  it('stores the secret as is without a key', () => {
    const secret = generateSecret();
    expect(makeSecretBox(null).seal(secret)).toBe(secret);
  });
});
