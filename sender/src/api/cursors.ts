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
