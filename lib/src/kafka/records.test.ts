import { describe, expect, it } from 'vitest';
import { chunkBySize, recordSize } from './records.js';

describe('recordSize', () => {
  it('sizes a record by its bytes', () => {
    const record = { key: 'acme', value: Buffer.from('{}'), headers: { 'webhook-id': 'msg_1' } };
    expect(recordSize(record)).toBeGreaterThan(record.value.length);
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
