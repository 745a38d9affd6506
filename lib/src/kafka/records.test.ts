import { describe, expect, it } from 'vitest';
import { chunkBySize, recordSize } from './records.js';

describe('recordSize', () => {
  it('sizes a record by its bytes', () => {
    const record = { key: 'acme', value: Buffer.from('{}'), headers: { 'webhook-id': 'msg_1' } };
    expect(recordSize(record)).toBeGreaterThan(record.value.length);
  });

  it('counts a header name once per value: each of an array, none for an empty one, once when unset', () => {
    const headers = { ab: ['c', 'de'], none: [], unset: undefined, buf: Buffer.from('xyz') };
    // 'k' + 'v', then ab+c, ab+de, 'unset' alone, buf+xyz
    expect(recordSize({ key: 'k', value: 'v', headers })).toBe(2 + 3 + 4 + 5 + 6);
    expect(recordSize({ key: null, value: null })).toBe(0);
  });
});

describe('chunkBySize', () => {
  const sized = (n: number) => ({ topic: 'dlq', key: null, value: Buffer.alloc(n), headers: { h: 'xy' } });

  it('counts key, value and headers', () => {
    expect(recordSize({ key: Buffer.from('kk'), value: Buffer.alloc(10), headers: { ab: 'cde' } })).toBe(17);
  });

  it('keeps order and never puts more than the limit in one chunk (a bigger record goes alone)', () => {
    const chunks = chunkBySize([sized(40), sized(40), sized(40), sized(200), sized(10)], 100);
    expect(chunks.map((c) => c.map((r) => r.value?.length))).toEqual([[40, 40], [40], [200], [10]]);
  });
});
