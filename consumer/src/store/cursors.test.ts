import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from '@hookpipe/lib/api';
import { readDeadLetterCursor, readEventCursor } from './cursors.js';

const decodeEventCursor = (cursor: string) => decodeCursor(cursor, readEventCursor);
const decodeDeadLetterCursor = (cursor: string) => decodeCursor(cursor, readDeadLetterCursor);

describe('cursors', () => {
  it('round-trips an event cursor', () => {
    const c = { t: '2025-01-01T00:00:00.123456Z', id: 'msg_1' };
    const s = encodeCursor(c);
    expect(s).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeEventCursor(s)).toEqual(c);
  });

  it('round-trips a dead-letter cursor', () => {
    expect(decodeDeadLetterCursor(encodeCursor({ id: 42 }))).toEqual({ id: 42 });
  });

  it.each([
    ['not base64url', 'a+b/c'],
    ['not JSON', Buffer.from('{nope').toString('base64url')],
    ['wrong shape', encodeCursor({ id: 3 })],
    ['a bad timestamp', Buffer.from(JSON.stringify({ t: '2025-01-01', id: 'x' })).toString('base64url')],
    [
      'an empty id',
      Buffer.from(JSON.stringify({ t: '2025-01-01T00:00:00.000000Z', id: '' })).toString('base64url'),
    ],
    ['too long', 'a'.repeat(2000)],
  ])('rejects an event cursor that is %s', (_n, s) => {
    expect(decodeEventCursor(s)).toBeNull();
  });

  it.each([
    ['a string id', Buffer.from(JSON.stringify({ id: '3' })).toString('base64url')],
    ['a negative id', encodeCursor({ id: -1 })],
    ['a fractional id', Buffer.from(JSON.stringify({ id: 1.5 })).toString('base64url')],
    ['an array', Buffer.from('[1]').toString('base64url')],
  ])('rejects a dead-letter cursor with %s', (_n, s) => {
    expect(decodeDeadLetterCursor(s)).toBeNull();
  });
});
