import type { SignatureScheme } from '@hookpipe/lib';
import type { Rejection } from './verify.js';

export interface EventShape {
  ok: true;
  type: string;
  /** A message id the body carries: Stripe's event `id`, or the Go prototype's `event_id` (legacy only). */
  bodyId: string | undefined;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const ID_RE = /^[\x21-\x7e]{1,255}$/;
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

interface Problem {
  field: string;
  problem: string;
}

/**
 * Checks the body is an event of its scheme. Every scheme: a JSON object in UTF-8.
 * - `standard-webhooks` (and `legacy`): a non-empty string `type`, a string `timestamp`, an object
 *   `data` (with `legacy`, the Go prototype's `event_type` may stand in for `type`);
 * - `github`: nothing more (GitHub's payloads differ per event; the type is `X-GitHub-Event`,
 *   passed in as `headerType`);
 * - `stripe`: an `id` (the message id), a non-empty string `type`, an object `data`.
 */
export function checkEvent(
  body: Buffer,
  scheme: SignatureScheme | 'legacy',
  headerType?: string,
): EventShape | Rejection {
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(body));
  } catch (err) {
    const why = err instanceof SyntaxError ? err.message : 'the body is not valid UTF-8';
    return { ok: false, status: 400, code: 'invalid_json', message: `the body is not JSON: ${why}` };
  }
  if (!isObject(value)) {
    return { ok: false, status: 400, code: 'invalid_event', message: 'the body must be a JSON object' };
  }
  const problems: Problem[] = [];
  let type: unknown = value.type;
  let bodyId: string | undefined;
  switch (scheme) {
    case 'github':
      type = headerType;
      break;
    case 'stripe':
      if (typeof value.id !== 'string' || !ID_RE.test(value.id)) {
        problems.push({ field: 'id', problem: 'must be 1-255 printable ASCII characters (the event id)' });
      } else {
        bodyId = value.id;
      }
      if (!isObject(value.data)) problems.push({ field: 'data', problem: 'must be a JSON object' });
      break;
    case 'legacy':
    case 'standard-webhooks':
      // The Go prototype's body is checked like a Standard Webhooks event, with its own names allowed.
      if (scheme === 'legacy') {
        type = value.type ?? value.event_type;
        if (typeof value.event_id === 'string' && ID_RE.test(value.event_id)) bodyId = value.event_id;
      }
      if (typeof value.timestamp !== 'string') {
        problems.push({ field: 'timestamp', problem: 'must be a string (RFC 3339)' });
      }
      if (!isObject(value.data)) problems.push({ field: 'data', problem: 'must be a JSON object' });
      break;
  }
  if (typeof type !== 'string' || type.length === 0) {
    problems.unshift({ field: 'type', problem: 'must be a non-empty string' });
  }
  if (problems.length > 0 || typeof type !== 'string') {
    return {
      ok: false,
      status: 400,
      code: 'invalid_event',
      message: `the body is not a webhook event: ${problems.map((p) => `${p.field} ${p.problem}`).join('; ')}`,
      details: problems,
    };
  }
  return { ok: true, type, bodyId };
}
