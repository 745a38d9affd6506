import { z } from '@hono/zod-openapi';
import { ApiError } from '../http.js';

/*
 * Page cursors. Clients pass `next_cursor` back unchanged. A list defines its cursor with
 * `defineCursor`: a text form whose pattern is published in the OpenAPI document and which every
 * text matching it decodes to a real position, so what the document allows the API accepts (an
 * API fuzzer or a generated client finds no valid-looking cursor that is refused).
 */

/** One list's cursor: its query parameter, and the two directions between position and text. */
export interface Cursor<T> {
  /** The optional `cursor` query parameter, validated by the pattern. */
  param: z.ZodOptional<z.ZodString>;
  encode: (position: T) => string;
  /** The position a text that passed `param` names. */
  decode: (text: string) => T;
}

/**
 * Defines a list's cursor. `pattern` (anchored, and plain enough for JSON Schema: no flags) must
 * admit only texts `decode` turns into a position.
 */
export function defineCursor<T>(spec: {
  pattern: RegExp;
  example: string;
  encode: (position: T) => string;
  decode: (text: string) => T;
}): Cursor<T> {
  return {
    param: z
      .string()
      .regex(spec.pattern, 'is not a cursor this list returned')
      .optional()
      .openapi({ description: 'The `next_cursor` of the previous page', example: spec.example }),
    encode: spec.encode,
    decode: spec.decode,
  };
}

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
