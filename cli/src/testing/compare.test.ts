import { describe, expect, it } from 'vitest';
import type { DeliveryRow } from '../scenario/measures.js';
import { compareStored, summarize } from './compare.js';

const row = (message_id: string, status: string, fault: string | null = null): DeliveryRow => ({
  delivery_id: `dl_${message_id}_${fault ?? 'normal'}`,
  message_id,
  fault,
  status,
  attempts: 1,
  last_status_code: status === 'delivered' ? 204 : null,
  last_error: null,
  created_at: '2026-01-01T00:00:00Z',
  finished_at: null,
});

describe('summarize', () => {
  it('counts distinct delivered message ids and what is not final', () => {
    const d = summarize([
      row('m1', 'delivered'),
      row('m1', 'delivered', 'duplicate_id'),
      row('m2', 'pending'),
      row('m3', 'held'),
      row('m4', 'rejected', 'bad_signature'),
      row('m5', 'failed'),
    ]);
    expect(d.delivered).toEqual(['m1']);
    expect(d.pending).toBe(2);
    expect(d.rows).toHaveLength(6);
  });
});

describe('compareStored', () => {
  const rows = [
    row('m1', 'delivered'),
    row('m2', 'delivered'),
    row('m3', 'pending'),
    row('m4', 'rejected', 'bad_signature'),
    row('m5', 'failed'),
  ];

  it('is ok when every delivered id is stored once (a pending or given-up one stored too)', () => {
    expect(compareStored(rows, ['m1', 'm2', 'm3', 'm5'])).toEqual({
      ok: true,
      delivered: 2,
      missing: [],
      duplicated: [],
      unexpected: [],
      pending: 1,
    });
  });

  it('finds what is missing, stored twice, or never meant to be stored', () => {
    const r = compareStored(rows, ['m1', 'm1', 'm4', 'm9']);
    expect(r).toMatchObject({ ok: false, missing: ['m2'], duplicated: ['m1'] });
    expect(r.unexpected.sort()).toEqual(['m4', 'm9']);
  });
});
