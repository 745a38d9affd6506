import { defineCursor } from '@hookpipe/lib/api';

/*
 * The sender API's page cursors: every text a pattern admits is a position the store can page
 * from, so a cursor the document allows is never refused.
 */

/** A webhook id: `wh_` and a ULID. */
export const WEBHOOK_ID_PATTERN = /^wh_[0-9A-Z]{26}$/;

/** After a webhook in a list in id order: its id (any such id is a position, taken or not). */
export const webhookCursor = defineCursor<{ id: string }>({
  pattern: WEBHOOK_ID_PATTERN,
  example: 'wh_01J9Z3Q4M8N6P2R5S7T9V1W3X5',
  encode: (p) => p.id,
  decode: (text) => ({ id: text }),
});

/** Before a delivery in a list newest first: its id, a bigint (18 digits keep it in range). */
export const deliveryCursor = defineCursor<{ id: string }>({
  pattern: /^[1-9][0-9]{0,17}$/,
  example: '4242',
  encode: (p) => p.id,
  decode: (text) => ({ id: text }),
});

/** An operational endpoint's id: `opwh_` and a ULID. */
export const OPERATIONAL_ID_PATTERN = /^opwh_[0-9A-Z]{26}$/;

/** After an operational endpoint in a list in id order: its id. */
export const operationalCursor = defineCursor<{ id: string }>({
  pattern: OPERATIONAL_ID_PATTERN,
  example: 'opwh_01J9Z3Q4M8N6P2R5S7T9V1W3X5',
  encode: (p) => p.id,
  decode: (text) => ({ id: text }),
});

/**
 * A page of a list read with one row more than `limit`: that extra row only says there is a
 * next page, whose cursor is the last shown row's.
 */
export function pageOf<T, V>(
  rows: readonly T[],
  limit: number,
  view: (row: T) => V,
  cursorOf: (last: T) => string,
): { data: V[]; next_cursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { data: page.map(view), next_cursor: rows.length > limit && last ? cursorOf(last) : null };
}
