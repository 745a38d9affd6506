import type { Context } from 'hono';
import { ApiError } from '../http.js';

// What curl's bare `-d` sends, and no type at all, count as JSON: the seed's curl lines work as written.
const JSON_TYPES = new Set(['', 'application/json', 'application/x-www-form-urlencoded']);

// With the u flag a surrogate pair is one code point, so only an unpaired half is \p{Cs}.
const LONE_SURROGATE = /\p{Cs}/u;

/** Whether a string or key in `value` holds a lone UTF-16 surrogate (`"\ud800"` in the JSON text). */
function hasLoneSurrogate(value: unknown): boolean {
  if (typeof value === 'string') return LONE_SURROGATE.test(value);
  if (Array.isArray(value)) return value.some(hasLoneSurrogate);
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).some(([k, v]) => LONE_SURROGATE.test(k) || hasLoneSurrogate(v));
  }
  return false;
}

/**
 * Reads a JSON request body: `application/json` or `*+json`, and also what curl sends with a
 * bare `-d` (`application/x-www-form-urlencoded`) or no content type at all. Any other type is
 * 415 `unsupported_media_type`; text that is not JSON is 400 `invalid_json`, and so is JSON whose
 * strings are not Unicode text (a lone surrogate escape, which no database or other party can
 * store); an empty body is `undefined`, or 400 `body_required` when `required`.
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
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch (err) {
    throw new ApiError(400, 'invalid_json', `the body is not valid JSON: ${(err as Error).message}`);
  }
  // Only an escape can make one (the body was decoded from UTF-8): look closer only then.
  if (/\\u[dD][89a-fA-F]/.test(text) && hasLoneSurrogate(value)) {
    throw new ApiError(
      400,
      'invalid_json',
      'the body is not Unicode text: a \\u escape names half a surrogate pair without the other half',
    );
  }
  return value;
}
