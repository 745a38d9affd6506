import { z } from '@hono/zod-openapi';
import { ApiError } from '../http.js';

/*
 * Opaque page cursors: base64url of a small JSON object naming the last row of a page. Clients
 * pass them back unchanged; each list decides with its own decoder what a valid position is.
 */

const MAX_CURSOR_LENGTH = 1024;

/** The `cursor` query parameter of a paginated list. */
export const CursorParam = z
  .string()
  .max(MAX_CURSOR_LENGTH)
  .optional()
  .openapi({ description: 'The `next_cursor` of the previous page' });

/** The answer of a paginated list: a page of `item`s and the cursor of the next page (null on the last). */
export const pageSchema = <T extends z.ZodType>(item: T) =>
  z.object({ data: z.array(item), next_cursor: z.string().nullable() });

/** The cursor naming `position` (a small JSON object: the last row's sort key). */
export function encodeCursor(position: object): string {
  return Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
}

/**
 * The position in `cursor`, or null when it is not base64url of a JSON object or `read` (the
 * list's own decoder, returning null for a wrong shape) rejects what it holds.
 */
export function decodeCursor<T>(
  cursor: string,
  read: (fields: Record<string, unknown>) => T | null,
): T | null {
  if (cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) return null;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  return read(value as Record<string, unknown>);
}

/**
 * The position in an optional `cursor` query value: undefined without one, 400 `invalid_cursor`
 * when it is not one this API made.
 */
export function cursorFromQuery<T>(
  cursor: string | undefined,
  read: (fields: Record<string, unknown>) => T | null,
): T | undefined {
  if (cursor === undefined) return undefined;
  const position = decodeCursor(cursor, read);
  if (position === null) throw new ApiError(400, 'invalid_cursor', 'cursor is not one this API returned');
  return position;
}
