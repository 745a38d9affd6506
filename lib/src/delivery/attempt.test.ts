import { describe, expect, it } from 'vitest';
import { httpError } from './attempt.js';

describe('last_error', () => {
  it('is the status and the first ~200 characters of the answer, whitespace folded', () => {
    expect(httpError(503, null)).toBe('HTTP 503');
    expect(httpError(400, '  bad\n\n  request\t')).toBe('HTTP 400: bad request');
    const long = httpError(500, 'x'.repeat(600));
    expect(long).toBe(`HTTP 500: ${'x'.repeat(200)}…`);
  });
});
