import { describe, expect, it } from 'vitest';
import { silentLogger } from '@hookpipe/lib';
import { makeApiApp, makeApiErrorHandler, setIdentity } from '@hookpipe/lib/api';
import { registerDeadLetterPurgeRoutes } from './dead-letter-purge-routes.js';
import type { DeadLetterFilter } from '../store/dead-letters-store.js';

const json = { 'Content-Type': 'application/json' };

/** The purge routes over an in-memory table of dead letters (id → webhook id). */
function makeApp(rows: Record<number, string> = { 1: 'msg_1', 2: 'msg_2', 3: 'msg_3' }) {
  const calls: { filters: [DeadLetterFilter, number][]; purged: number[][] } = { filters: [], purged: [] };
  const app = makeApiApp();
  // The routes alone: the caller is taken for an admin, as the host app's key check would set.
  app.use(async (c, next) => {
    setIdentity(c, { id: null, name: 'test', scopes: ['admin'] });
    await next();
  });
  registerDeadLetterPurgeRoutes(app, {
    replayMax: 5,
    logger: silentLogger(),
    deadLetterPurge: {
      deadLetterIds: (filter, limit) => {
        calls.filters.push([filter, limit]);
        return Promise.resolve(Object.keys(rows).map(Number).slice(0, limit));
      },
      purgeDeadLetters: (ids) => {
        calls.purged.push([...ids]);
        const gone = ids
          .filter((id) => rows[id] !== undefined)
          .map((id) => ({ id, webhook_id: rows[id]! }))
          .sort((a, b) => a.id - b.id);
        for (const g of gone) delete rows[g.id];
        return Promise.resolve(gone);
      },
    },
  });
  app.onError(makeApiErrorHandler(silentLogger()));
  return { app, calls, rows };
}

describe('dead-letter purge routes', () => {
  it('DELETE /dead-letters/{id}: 204 once, then 404', async () => {
    const { app, rows } = makeApp();
    expect((await app.request('/dead-letters/2', { method: 'DELETE' })).status).toBe(204);
    expect(rows).toEqual({ 1: 'msg_1', 3: 'msg_3' });
    const again = await app.request('/dead-letters/2', { method: 'DELETE' });
    expect(again.status).toBe(404);
    expect(await again.json()).toMatchObject({ error: 'dead_letter_not_found' });
  });

  it('POST /dead-letters/purge by ids: purged and not-found ids', async () => {
    const { app, calls } = makeApp();
    const res = await app.request('/dead-letters/purge', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ ids: [3, 9, 1, 3] }),
    });
    expect(res.status).toBe(200);
    expect(calls.purged).toEqual([[3, 9, 1]]);
    expect(await res.json()).toEqual({
      purged: [
        { id: 1, webhook_id: 'msg_1' },
        { id: 3, webhook_id: 'msg_3' },
      ],
      skipped: [{ id: 9, reason: 'not_found' }],
    });
  });

  it('POST /dead-letters/purge by filter: open ones by default, bounded by the limit', async () => {
    const { app, calls } = makeApp();
    const res = await app.request('/dead-letters/purge', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ filter: { customer_id: 'acme', until: '2025-01-01T00:00:00Z' }, limit: 2 }),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { purged: unknown[] }).purged).toHaveLength(2);
    const [filter, limit] = calls.filters[0]!;
    expect(limit).toBe(2);
    expect(filter).toMatchObject({ customerId: 'acme', status: 'open' });
    expect(filter.until?.toISOString()).toBe('2025-01-01T00:00:00.000Z');

    await app.request('/dead-letters/purge', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ filter: { status: 'replayed' } }),
    });
    expect(calls.filters[1]).toEqual([expect.objectContaining({ status: 'replayed' }), 5]);
  });

  it.each([
    [{}, 'give exactly one of ids or filter'],
    [{ ids: [1], filter: {} }, 'give exactly one of ids or filter'],
    [{ ids: [] }, 'ids'],
    [{ ids: [1, 2, 3, 4, 5, 6] }, 'ids'],
    [{ filter: { status: 'gone' } }, 'status'],
    [{ filter: { webhook: 'x' } }, 'filter'],
    [{ filter: {}, limit: 6 }, 'limit'],
  ])('rejects the body %j (400 naming %s) and deletes nothing', async (body, mention) => {
    const { app, calls } = makeApp();
    const res = await app.request('/dead-letters/purge', {
      method: 'POST',
      headers: json,
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(400);
    const answer = (await res.json()) as { error: string; message: string };
    expect(answer.error).toBe('validation_failed');
    expect(answer.message).toContain(mention);
    expect(calls.purged).toEqual([]);
  });
});
