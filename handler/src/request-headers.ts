import type { Context } from 'hono';
import type { IncomingMessage } from 'node:http';
import { nodeIncoming } from './body.js';

/** Reads one request header by its lower-case name; undefined when absent. */
export type HeaderReader = (name: string) => string | undefined;

/**
 * A header from Node's raw header list with the Fetch API's `Headers.get` result: the name
 * matched case-insensitively, every occurrence joined by ", " (Node's `req.headers` keeps only
 * the first Content-Type, which `Headers` would not). Node's parser has already trimmed the
 * values. `name` must be lower case.
 */
export function rawHeader(rawHeaders: readonly string[], name: string): string | undefined {
  let value: string | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const key = rawHeaders[i]!;
    if (key.length !== name.length || key.toLowerCase() !== name) continue;
    value = value === undefined ? rawHeaders[i + 1]! : `${value}, ${rawHeaders[i + 1]!}`;
  }
  return value;
}

/**
 * The request's headers, read without `c.req.header()`: under @hono/node-server that builds a
 * WHATWG `Headers` from every raw header of every request, which the webhook route does not need.
 * Under `app.request()` (no Node request) it is `c.req.header()` itself.
 */
export function makeHeaderReader(c: Context): HeaderReader {
  const incoming: Pick<IncomingMessage, 'rawHeaders'> | undefined = nodeIncoming(c.env);
  if (!incoming) return (name) => c.req.header(name);
  const { rawHeaders } = incoming;
  return (name) => rawHeader(rawHeaders, name);
}
