import { describe, expect, it } from 'vitest';
import { ApiError } from '@hookpipe/lib';
import { OPERATIONAL_URL_PATTERN, checkEventTypes } from './operational-schemas.js';

describe('operational webhook fields', () => {
  it('takes http(s) URLs the URL parser keeps as written, and nothing else', () => {
    for (const url of [
      'http://127.0.0.1:9000/ops',
      'https://ops.example.com/hooks?x=1',
      'http://localhost',
      'http://a-b_c.d:65535',
    ]) {
      expect(OPERATIONAL_URL_PATTERN.test(url), url).toBe(true);
      expect(new URL(url).href.startsWith(url), url).toBe(true);
    }
    for (const url of [
      'ftp://x.test/',
      'http://user:pw@x.test/',
      'http://X.test/',
      'http://1.2.3.999/',
      'http://x.test:65536/',
      'http://xn--nxasmq6b.test/',
      'http://x.test/a b',
    ]) {
      expect(OPERATIONAL_URL_PATTERN.test(url), url).toBe(false);
    }
  });

  it('an unknown event type is a 422 naming the field and the allowed values', () => {
    expect(checkEventTypes(['*', 'dead_letter.created', '*'])).toEqual(['*', 'dead_letter.created']);
    let err: unknown;
    try {
      checkEventTypes(['dead_letter.created', 'endpoint.disabled']);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({
      status: 422,
      code: 'validation_failed',
      details: [
        {
          location: 'body',
          field: 'event_types.1',
          message: 'unknown event type; allowed: dead_letter.created, dead_letter.replayed, *',
        },
      ],
    });
  });
});
