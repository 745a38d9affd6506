/**
 * Opaque page cursors: base64url of a small JSON object naming the last row of the page. Clients
 * pass them back unchanged; anything that does not decode to the expected shape is rejected.
 */

/** Position after an event row: its `persisted_at` (microsecond ISO text) and `webhook_id`. */
export interface EventCursor {
  t: string;
  id: string;
}

/** Position after a dead-letter row: its id. */
export interface DeadLetterCursor {
  id: number;
}

const TIMESTAMP_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const MAX_CURSOR_LENGTH = 1024;

export function encodeCursor(value: EventCursor | DeadLetterCursor): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

function decodeJson(cursor: string): Record<string, unknown> | null {
  if (cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) return null;
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/** The event cursor, or null when `cursor` is not one this API made. */
export function decodeEventCursor(cursor: string): EventCursor | null {
  const v = decodeJson(cursor);
  if (!v || typeof v.t !== 'string' || typeof v.id !== 'string') return null;
  if (!TIMESTAMP_RE.test(v.t) || Number.isNaN(Date.parse(v.t)) || v.id.length === 0 || v.id.length > 255)
    return null;
  return { t: v.t, id: v.id };
}

/** The dead-letter cursor, or null when `cursor` is not one this API made. */
export function decodeDeadLetterCursor(cursor: string): DeadLetterCursor | null {
  const v = decodeJson(cursor);
  if (!v || typeof v.id !== 'number' || !Number.isSafeInteger(v.id) || v.id < 1) return null;
  return { id: v.id };
}
