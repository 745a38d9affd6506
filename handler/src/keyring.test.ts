import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { makeLogger, generateSecret, signatureHeaders } from '@hookpipe/lib';
import { makeKeyring, type SecretRow } from './keyring.js';
import { verifyRequest } from './verify.js';

function memoryStore(initial: SecretRow[]) {
  const store = { rows: [...initial], down: false, loads: 0 };
  const load = () => {
    store.loads += 1;
    return store.down ? Promise.reject(new Error('connect ECONNREFUSED')) : Promise.resolve([...store.rows]);
  };
  return { store, load };
}

function capturingLogger() {
  const lines: { level: string; msg: string }[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        lines.push(JSON.parse(line) as { level: string; msg: string });
      }
      done();
    },
  });
  return { lines, logger: makeLogger('handler-test', { level: 'debug', destination }) };
}

const s1 = generateSecret();
const s2 = generateSecret();
const body = '{"type":"a","timestamp":"t","data":{}}';
const verifyWith = (keys: ReturnType<ReturnType<typeof makeKeyring>['entries']>, secret: string) => {
  const headers = signatureHeaders({ id: 'msg_k', timestamp: 1000, body, secrets: secret });
  return verifyRequest({
    header: (n) => headers[n],
    body: Buffer.from(body),
    keysFor: () => keys,
    nowSeconds: 1000,
    toleranceSeconds: 300,
    legacy: false,
  });
};

