import { readFileSync } from 'node:fs';
import { ConfigError, errorMessage } from '@hookpipe/lib';
import { parse as parseYaml } from 'yaml';
import type { TypeDefinition } from './catalog.js';

/** A user type's name: 1–255 printable ASCII characters, no spaces. */
export const TYPE_NAME = /^[\x21-\x7e]{1,255}$/;

/** A catalog problem at start, naming the variable (and the type, where there is one). */
export const catalogError = (message: string): ConfigError =>
  new ConfigError(`sender: SENDER_EVENT_CATALOG: ${message}`, [
    { variable: 'SENDER_EVENT_CATALOG', message },
  ]);
const fail = catalogError;

/**
 * Reads the catalog file SENDER_EVENT_CATALOG names: JSON or YAML (by extension; YAML is a
 * superset of JSON, so anything else is read as YAML) of the shape
 * `{"event_types": [{"type", "description"?, "schema"}]}`, as POST /event-types takes each.
 * Checks the shape only; the schemas are checked when the catalog loads them.
 */
export function readCatalogFile(path: string): TypeDefinition[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw fail(`cannot read ${path}: ${errorMessage(err)}`);
  }
  let doc: unknown;
  try {
    doc = /\.json$/i.test(path) ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw fail(`${path} is not valid ${/\.json$/i.test(path) ? 'JSON' : 'YAML'}: ${errorMessage(err)}`);
  }
  const list = (doc as { event_types?: unknown } | null)?.event_types;
  if (!Array.isArray(list))
    throw fail(`${path} must hold {"event_types": [{type, description?, schema}, …]}`);
  const seen = new Set<string>();
  return list.map((item: unknown, i) => {
    const where = `event_types[${i}]`;
    if (typeof item !== 'object' || item === null) throw fail(`${where} must be an object`);
    const { type, description, schema, ...rest } = item as Record<string, unknown>;
    const extra = Object.keys(rest);
    if (typeof type !== 'string' || !TYPE_NAME.test(type)) {
      throw fail(`${where}.type must be 1-255 printable ASCII characters without spaces`);
    }
    if (extra.length > 0) throw fail(`${type}: unknown field(s) ${extra.join(', ')}`);
    if (description !== undefined && description !== null && typeof description !== 'string') {
      throw fail(`${type}: description must be a string`);
    }
    if (schema === undefined) throw fail(`${type}: schema is missing`);
    if (seen.has(type)) throw fail(`${type}: listed twice`);
    seen.add(type);
    return { type, description: description ?? null, schema };
  });
}
