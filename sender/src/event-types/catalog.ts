import type { JsonSchema } from 'json-schema-faker';
import { describeEventTypes, isCatalogType } from '../emitters/catalog.js';
import type { EventTypesStore, UserEventType } from '../store/event-types-store.js';
import { checkEventSchema, type DataCheck } from './schema-check.js';

/** A type of the catalog: built in (faker generators in code) or a user's (a JSON Schema). */
export interface CatalogEntry {
  type: string;
  builtin: boolean;
  description: string | null;
  /** User types only. */
  schema?: JsonSchema;
  /** User types only: validates an event's data. */
  check?: DataCheck;
}

/** A new user type, as POST /event-types or the catalog file gives it. */
export interface TypeDefinition {
  type: string;
  description?: string | null;
  schema: unknown;
}

export type DefineResult =
  | { ok: true; entry: CatalogEntry }
  | { ok: false; reason: 'invalid_schema'; message: string }
  | { ok: false; reason: 'builtin' | 'exists'; message: string };

export interface EventCatalog {
  /**
   * A type by name. A miss re-reads the user types (another sender may have added one): at once
   * when `fresh`, else at most once a second.
   */
  lookup(type: string, fresh?: boolean): Promise<CatalogEntry | null>;
  /** The first of `types` the catalog lacks, or null when it has them all. */
  missing(types: readonly string[]): Promise<string | null>;
  /** Built-in types, then user types by name. */
  list(): Promise<CatalogEntry[]>;
  define(def: TypeDefinition, now: number): Promise<DefineResult>;
  /** Adds or replaces types at start (SENDER_EVENT_CATALOG); throws naming the type on a bad one. */
  load(defs: readonly TypeDefinition[], now: number): Promise<void>;
  /** A known user type's schema and check, without I/O (after `lookup` or `missing`). */
  cached(type: string): CatalogEntry | undefined;
}

const BUILTIN: CatalogEntry[] = describeEventTypes().map((t) => ({ ...t, builtin: true }));

/**
 * The event catalog: built-in types and the user types in the sender database, those compiled
 * once and cached (a schema's check is rebuilt only when its schema changes).
 */
export function makeEventCatalog(
  store: EventTypesStore,
  options: { missRefreshMs?: number } = {},
): EventCatalog {
  const users = new Map<string, CatalogEntry & { text: string }>();
  // A name the catalog lacks (POST /events takes any type) re-reads the table at most this often.
  const missRefreshMs = options.missRefreshMs ?? 1000;
  let refreshedAt = -Infinity;

  const entryOf = (t: UserEventType): CatalogEntry => {
    const text = JSON.stringify(t.schema);
    const prior = users.get(t.type);
    if (prior?.text === text) return { ...prior, description: t.description };
    const checked = checkEventSchema(t.schema);
    // A stored schema was checked when it went in; one that no longer compiles checks nothing.
    const check: DataCheck = checked.ok ? checked.check : () => `the schema of ${t.type} ${checked.message}`;
    const entry = { type: t.type, builtin: false, description: t.description, schema: t.schema, check, text };
    users.set(t.type, entry);
    return entry;
  };

  async function refresh(): Promise<void> {
    refreshedAt = performance.now();
    const rows = await store.list();
    const names = new Set(rows.map((r) => r.type));
    for (const name of users.keys()) if (!names.has(name)) users.delete(name);
    for (const r of rows) entryOf(r);
  }

  const builtinEntry = (type: string) =>
    isCatalogType(type) ? BUILTIN.find((b) => b.type === type) : undefined;

  return {
    async lookup(type, fresh = false) {
      const known = builtinEntry(type) ?? users.get(type);
      if (known) return known;
      if (!fresh && performance.now() - refreshedAt < missRefreshMs) return null;
      await refresh();
      return users.get(type) ?? null;
    },

    async missing(types) {
      for (const t of types) if (!(await this.lookup(t, true))) return t;
      return null;
    },

    async list() {
      await refresh();
      return [...BUILTIN, ...[...users.values()].sort((a, b) => (a.type < b.type ? -1 : 1))];
    },

    async define(def, now) {
      if (isCatalogType(def.type)) {
        return { ok: false, reason: 'builtin', message: `${def.type} is a built-in event type` };
      }
      const checked = checkEventSchema(def.schema);
      if (!checked.ok) return { ok: false, reason: 'invalid_schema', message: checked.message };
      const row = await store.insert(
        {
          type: def.type,
          description: def.description ?? null,
          schema: def.schema as Record<string, unknown>,
        },
        now,
      );
      if (!row) return { ok: false, reason: 'exists', message: `event type ${def.type} exists already` };
      return { ok: true, entry: entryOf(row) };
    },

    async load(defs, now) {
      for (const def of defs) {
        if (isCatalogType(def.type)) throw new Error(`${def.type}: is a built-in event type`);
        const checked = checkEventSchema(def.schema);
        if (!checked.ok) throw new Error(`${def.type}: schema ${checked.message}`);
        await store.upsert(
          {
            type: def.type,
            description: def.description ?? null,
            schema: def.schema as Record<string, unknown>,
          },
          now,
        );
      }
      await refresh();
    },

    cached: (type) => builtinEntry(type) ?? users.get(type),
  };
}