describe('keyring', () => {
  it('is not loaded until a load succeeds, then serves decoded keys with their customers', async () => {
    const { store, load } = memoryStore([
      { id: '1', customerId: 'acme', scheme: 'standard-webhooks', secret: s1 },
    ]);
    store.down = true;
    const keyring = makeKeyring({ load, logger: capturingLogger().logger, clock: () => 5 });
    expect(await keyring.reload()).toBe(false);
    expect(keyring.isLoaded()).toBe(false);
    store.down = false;
    expect(await keyring.reload()).toBe(true);
    expect(keyring.isLoaded()).toBe(true);
    expect(keyring.loadedAt()).toBe(5);
    expect(keyring.entries()).toHaveLength(1);
    expect(keyring.entries()[0]).toMatchObject({ id: '1', customerId: 'acme' });
    expect(Buffer.isBuffer(keyring.entries()[0]!.key)).toBe(true);
  });

  it('rotation: a second secret is accepted next to the first; a removed one is refused after reload', async () => {
    const { store, load } = memoryStore([
      { id: '1', customerId: 'acme', scheme: 'standard-webhooks', secret: s1 },
    ]);
    const keyring = makeKeyring({ load, logger: capturingLogger().logger, clock: Date.now });
    await keyring.reload();
    expect(verifyWith(keyring.entries(), s2).ok).toBe(false);
    store.rows.push({ id: '2', customerId: 'acme', scheme: 'standard-webhooks', secret: s2 });
    await keyring.reload();
    expect(verifyWith(keyring.entries(), s1)).toMatchObject({ ok: true });
    expect(verifyWith(keyring.entries(), s2)).toMatchObject({ ok: true });
    store.rows = store.rows.filter((r) => r.id !== '1');
    await keyring.reload();
    expect(verifyWith(keyring.entries(), s1)).toMatchObject({ ok: false, reason: 'no_matching_signature' });
    expect(verifyWith(keyring.entries(), s2)).toMatchObject({ ok: true });
  });

  it('keeps the last good keys while the store is down, and logs the outage once', async () => {
    const { store, load } = memoryStore([
      { id: '1', customerId: 'acme', scheme: 'standard-webhooks', secret: s1 },
    ]);
    const { lines, logger } = capturingLogger();
    const keyring = makeKeyring({ load, logger, clock: Date.now });
    await keyring.reload();
    store.down = true;
    for (let i = 0; i < 5; i++) expect(await keyring.reload()).toBe(false);
    expect(keyring.isStale()).toBe(true);
    expect(verifyWith(keyring.entries(), s1)).toMatchObject({ ok: true });
    expect(lines.filter((l) => l.level === 'warn' && /reload failed/.test(l.msg))).toHaveLength(1);
    store.down = false;
    expect(await keyring.reload()).toBe(true);
    expect(keyring.isStale()).toBe(false);
    expect(lines.filter((l) => /source is back/.test(l.msg))).toHaveLength(1);
  });

  it('reuses decoded entries when nothing changed, and never logs a secret', async () => {
    const { load } = memoryStore([{ id: '1', customerId: 'acme', scheme: 'standard-webhooks', secret: s1 }]);
    const { lines, logger } = capturingLogger();
    const changes: number[] = [];
    const keyring = makeKeyring({ load, logger, clock: Date.now, onChange: (size) => changes.push(size) });
    await keyring.reload();
    const first = keyring.entries();
    await keyring.reload();
    expect(keyring.entries()).toBe(first);
    expect(changes).toEqual([1]);
    expect(JSON.stringify(lines)).not.toContain(s1.slice(6));
  });

  it('skips a malformed secret (warning once) and keeps the good ones', async () => {
    const { load } = memoryStore([
      { id: '1', customerId: 'acme', scheme: 'standard-webhooks', secret: 'not-a-whsec' },
      { id: '2', customerId: 'acme', scheme: 'standard-webhooks', secret: s2 },
    ]);
    const { lines, logger } = capturingLogger();
    const keyring = makeKeyring({ load, logger, clock: Date.now });
    await keyring.reload();
    await keyring.reload();
    expect(keyring.entries().map((e) => e.id)).toEqual(['2']);
    expect(lines.filter((l) => /does not fit its signature scheme/.test(l.msg))).toHaveLength(1);
    expect(JSON.stringify(lines)).not.toContain('not-a-whsec');
  });

  it('folds reloads asked during a load into one more load, so a mid-load change is not missed', async () => {
    const rows: SecretRow[] = [{ id: '1', customerId: 'acme', scheme: 'standard-webhooks', secret: s1 }];
    let release: (() => void) | undefined;
    let loads = 0;
    const load = async () => {
      loads += 1;
      const snapshot = [...rows];
      if (loads === 1) await new Promise<void>((r) => (release = r));
      return snapshot;
    };
    const keyring = makeKeyring({ load, logger: capturingLogger().logger, clock: Date.now });
    const first = keyring.reload();
    rows.push({ id: '2', customerId: 'acme', scheme: 'standard-webhooks', secret: s2 }); // changed after the first load read
    const second = keyring.reload();
    const third = keyring.reload();
    release!();
    await Promise.all([first, second, third]);
    expect(loads).toBe(2);
    expect(keyring.entries().map((e) => e.id)).toEqual(['1', '2']);
  });

  it('reads only what changed after a full load, and a full load again when told of a reset or when due', async () => {
    const table = new Map<string, SecretRow>([
      ['1', { id: '1', customerId: 'acme', scheme: 'standard-webhooks', secret: s1 }],
    ]);
    let pos = 0;
    const journal: { at: number; row?: SecretRow; removed?: string }[] = [];
    const calls: string[] = [];
    const now = { ms: 0 };
    const keyring = makeKeyring({
      load: () => {
        calls.push('full');
        return Promise.resolve({ rows: [...table.values()], position: String(pos) });
      },
      changes: (from) => {
        calls.push(`changes@${from}`);
        const since = journal.filter((j) => j.at >= Number(from));
        return Promise.resolve({
          rows: since.flatMap((j) => (j.row ? [j.row] : [])),
          removed: since.flatMap((j) => (j.removed ? [j.removed] : [])),
          reset: since.some((j) => j.removed === '0'),
          position: String(pos),
        });
      },
      fullReloadMs: 1000,
      logger: capturingLogger().logger,
      clock: () => now.ms,
    });
    await keyring.reload();
    const write = (row: SecretRow) => {
      table.set(row.id, row);
      journal.push({ at: ++pos, row });
    };
    write({ id: '2', customerId: 'globex', scheme: 'github', secret: 'a secret of sixteen+ chars' });
    table.delete('1');
    journal.push({ at: ++pos, removed: '1' });
    await keyring.reload();
    expect(calls).toEqual(['full', 'changes@0']);
    expect(keyring.entries().map((e) => e.id)).toEqual(['2']);
    expect([...keyring.customerEntriesFor('globex', 'github')].map((e) => e.id)).toEqual(['2']);
    expect([...keyring.customerEntriesFor('acme', 'standard-webhooks')]).toEqual([]);
    expect([...keyring.entriesFor('standard-webhooks')]).toEqual([]);
    // A reset (TRUNCATE) sends it to a full load; so does the safety-net interval.
    journal.push({ at: ++pos, removed: '0' });
    table.clear();
    await keyring.reload();
    expect(calls.slice(2)).toEqual([`changes@2`, 'full']);
    expect(keyring.size()).toBe(0);
    now.ms = 5000;
    await keyring.reload();
    expect(calls.at(-1)).toBe('full');
  });

  it('keeps each customer’s keys apart, by scheme', async () => {
    const { load } = memoryStore([
      { id: '1', customerId: 'acme', scheme: 'standard-webhooks', secret: s1 },
      { id: '2', customerId: 'acme', scheme: 'standard-webhooks', secret: s2 },
      { id: '3', customerId: 'globex', scheme: 'standard-webhooks', secret: generateSecret() },
    ]);
    const keyring = makeKeyring({ load, logger: capturingLogger().logger, clock: Date.now });
    await keyring.reload();
    expect([...keyring.customerEntriesFor('acme', 'standard-webhooks')].map((e) => e.id)).toEqual(['1', '2']);
    expect([...keyring.customerEntriesFor('acme', 'stripe')]).toEqual([]);
    expect([...keyring.entriesFor('standard-webhooks')]).toHaveLength(3);
  });
});
