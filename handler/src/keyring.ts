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

/** A secret ready to verify with: decoded once, when it enters the keyring. */
export interface KeyringEntry extends VerifyKey {
  id: string;
  customerId: string;
  /** The scheme this secret verifies; a secret never verifies a request signed another way. */
  scheme: SignatureScheme;
  /** The secret string itself, needed only by the legacy (seed) scheme, which keys HMAC with it. */
  secret: string;
}

export interface Keyring {
  /** The current keys; a new array after each change, never mutated. */
  entries(): readonly KeyringEntry[];
  /** The current keys of one scheme (kept per scheme, so a request never filters the keyring). */
  entriesFor(scheme: SignatureScheme): readonly KeyringEntry[];
  /** True once a load has succeeded (possibly with zero secrets). */
  isLoaded(): boolean;
  /** Whether the last load failed (the keyring then still serves the last good set). */
  isStale(): boolean;
  /** Epoch ms of the last successful load, or undefined. */
  loadedAt(): number | undefined;
  /**
   * Loads the table again. Calls made while a load runs are folded into one more load after it,
   * so a change notified mid-load is never missed. Resolves true when the keyring is fresh.
   */
  reload(): Promise<boolean>;
}

/**
 * An in-memory keyring over a loader (the `receiver_secrets` table in production). A failed load
 * keeps the last good keys: verification goes on from memory while PostgreSQL is away, and the
 * failure is logged once per outage, not per attempt.
 */
export function makeKeyring(deps: {
  load: () => Promise<SecretRow[]>;
  logger: Logger;
  clock: Clock;
  onChange?: (entries: readonly KeyringEntry[]) => void;
}): Keyring {
  const log = deps.logger.child({ component: 'keyring' });
  let entries: readonly KeyringEntry[] = [];
  let byScheme = new Map<SignatureScheme, readonly KeyringEntry[]>();
  let loaded: number | undefined;
  let stale = false;
  let running: Promise<boolean> | undefined;
  let again = false;
  // Rows whose secret does not decode: warned about once per id, not on every reload.
  const warnedBad = new Set<string>();

  const apply = (rows: SecretRow[]) => {
    const previous = new Map(entries.map((e) => [e.id, e]));
    const next: KeyringEntry[] = [];
    for (const row of rows) {
      const known = previous.get(row.id);
      if (
        known &&
        known.secret === row.secret &&
        known.customerId === row.customerId &&
        known.scheme === row.scheme
      ) {
        next.push(known);
        continue;
      }
      const key = schemeKey(row.scheme, row.secret);
      if (!key) {
        if (!warnedBad.has(row.id)) {
          warnedBad.add(row.id);
          log.warn(
            { secretId: row.id, customerId: row.customerId, scheme: row.scheme },
            'ignoring a secret that does not fit its signature scheme',
          );
        }
        continue;
      }
      next.push({ id: row.id, customerId: row.customerId, scheme: row.scheme, secret: row.secret, key });
    }
    const changed =
      next.length !== entries.length || next.some((e, i) => e !== entries[i]) || loaded === undefined;
    if (changed) {
      entries = next;
      const grouped = new Map<SignatureScheme, KeyringEntry[]>();
      for (const e of next) {
        const list = grouped.get(e.scheme);
        if (list) list.push(e);
        else grouped.set(e.scheme, [e]);
      }
      byScheme = grouped;
      log.info(
        { secretCount: next.length, customerCount: new Set(next.map((e) => e.customerId)).size },
        'keyring loaded',
      );
      deps.onChange?.(entries);
    }
  };

  const loadOnce = async (): Promise<boolean> => {
    try {
      const rows = await deps.load();
      apply(rows);
      loaded = deps.clock();
      if (stale) log.info('keyring source is back');
      stale = false;
      return true;
    } catch (err) {
      if (!stale) {
        log.warn(
          { err: errorMessage(err), secretCount: entries.length, everLoaded: loaded !== undefined },
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
    entries: () => entries,
    entriesFor: (scheme) => byScheme.get(scheme) ?? [],
    isLoaded: () => loaded !== undefined,
    isStale: () => stale,
    loadedAt: () => loaded,
    reload,
  };
}
