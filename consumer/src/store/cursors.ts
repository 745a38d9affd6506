import { defineCursor } from '@hookpipe/lib/api';

/*
 * The receiver API's page cursors. The stores write them; the routes validate and read them back.
 */

/** Position after an event row: its `persisted_at` in microseconds since the epoch, and `webhook_id`. */
export interface EventCursor {
  micros: string;
  id: string;
}

/** Position after a dead-letter row: its id. */
export interface DeadLetterCursor {
  id: number;
}

/** `<persisted_at µs>.<webhook_id>`: any such text is a position in (persisted_at, webhook_id) order. */
export const eventCursor = defineCursor<EventCursor>({
  pattern: /^(?:0|[1-9][0-9]{0,15})\.[\x21-\x7e]{1,255}$/,
  example: '1735689600000000.msg_2mFbq1xKq6S0',
  encode: (p) => `${p.micros}.${p.id}`,
  decode: (text) => {
    const dot = text.indexOf('.');
    return { micros: text.slice(0, dot), id: text.slice(dot + 1) };
  },
});

/** The last row's id, in a list ordered by id (dead letters, operational deliveries). */
export const idCursor = defineCursor<DeadLetterCursor>({
  pattern: /^[1-9][0-9]{0,15}$/,
  example: '42',
  encode: (p) => String(p.id),
  decode: (text) => ({ id: Number(text) }),
});

export const deadLetterCursor = idCursor;
