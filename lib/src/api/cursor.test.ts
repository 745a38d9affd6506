import { describe, expect, it } from 'vitest';
import { defineCursor } from './cursor.js';

/** A list paged by a positive integer id. */
const idCursor = defineCursor<{ id: number }>({
  pattern: /^[1-9][0-9]{0,15}$/,
  example: '42',
  encode: (p) => String(p.id),
  decode: (text) => ({ id: Number(text) }),
});

describe('cursors', () => {
  it('round-trips a position through its text form', () => {
    const text = idCursor.encode({ id: 42 });
    expect(idCursor.param.parse(text)).toBe(text);
    expect(idCursor.decode(text)).toEqual({ id: 42 });
    expect(idCursor.param.parse(undefined)).toBeUndefined();
  });

  it.each([
    ['not digits', 'a+b/c'],
    ['a leading zero', '042'],
    ['too long', '1'.repeat(17)],
    ['empty', ''],
  ])('refuses a cursor that is %s, naming what it is not', (_what, text) => {
    const result = idCursor.param.safeParse(text);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe('is not a cursor this list returned');
  });
});
