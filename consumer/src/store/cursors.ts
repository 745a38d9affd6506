/*
 * What the receiver API's page cursors hold (opaque to clients: see encodeCursor in
 * @hookpipe/lib/api). The stores write them; the routes read them back with these decoders, which
 * return null for anything this API would not have made.
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

/** The event position in a decoded cursor. */
export function readEventCursor(v: Record<string, unknown>): EventCursor | null {
  if (typeof v.t !== 'string' || typeof v.id !== 'string') return null;
  if (!TIMESTAMP_RE.test(v.t) || Number.isNaN(Date.parse(v.t)) || v.id.length === 0 || v.id.length > 255)
    return null;
  return { t: v.t, id: v.id };
}

/** The dead-letter position in a decoded cursor. */
export function readDeadLetterCursor(v: Record<string, unknown>): DeadLetterCursor | null {
  if (typeof v.id !== 'number' || !Number.isSafeInteger(v.id) || v.id < 1) return null;
  return { id: v.id };
}
