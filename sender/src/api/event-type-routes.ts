import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { ApiError } from '@hookpipe/lib';
import { defineRoute, validationError } from '@hookpipe/lib/api';
import { makePayloadSource } from '../emitters/catalog.js';
import type { CatalogEntry } from '../event-types/catalog.js';
import type { ApiDeps } from './deps.js';
import type { AppEnv } from './env.js';
import { DefineEventTypeBody, EventTypeSchema } from './schemas.js';

const tags = ['events'];

// A fixed seed and time: the examples stay the same from call to call.
const EXAMPLE_AT = new Date('2025-01-01T12:00:00.000Z');

/** A catalog entry as the API shows it, with an example event of the contract's shape. */
function typeView(t: CatalogEntry, example: unknown): z.infer<typeof EventTypeSchema> {
  return {
    type: t.type,
    description: t.description,
    builtin: t.builtin,
    ...(t.schema === undefined ? {} : { schema: t.schema as Record<string, unknown> }),
    example: { type: t.type, timestamp: EXAMPLE_AT.toISOString(), data: example },
  };
}

function exampleData(entries: readonly CatalogEntry[]): Map<string, unknown> {
  const schemas = new Map(entries.map((e) => [e.type, e.schema]));
  const source = makePayloadSource(1, [], (type) => schemas.get(type));
  const out = new Map<string, unknown>();
  for (const e of entries) {
    try {
      out.set(e.type, source.data(e.type, EXAMPLE_AT));
    } catch {
      out.set(e.type, null);
    }
  }
  return out;
}

/** The event catalog: built-in types (faker generators) and user types (JSON Schemas). */
export function addEventTypeRoutes(app: OpenAPIHono<AppEnv>, deps: ApiDeps): void {
  defineRoute(
    app,
    {
      method: 'get',
      path: '/event-types',
      scope: 'webhooks:read',
      summary: 'The event catalog: built-in and user types, each with an example payload',
      tags,
      database: true,
      responses: {
        200: { description: 'Event types', schema: z.object({ event_types: z.array(EventTypeSchema) }) },
      },
    },
    async (c) => {
      const entries = await deps.catalog.list();
      const examples = exampleData(entries);
      return c.json({ event_types: entries.map((t) => typeView(t, examples.get(t.type))) }, 200);
    },
  );

  defineRoute(
    app,
    {
      method: 'post',
      path: '/event-types',
      scope: 'webhooks:write',
      summary: 'Define an event type by a JSON Schema (draft 2020-12) of its data',
      description:
        'Emitters and POST /webhooks/{id}/trigger then generate data valid against the schema (json-schema-faker, ' +
        'with `faker` hints such as `"faker": "person.fullName"`), and every generated payload is checked against ' +
        'it before it is sent. The schema must compile and yield valid data: it is tried on a few samples here.',
      tags,
      body: DefineEventTypeBody,
      bodyRequired: true,
      database: true,
      responses: {
        201: { description: 'Defined', schema: EventTypeSchema },
        400: { description: 'The schema is not valid, or no valid data can be generated from it' },
        409: { description: 'A built-in type or an existing user type has this name (`event_type_exists`)' },
      },
    },
    async (c, { body }) => {
      const defined = await deps.catalog.define(body, deps.clock());
      if (!defined.ok && defined.reason === 'invalid_schema') {
        throw validationError('body', [{ path: ['schema'], message: defined.message }]);
      }
      if (!defined.ok) throw new ApiError(409, 'event_type_exists', defined.message);
      c.var.log.info({ eventType: body.type }, 'event type defined');
      const example = exampleData([defined.entry]).get(body.type);
      return c.json(typeView(defined.entry, example), 201);
    },
  );
}
