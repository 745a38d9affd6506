import {
  errorMessage,
  schemeKey,
  type Clock,
  type Logger,
  type SignatureScheme,
  type VerifyKey,
} from '@hookpipe/lib';

/** One row of `receiver_secrets` as the loader hands it over. */
export interface SecretRow {
  id: string;
  customerId: string;
  scheme: SignatureScheme;
  secret: string;
}

/** A secret ready to verify with: turned into its HMAC key once, when it enters the keyring. */
export interface KeyringEntry extends VerifyKey {
  id: string;
  customerId: string;
  /** The scheme this secret verifies; a secret never verifies a request signed another way. */
  scheme: SignatureScheme;
  /** The secret string itself, needed only by the legacy (seed) scheme, which keys HMAC with it. */
  secret: string;
}

/** Every row, and where to read the changes after it from (for an incremental source). */
export type FullLoad = SecretRow[] | { rows: SecretRow[]; position: string };

/** What changed since a position: rows written (new or updated), ids removed, the next position. */
export interface ChangeLoad {
  rows: SecretRow[];
  removed: string[];
  position: string;
  /** The table was emptied at once (TRUNCATE): only a full load can follow. */
  reset?: boolean;
}

export interface Keyring {
  /** Every key, as an array made once per change (for tests and the bare /webhook path's count). */
  entries(): readonly KeyringEntry[];
  /** The keys of one scheme: what a request on the bare /webhook path is checked against. */
  entriesFor(scheme: SignatureScheme): Iterable<KeyringEntry>;
  /** The keys of one customer and scheme: what a request on /webhook/<customer_id> is checked against. */
  customerEntriesFor(customerId: string, scheme: SignatureScheme): Iterable<KeyringEntry>;
  size(): number;
  /** True once a load has succeeded (possibly with zero secrets). */
  isLoaded(): boolean;
  /** Whether the last load failed (the keyring then still serves the last good set). */
  isStale(): boolean;
  /** Epoch ms of the last successful load, or undefined. */
  loadedAt(): number | undefined;
  /**
   * Loads what changed (or everything). Calls made while a load runs are folded into one more load
   * after it, so a change notified mid-load is never missed. Resolves true when the keyring is fresh.
   */
  reload(): Promise<boolean>;
}

const NONE: readonly KeyringEntry[] = [];

/**
 * An in-memory keyring over a loader (the `receiver_secrets` table in production), indexed by
 * scheme and by customer and scheme. With `changes`, a reload reads only what changed since the
 * last one (a full load at start, after a reset, and every `fullReloadMs` as a safety net), so
 * 100,000 secrets cost a reload no more than the few that changed. A failed load keeps the last
 * good keys: verification goes on from memory while PostgreSQL is away, and the failure is logged
 * once per outage, not per attempt.
 */
