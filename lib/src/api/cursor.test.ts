import { describe, expect, it } from 'vitest';
import { ApiError } from '../http.js';
import { cursorFromQuery, decodeCursor, encodeCursor } from './cursor.js';

/** A list's own decoder: a positive integer id. */
const readId = (f: Record<string, unknown>) =>
  typeof f.id === 'number' && Number.isSafeInteger(f.id) && f.id > 0 ? { id: f.id } : null;

describe('cursors', () => {
  it('round-trips a position through an opaque URL-safe string', () => {
    const cursor = encodeCursor({ t: '2025-01-01T00:00:00.123456Z', id: 'msg_1/+?' });
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor, (f) => f)).toEqual({ t: '2025-01-01T00:00:00.123456Z', id: 'msg_1/+?' });
    expect(cursorFromQuery(encodeCursor({ id: 42 }), readId)).toEqual({ id: 42 });
    expect(cursorFromQuery(undefined, readId)).toBeUndefined();
  });

  it.each([
    ['not base64url', 'a+b/c'],
    ['not JSON', Buffer.from('{nope').toString('base64url')],
    ['an array', Buffer.from('[1]').toString('base64url')],
    ['a JSON string', Buffer.from('"x"').toString('base64url')],
    ['the wrong shape for this list', encodeCursor({ id: '3' })],
    ['too long', 'a'.repeat(2000)],
  ])('rejects a cursor that is %s: null, or 400 invalid_cursor from the query', (_what, cursor) => {
    expect(decodeCursor(cursor, readId)).toBeNull();
    let thrown: unknown;
    try {
      cursorFromQuery(cursor, readId);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ApiError);
    expect(thrown).toMatchObject({ status: 400, code: 'invalid_cursor' });
  });
});
