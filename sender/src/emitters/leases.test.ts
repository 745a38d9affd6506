import { describe, expect, it } from 'vitest';
import { silentLogger } from '@hookpipe/lib';
import type { EmitterRow } from '../model/emitter.js';
import type { EmitterLeasesStore } from '../store/emitter-leases-store.js';
import { makeLeaseKeeper, type LeaseKeeper } from './leases.js';

/**
 * The leases table as migration 007 and emitter-leases-store.ts define it, in memory, with a clock
 * the test moves: what the keepers of several instances see of one database.
 */
function makeTable(ids: string[]) {
  let now = 0;
  const rows = new Map(
    ids.map((id) => [id, { id, status: 'running', owner: null as string | null, leaseUntil: 0 }]),
  );
  const emitter = (id: string, owner: string | null) =>
    ({ id, webhookId: `wh_${id}`, emitted: 0, owner }) as EmitterRow;
  const store: Pick<EmitterLeasesStore, 'acquire' | 'renew' | 'release'> = {
    acquire: (owner, leaseMs, limit, skip) => {
      const free = [...rows.values()].filter(
        (r) =>
          r.status === 'running' &&
          (r.owner === null || r.owner === owner || r.leaseUntil < now) &&
          !skip.includes(r.id),
      );
      return Promise.resolve(
        free.slice(0, Math.max(0, limit)).map((r) => {
          const previousOwner = r.owner;
          r.owner = owner;
          r.leaseUntil = now + leaseMs;
          return { emitter: emitter(r.id, owner), previousOwner };
        }),
      );
    },
    renew: (owner, ids, leaseMs) => {
      const renewed = new Set<string>();
      for (const id of ids) {
        const r = rows.get(id);
        if (r?.owner !== owner || r.status !== 'running') continue;
        r.leaseUntil = now + leaseMs;
        renewed.add(id);
      }
      return Promise.resolve(renewed);
    },
    release: (owner, ids) => {
      for (const id of ids) {
        const r = rows.get(id);
        if (r?.owner === owner) r.owner = null;
      }
      return Promise.resolve();
    },
  };
  return {
    store,
    rows,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

/** One instance: its keeper and the loops it runs (a set of ids). */
function makeInstance(table: ReturnType<typeof makeTable>, owner: string, maxRunning = 10) {
  const loops = new Set<string>();
  const events: string[] = [];
  const keeper: LeaseKeeper = makeLeaseKeeper({
    leases: table.store,
    owner,
    leaseMs: 9000,
    logger: silentLogger(),
    running: () => [...loops],
    room: () => maxRunning - loops.size,
    acquired: (e, previous) => {
      loops.add(e.id);
      events.push(`acquired ${e.id} from ${previous ?? 'nobody'}`);
    },
    lost: (id) => {
      loops.delete(id);
      events.push(`lost ${id}`);
    },
  });
  return { keeper, loops, events };
}

describe('emitter leases', () => {
  it('gives each running emitter to one instance, within each one’s room', async () => {
    const table = makeTable(['a', 'b', 'c']);
    const one = makeInstance(table, 'one', 2);
    const two = makeInstance(table, 'two', 2);
    expect(await one.keeper.round()).toBe(2);
    expect(await two.keeper.round()).toBe(1);
    expect(await one.keeper.round()).toBe(0);
    expect([...one.loops, ...two.loops].sort()).toEqual(['a', 'b', 'c']);
    expect([...one.loops].filter((id) => two.loops.has(id))).toEqual([]);
  });

  it('moves a dead instance’s emitters once its lease has run out, and the stale owner lets go', async () => {
    const table = makeTable(['a']);
    const one = makeInstance(table, 'one');
    const two = makeInstance(table, 'two');
    await one.keeper.round();
    table.advance(8000);
    expect(await two.keeper.round()).toBe(0); // the lease still holds
    table.advance(2000); // `one` stopped renewing: 10 s since its last round
    expect(await two.keeper.round()).toBe(1);
    expect(two.events).toEqual(['acquired a from one']);
    // `one` was only slow, not dead: its next round finds the lease gone and ends the loop.
    await one.keeper.round();
    expect(one.events).toEqual(['acquired a from nobody', 'lost a']);
    expect(one.loops.size).toBe(0);
    expect(table.rows.get('a')!.owner).toBe('two');
  });

  it('keeps a lease that is renewed every third of it', async () => {
    const table = makeTable(['a']);
    const one = makeInstance(table, 'one');
    const two = makeInstance(table, 'two');
    await one.keeper.round();
    for (let i = 0; i < 5; i++) {
      table.advance(3000);
      await one.keeper.round();
      expect(await two.keeper.round()).toBe(0);
    }
    expect(one.loops.has('a')).toBe(true);
  });

  it('ends the loop of an emitter stopped through another instance at the next renewal', async () => {
    const table = makeTable(['a']);
    const one = makeInstance(table, 'one');
    await one.keeper.round();
    table.rows.get('a')!.status = 'stopped';
    await one.keeper.round();
    expect(one.events).toEqual(['acquired a from nobody', 'lost a']);
  });

  it('hands released leases over at the next round, without waiting for them to run out', async () => {
    const table = makeTable(['a', 'b']);
    const one = makeInstance(table, 'one');
    const two = makeInstance(table, 'two');
    await one.keeper.round();
    await table.store.release('one', [...one.loops]);
    expect(await two.keeper.round()).toBe(2);
  });
});
