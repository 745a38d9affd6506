import { z, type OpenAPIHono } from '@hono/zod-openapi';
import type { Env } from 'hono';
import { ApiError } from '../../http.js';
import { textField } from '../fields.js';
import { defineRoute } from '../route.js';
import type { KeyAuth } from './auth.js';
import { ADMIN_SCOPE, getIdentity } from './identity.js';
import type { ApiKeysStore } from './store.js';

const tags = ['keys'];

const KeyViewSchema = z
  .object({
    id: z.string().openapi({ example: 'key_3fA9cE1x0bQz' }),
    name: z.string(),
    prefix: z.string().openapi({ description: 'The key’s first characters, to tell keys apart' }),
    scopes: z.array(z.string()),
    created_at: z.string(),
    expires_at: z.string().nullable(),
    last_used_at: z.string().nullable().openapi({ description: 'Written at most once a minute' }),
    revoked_at: z.string().nullable(),
  })
  .openapi('ApiKey');

// A component of its own (not an ApiKey): a client or a fuzzer reading the document should not
// take this answer for a key record, nor its null key_id for a key's id.
const CallerSchema = z
  .object({
    name: z.string(),
    scopes: z.array(z.string()),
    bootstrap: z.boolean().openapi({ description: 'One of the environment’s keys (every scope)' }),
    key_id: z.string().nullable().openapi({ description: 'The key’s id; null for a bootstrap key' }),
  })
  .openapi('ApiKeyCaller');

const idParams = z.object({
  id: z
    .string()
    .regex(/^key_[A-Za-z0-9_-]{12}$/, 'is not a key id')
    .openapi({ param: { name: 'id', in: 'path' }, example: 'key_3fA9cE1x0bQz' }),
});

const notFound = (id: string) => new ApiError(404, 'key_not_found', `no API key has id ${id}`);

/**
 * `/keys`: API keys with scopes, managed through the API (`admin`), shown once at creation and
 * stored only as a hash; `GET /keys/current` tells any caller its own scopes. `scopes` are the
 * service's (`admin` included).
 */
export function registerKeyRoutes<E extends Env>(
  app: OpenAPIHono<E>,
  deps: { store: ApiKeysStore; auth: Pick<KeyAuth, 'forget'>; scopes: readonly [string, ...string[]] },
): void {
  const scopeList = z.array(z.enum(deps.scopes)).min(1).max(deps.scopes.length);
  const expiresAt = z.iso
    .datetime({ offset: true })
    .openapi({ description: 'When the key stops working (RFC 3339); a key without one does not expire' });

  defineRoute(
    app,
    {
      method: 'get',
      path: '/keys/current',
      summary: 'The calling key: its name and scopes (any valid key may ask)',
      tags,
      responses: {
        200: {
          description: 'The caller',
          schema: CallerSchema,
        },
      },
    },
    (c) => {
      const who = getIdentity(c)!;
      return c.json(
        { name: who.name, scopes: [...who.scopes], bootstrap: who.id === null, key_id: who.id },
        200,
      );
    },
  );

  defineRoute(
    app,
    {
      method: 'post',
      path: '/keys',
      summary: 'Create an API key; the key is shown in this answer only',
      tags,
      scope: ADMIN_SCOPE,
      body: z
        .object({ name: textField(1, 200), scopes: scopeList, expires_at: expiresAt.optional() })
        .strict(),
      bodyRequired: true,
      database: true,
      responses: {
        201: {
          description: 'Created',
          schema: KeyViewSchema.extend({
            key: z.string().openapi({ description: 'Shown once, stored only as a hash' }),
          }),
        },
      },
    },
    async (c, { body }) => {
      const { view, key } = await deps.store.create({
        name: body.name,
        scopes: [...new Set(body.scopes)],
        expiresAt: body.expires_at === undefined ? null : new Date(body.expires_at),
      });
      return c.json({ ...view, key }, 201);
    },
  );

  defineRoute(
    app,
    {
      method: 'get',
      path: '/keys',
      summary: 'List API keys (never a key or its hash)',
      tags,
      scope: ADMIN_SCOPE,
      database: true,
      responses: { 200: { description: 'Keys', schema: z.object({ data: z.array(KeyViewSchema) }) } },
    },
    async (c) => c.json({ data: await deps.store.list() }, 200),
  );

  defineRoute(
    app,
    {
      method: 'get',
      path: '/keys/{id}',
      summary: 'One API key',
      tags,
      scope: ADMIN_SCOPE,
      params: idParams,
      database: true,
      responses: {
        200: { description: 'The key', schema: KeyViewSchema },
        404: { description: 'No such key (`key_not_found`)' },
      },
    },
    async (c, { params }) => {
      const view = await deps.store.get(params.id);
      if (!view) throw notFound(params.id);
      return c.json(view, 200);
    },
  );

  defineRoute(
    app,
    {
      method: 'patch',
      path: '/keys/{id}',
      summary: 'Rename a key, change its scopes or its expiry (null: never expires)',
      tags,
      scope: ADMIN_SCOPE,
      params: idParams,
      body: z
        .object({
          name: textField(1, 200).optional(),
          scopes: scopeList.optional(),
          expires_at: expiresAt.nullable().optional(),
        })
        .strict(),
      bodyRequired: true,
      database: true,
      responses: {
        200: { description: 'Changed', schema: KeyViewSchema },
        404: { description: 'No such key (`key_not_found`)' },
      },
    },
    async (c, { params, body }) => {
      const view = await deps.store.update(params.id, {
        ...(body.name === undefined ? {} : { name: body.name }),
        ...(body.scopes === undefined ? {} : { scopes: [...new Set(body.scopes)] }),
        ...(body.expires_at === undefined
          ? {}
          : { expiresAt: body.expires_at === null ? null : new Date(body.expires_at) }),
      });
      if (!view) throw notFound(params.id);
      deps.auth.forget(params.id);
      return c.json(view, 200);
    },
  );

  defineRoute(
    app,
    {
      method: 'post',
      path: '/keys/{id}/revoke',
      summary: 'Revoke a key for good (it stays listed, with revoked_at)',
      tags,
      scope: ADMIN_SCOPE,
      params: idParams,
      database: true,
      responses: {
        200: { description: 'Revoked', schema: KeyViewSchema },
        404: { description: 'No such key (`key_not_found`)' },
      },
    },
    async (c, { params }) => {
      const view = await deps.store.revoke(params.id);
      if (!view) throw notFound(params.id);
      deps.auth.forget(params.id);
      return c.json(view, 200);
    },
  );
}
