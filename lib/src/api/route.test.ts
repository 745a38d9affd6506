import { createRoute, z } from '@hono/zod-openapi';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../logger.js';
import { makeApiApp, defineRoute } from './route.js';
import { makeApiErrorHandler } from './on-error.js';
import { serveApiDocs } from './docs.js';

/** A tiny API on the kit: one route with a path, a query and a body, one that hits a dead database. */
function makeApp() {
  const app = makeApiApp();
  defineRoute(
    app,
    {
      method: 'post',
      path: '/things/{id}',
      summary: 'Make a thing',
      params: z.strictObject({ id: z.string().regex(/^\d+$/, 'must be digits') }),
      query: z.strictObject({ dry: z.enum(['yes', 'no']).optional() }),
      body: z.strictObject({ name: z.string().min(1, 'must not be empty'), size: z.number().int() }),
      bodyRequired: true,
      database: true,
      responses: { 201: { description: 'Made', schema: z.object({ id: z.string(), name: z.string() }) } },
    },
    (c, { params, body }) => c.json({ id: params.id, name: body.name }, 201),
  );
  defineRoute(
    app,
    { method: 'get', path: '/down', summary: 'Always a lost connection', open: true, responses: {} },
    () => {
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    },
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: '/plain',
      request: { query: z.object({ n: z.coerce.number().int(), m: z.coerce.number().int() }) },
      responses: { 200: { description: 'The sum' } },
    }),
    (c) => {
      const { n, m } = c.req.valid('query');
      return c.json({ sum: n + m }, 200);
    },
  );
  serveApiDocs(app, { title: 'kit test', version: '1', description: 'a tiny API' });
  app.onError(makeApiErrorHandler(silentLogger()));
  return app;
}

const send = (body: string, type?: string, path = '/things/7') =>
  makeApp().request(path, {
    method: 'POST',
    body,
    headers: type === undefined ? {} : { 'content-type': type },
  });

describe('defineRoute', () => {
  it('hands the handler validated input', async () => {
    const res = await send('{"name":"a","size":1}', 'application/json');
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ id: '7', name: 'a' });
  });

  it('lists every bad field with its location, field and message', async () => {
    const res = await send('{"name":"","size":1.5,"colour":"red"}', 'application/json');
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: 'validation_failed',
      message:
        'invalid body: name: must not be empty; size: Invalid input: expected int, received number; colour: unknown field',
      details: [
        { location: 'body', field: 'name', message: 'must not be empty' },
        { location: 'body', field: 'size', message: 'Invalid input: expected int, received number' },
        { location: 'body', field: 'colour', message: 'unknown field' },
      ],
    });
    const path = await send('{"name":"a","size":1}', 'application/json', '/things/x?dry=maybe');
    expect(await path.json()).toMatchObject({
      message: 'invalid path: id: must be digits',
      details: [{ location: 'path', field: 'id', message: 'must be digits' }],
    });
  });

  it('answers bad input of a createRoute route the same way', async () => {
    const res = await makeApp().request('/plain?n=x');
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      error: 'validation_failed',
      details: [
        { location: 'query', field: 'n', message: expect.stringContaining('expected number') },
        { location: 'query', field: 'm', message: expect.stringContaining('expected number') },
      ],
    });
    expect(await (await makeApp().request('/plain?n=1&m=2')).json()).toEqual({ sum: 3 });
  });

  it('takes curl’s bare -d and no content type as JSON; 415 for any other type', async () => {
    expect((await send('{"name":"a","size":1}', 'application/x-www-form-urlencoded')).status).toBe(201);
    expect((await send('{"name":"a","size":1}', 'application/merge-patch+json')).status).toBe(201);
    const xml = await send('<thing/>', 'application/xml');
    expect(xml.status).toBe(415);
    expect(await xml.json()).toEqual({
      error: 'unsupported_media_type',
      message: 'send the body as application/json, not application/xml',
    });
    // A string body without headers is text/plain to fetch: not JSON by declaration.
    expect((await send('{"name":"a","size":1}')).status).toBe(415);
  });

  it('400 invalid_json for text that is not JSON, body_required for none', async () => {
    const bad = await send('{"name":', 'application/json');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: 'invalid_json' });
    const none = await send('', 'application/json');
    expect(none.status).toBe(400);
    expect(await none.json()).toMatchObject({ error: 'body_required' });
  });

  it('answers a transient database error with 503 database_unavailable and Retry-After', async () => {
    const res = await makeApp().request('/down');
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('2');
    expect(await res.json()).toEqual({
      error: 'database_unavailable',
      message: 'the database is unavailable; try again',
    });
  });

  it('documents the route in OpenAPI 3.1 with the standard errors and the Error component', async () => {
    const doc = (await (await makeApp().request('/openapi.json')).json()) as {
      openapi: string;
      paths: Record<string, Record<string, { responses: Record<string, unknown>; security: unknown }>>;
      components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
    };
    expect(doc.openapi).toBe('3.1.0');
    const things = doc.paths['/things/{id}']?.post;
    expect(Object.keys(things?.responses ?? {}).sort()).toEqual(['201', '400', '401', '503']);
    expect(things?.security).toEqual([{ ApiKey: [] }]);
    // An open route without input and without the database documents none of the three.
    expect(Object.keys(doc.paths['/down']?.get?.responses ?? {})).toEqual([]);
    expect(doc.components.schemas.Error).toBeDefined();
    expect(doc.components.securitySchemes.ApiKey).toEqual({
      type: 'apiKey',
      in: 'header',
      name: 'X-API-Key',
    });
    expect((await makeApp().request('/docs')).status).toBe(200);
  });
});
