import { z } from '@hono/zod-openapi';

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

/** The answer of a paginated list: a page of `item`s and the cursor of the next page (null on the last). */
export const pageSchema = <T extends z.ZodType>(item: T) =>
  z.object({ data: z.array(item), next_cursor: z.string().nullable() });
