import type { Pool } from '@hookpipe/lib';

/** An event type a user defined: its data is described by a JSON Schema (draft 2020-12). */
export interface UserEventType {
  type: string;
  description: string | null;
  schema: Record<string, unknown>;
  createdAt: Date;
}

interface Row {
  type: string;
  description: string | null;
  schema: Record<string, unknown>;
  created_at: Date;
}

const toType = (r: Row): UserEventType => ({
  type: r.type,
  description: r.description,
  schema: r.schema,
  createdAt: r.created_at,
});

/** User-defined event types (`event_types`). */
export function makeEventTypesStore(pool: Pool) {
  return {
    async list(): Promise<UserEventType[]> {
      const { rows } = await pool.query<Row>(
        `SELECT type, description, schema, created_at FROM event_types ORDER BY type`,
      );
      return rows.map(toType);
    },

    /** Adds a type; null when one of that name exists already. */
    async insert(t: Omit<UserEventType, 'createdAt'>, now: number): Promise<UserEventType | null> {
      const { rows } = await pool.query<Row>(
        `INSERT INTO event_types (type, description, schema, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)
         ON CONFLICT (type) DO NOTHING RETURNING type, description, schema, created_at`,
        [t.type, t.description, JSON.stringify(t.schema), new Date(now)],
      );
      return rows[0] ? toType(rows[0]) : null;
    },

    /** Adds or replaces a type (the catalog file, read at start, says what the type is). */
    async upsert(t: Omit<UserEventType, 'createdAt'>, now: number): Promise<void> {
      await pool.query(
        `INSERT INTO event_types (type, description, schema, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)
         ON CONFLICT (type) DO UPDATE SET description = EXCLUDED.description, schema = EXCLUDED.schema,
           updated_at = EXCLUDED.updated_at
         WHERE event_types.schema IS DISTINCT FROM EXCLUDED.schema
            OR event_types.description IS DISTINCT FROM EXCLUDED.description`,
        [t.type, t.description, JSON.stringify(t.schema), new Date(now)],
      );
    },
  };
}

export type EventTypesStore = ReturnType<typeof makeEventTypesStore>;
