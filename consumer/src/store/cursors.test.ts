import { describe, expect, it } from 'vitest';
import { deadLetterCursor, eventCursor } from './cursors.js';

const accepts = (param: typeof eventCursor.param, text: string) => param.safeParse(text).success;

describe('cursors', () => {
  it('round-trips an event cursor, a webhook id with dots included', () => {
    const c = { micros: '1735689600123456', id: 'msg.with.dots' };
    const s = eventCursor.encode(c);
    expect(accepts(eventCursor.param, s)).toBe(true);
    expect(eventCursor.decode(s)).toEqual(c);
  });

  it('round-trips a dead-letter cursor', () => {
    expect(deadLetterCursor.decode(deadLetterCursor.encode({ id: 42 }))).toEqual({ id: 42 });
  });

  it.each([
    ['no id', '1735689600000000.'],
    ['no time', '.msg_1'],
    ['a time of 17 digits', '12345678901234567.msg_1'],
    ['a space in the id', '1.msg 1'],
    ['an id of 256 characters', `1.${'x'.repeat(256)}`],
  ])('refuses an event cursor with %s', (_n, s) => {
    expect(accepts(eventCursor.param, s)).toBe(false);
  });

  it.each([
    ['a zero', '0'],
    ['a sign', '-1'],
    ['a fraction', '1.5'],
    ['17 digits', '12345678901234567'],
  ])('refuses a dead-letter cursor with %s', (_n, s) => {
    expect(accepts(deadLetterCursor.param, s)).toBe(false);
  });
});