export function makeKeyring(deps: {
  load: () => Promise<FullLoad>;
  changes?: (position: string) => Promise<ChangeLoad>;
  fullReloadMs?: number;
  logger: Logger;
  clock: Clock;
  /** Called with the number of keys after every change. */
  onChange?: (size: number) => void;
}): Keyring {
  const log = deps.logger.child({ component: 'keyring' });
  const fullReloadMs = deps.fullReloadMs ?? 300_000;
  const byId = new Map<string, KeyringEntry>();
  const byScheme = new Map<SignatureScheme, Set<KeyringEntry>>();
  const byCustomer = new Map<string, Map<SignatureScheme, Set<KeyringEntry>>>();
  let list: readonly KeyringEntry[] | undefined;
  let position: string | undefined;
  let lastFull = 0;
  let loaded: number | undefined;
  let stale = false;
  let running: Promise<boolean> | undefined;
  let again = false;
  // Rows whose secret does not decode: warned about once per id, not on every reload.
  const warnedBad = new Set<string>();

  const index = (e: KeyringEntry) => {
    byId.set(e.id, e);
    let scheme = byScheme.get(e.scheme);
    if (!scheme) byScheme.set(e.scheme, (scheme = new Set()));
    scheme.add(e);
    let customer = byCustomer.get(e.customerId);
    if (!customer) byCustomer.set(e.customerId, (customer = new Map<SignatureScheme, Set<KeyringEntry>>()));
    let own = customer.get(e.scheme);
    if (!own) customer.set(e.scheme, (own = new Set()));
    own.add(e);
  };
  const unindex = (id: string): boolean => {
    const e = byId.get(id);
    if (!e) return false;
    byId.delete(id);
    byScheme.get(e.scheme)?.delete(e);
    const customer = byCustomer.get(e.customerId);
    const own = customer?.get(e.scheme);
    own?.delete(e);
    if (own?.size === 0) customer!.delete(e.scheme);
    if (customer?.size === 0) byCustomer.delete(e.customerId);
    return true;
  };
  const same = (e: KeyringEntry | undefined, row: SecretRow) =>
    e !== undefined && e.secret === row.secret && e.customerId === row.customerId && e.scheme === row.scheme;
  const toEntry = (row: SecretRow): KeyringEntry | undefined => {
    const key = schemeKey(row.scheme, row.secret);
    if (key) return { id: row.id, customerId: row.customerId, scheme: row.scheme, secret: row.secret, key };
    if (!warnedBad.has(row.id)) {
      warnedBad.add(row.id);
      log.warn(
        { secretId: row.id, customerId: row.customerId, scheme: row.scheme },
        'ignoring a secret that does not fit its signature scheme',
      );
    }
    return undefined;
  };
  /** Writes one row; true when the keyring changed. */
  const upsert = (row: SecretRow): boolean => {
    if (same(byId.get(row.id), row)) return false;
    const had = unindex(row.id);
    const entry = toEntry(row);
    if (entry) index(entry);
    return had || entry !== undefined;
  };

  const changed = (kind: 'full' | 'changes', count: number) => {
    list = undefined;
    log.info(
      { secretCount: byId.size, customerCount: byCustomer.size, load: kind, rows: count },
      'keyring loaded',
    );
    deps.onChange?.(byId.size);
  };

  const loadFull = async () => {
    const result = await deps.load();
    const rows = Array.isArray(result) ? result : result.rows;
    const keep = new Set(rows.map((r) => r.id));
    let dirty = loaded === undefined;
    for (const id of [...byId.keys()]) if (!keep.has(id)) dirty = unindex(id) || dirty;
    for (const row of rows) dirty = upsert(row) || dirty;
    position = Array.isArray(result) ? undefined : result.position;
    lastFull = deps.clock();
    if (dirty) changed('full', rows.length);
  };

  const loadChanges = async (from: string) => {
    const delta = await deps.changes!(from);
    if (delta.reset) {
      position = undefined;
      await loadFull();
      return;
    }
    let dirty = false;
    for (const row of delta.rows) dirty = upsert(row) || dirty;
    for (const id of delta.removed) dirty = unindex(id) || dirty;
    position = delta.position;
    if (dirty) changed('changes', delta.rows.length + delta.removed.length);
  };

  const loadOnce = async (): Promise<boolean> => {
    try {
      const incremental = deps.changes && position !== undefined && deps.clock() - lastFull < fullReloadMs;
      if (incremental) await loadChanges(position!);
      else await loadFull();
      loaded = deps.clock();
      if (stale) log.info('keyring source is back');
      stale = false;
      return true;
    } catch (err) {
      if (!stale) {
        log.warn(
          { err: errorMessage(err), secretCount: byId.size, everLoaded: loaded !== undefined },
          'keyring reload failed; verifying with the last good keyring until the database answers',
        );
      }
      stale = true;
      return false;
    }
  };

  const reload = (): Promise<boolean> => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      let ok = await loadOnce();
      while (again) {
        again = false;
        ok = await loadOnce();
      }
      running = undefined;
      return ok;
    })();
    return running;
  };

  return {
    entries: () =>
      (list ??= [...byId.values()].sort((a, b) => Number(a.id) - Number(b.id) || a.id.localeCompare(b.id))),
    entriesFor: (scheme) => byScheme.get(scheme) ?? NONE,
    customerEntriesFor: (customerId, scheme) => byCustomer.get(customerId)?.get(scheme) ?? NONE,
    size: () => byId.size,
    isLoaded: () => loaded !== undefined,
    isStale: () => stale,
    loadedAt: () => loaded,
    reload,
  };
}
