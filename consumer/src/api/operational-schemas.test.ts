import { describe, expect, it } from 'vitest';
import { ApiError, DEFAULT_ALLOWED_HOSTS, makeTargetPolicy } from '@hookpipe/lib';
import { checkEventTypes, makeOperationalBodies } from './operational-schemas.js';

describe('operational webhook fields', () => {
  it('takes the URLs its target allow-list takes, and nothing else', () => {
    const { CreateBody } = makeOperationalBodies(
      makeTargetPolicy(DEFAULT_ALLOWED_HOSTS, 'CONSUMER_ALLOWED_HOSTS'),
    );
    const url = (u: string) => CreateBody.safeParse({ url: u }).success;
    for (const ok of ['http://127.0.0.1:9000/ops', 'http://localhost', 'https://handler:8443/x?y=1']) {
      expect(url(ok), ok).toBe(true);
    }
    for (const bad of [
      'https://ops.example.com/hooks',
      'ftp://localhost/',
      'http://user:pw@localhost/',
      'http://LOCALHOST/',
      'http://localhost:65536/',
      'http://localhost/a b',
    ]) {
      expect(url(bad), bad).toBe(false);
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
