import { describe, expect, it } from 'vitest';
import { DEFAULT_ALLOWED_HOSTS, makeTargetPolicy } from './targets.js';

/*
 * The URL pattern is published in the OpenAPI document, so a client (or a fuzzer) may send any
 * URL it admits: each of those must pass `check`. Samples: every combination of pieces that are
 * fine, and pieces that come close to what the URL parser rewrites or refuses.
 */

const SCHEMES = ['http://', 'https://', 'HTTP://', 'ftp://', 'http:/'];
const HOSTS = [
  'localhost',
  'LOCALHOST',
  'nginx',
  '127.0.0.1',
  '127.1',
  '0x7f.0.0.1',
  '256.1.1.1',
  '[::1]',
  '[0:0:0:0:0:0:0:1]',
  'user:pw@localhost',
  '@localhost',
  'a.example.test',
  'a.b.example.test',
  'xn--nxasmq6b.example.test',
  'example.test',
  'x_y-z.example.test',
  '1.example.test',
  'example.test.evil',
  'handler.',
  'anything.test',
  '10.0.0.1',
];
const PORTS = ['', ':80', ':1', ':8081', ':65535', ':0', ':080', ':65536', ':'];
const PATHS = [
  '',
  '/',
  '/webhook',
  '/a?b=c',
  '?q=1',
  '/@evil.test',
  '/\\evil',
  '/%zz',
  '/#frag',
  '/ü',
  '/a b',
];

const POLICIES = [
  DEFAULT_ALLOWED_HOSTS,
  ['*.example.test', 'localhost'],
  ['*'],
  ['LocalHost', '[::1]'],
  ['xn--nxasmq6b.example.test'],
];

describe('the URL pattern of the target allow-list', () => {
  it.each(POLICIES.map((allowed) => [allowed.join(',')]))(
    'admits only URLs that check() takes (%s)',
    (list) => {
      const policy = makeTargetPolicy(list.split(','), 'X_ALLOWED_HOSTS');
      let admitted = 0;
      for (const scheme of SCHEMES) {
        for (const host of HOSTS) {
          for (const port of PORTS) {
            for (const path of PATHS) {
              const url = `${scheme}${host}${port}${path}`;
              if (!policy.urlPattern.test(url)) continue;
              admitted += 1;
              expect(policy.check(url), url).toMatchObject({ ok: true });
            }
          }
        }
      }
      // Not a vacuous pass: each list admits some of the samples.
      expect(admitted).toBeGreaterThan(50);
    },
  );

  it('admits the usual URLs of the default list, and none with credentials or other hosts', () => {
    const { urlPattern } = makeTargetPolicy(DEFAULT_ALLOWED_HOSTS, 'X_ALLOWED_HOSTS');
    for (const url of ['http://localhost:8081/webhook', 'https://handler:8443/', 'http://[::1]:9/x?y=1']) {
      expect(urlPattern.test(url), url).toBe(true);
    }
    for (const url of [
      'http://user:pw@localhost/',
      'http://example.com/',
      'http://LOCALHOST/',
      'ftp://nginx/',
    ]) {
      expect(urlPattern.test(url), url).toBe(false);
    }
  });

  it('is a pattern without flags that a Unicode-mode (JSON Schema) engine compiles', () => {
    for (const allowed of POLICIES) {
      const { urlPattern } = makeTargetPolicy(allowed, 'X_ALLOWED_HOSTS');
      expect(urlPattern.flags).toBe('');
      expect(() => new RegExp(urlPattern.source, 'u')).not.toThrow();
    }
  });

  it('admits nothing when no entry can be written as a host', () => {
    const { urlPattern } = makeTargetPolicy(['exa mple'], 'X_ALLOWED_HOSTS');
    expect(urlPattern.test('http://exa mple/')).toBe(false);
  });
});

describe('the target allow-list', () => {
  const policy = makeTargetPolicy(DEFAULT_ALLOWED_HOSTS, 'SENDER_ALLOWED_HOSTS');
  it('lets loopback and the compose names through', () => {
    for (const url of [
      'http://localhost:8081/webhook',
      'http://127.0.0.1:9/x',
      'http://[::1]:8081/webhook',
      'http://nginx/webhook',
      'https://handler:8443/',
    ]) {
      expect(policy.check(url).ok, url).toBe(true);
    }
  });

  it('refuses other hosts, other schemes and credentials', () => {
    for (const url of [
      'http://example.com/hook',
      'http://localhost.evil.test/',
      'http://10.0.0.1/',
      'ftp://localhost/',
      'http://user:pw@localhost/',
      'not a url',
    ]) {
      expect(policy.check(url).ok, url).toBe(false);
    }
  });

  it('knows wildcards', () => {
    expect(makeTargetPolicy(['*.example.test'], 'X_ALLOWED_HOSTS').check('http://a.example.test/').ok).toBe(
      true,
    );
    expect(makeTargetPolicy(['*.example.test'], 'X_ALLOWED_HOSTS').check('http://example.test/').ok).toBe(
      false,
    );
    expect(makeTargetPolicy(['*'], 'X_ALLOWED_HOSTS').check('http://anything.test/').ok).toBe(true);
  });

  it('names the field and the variable when it refuses', () => {
    const policy = makeTargetPolicy(['localhost'], 'CONSUMER_ALLOWED_HOSTS');
    expect(policy.check('http://example.com/', 'url')).toEqual({
      ok: false,
      message: 'url host "example.com" is not in the allow-list (CONSUMER_ALLOWED_HOSTS: localhost)',
    });
    expect(policy.check('nope', 'webhook_url')).toEqual({
      ok: false,
      message: 'webhook_url is not a valid absolute URL',
    });
  });
});
