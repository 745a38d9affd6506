import type { Context } from 'hono';
import { ApiError } from '../http.js';

// What curl's bare `-d` sends, and no type at all, count as JSON: the seed's curl lines work as written.
const JSON_TYPES = new Set(['', 'application/json', 'application/x-www-form-urlencoded']);

/**
 * Reads a JSON request body: `application/json` or `*+json`, and also what curl sends with a
 * bare `-d` (`application/x-www-form-urlencoded`) or no content type at all. Any other type is
 * 415 `unsupported_media_type`; text that is not JSON is 400 `invalid_json`; an empty body is
 * `undefined`, or 400 `body_required` when `required`.
 */
export async function readJson(c: Context, required: boolean): Promise<unknown> {
  const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  const text = await c.req.text();
  if (text.trim() === '') {
    if (required) throw new ApiError(400, 'body_required', 'this route needs a JSON body');
    return undefined;
  }
  if (!JSON_TYPES.has(type) && !type.endsWith('+json')) {
    throw new ApiError(415, 'unsupported_media_type', `send the body as application/json, not ${type}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new ApiError(400, 'invalid_json', `the body is not valid JSON: ${(err as Error).message}`);
  }
}
