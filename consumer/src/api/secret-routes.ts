import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { ApiError, DEFAULT_SIGNATURE_SCHEME, SIGNATURE_SCHEMES } from '@hookpipe/lib';
import { defineRoute, schemeSecretBody, textField } from '@hookpipe/lib/api';
import type { SecretsStore } from '../store/secrets-store.js';
import { customerIdParam, idParam } from './common.js';

const SecretSchema = z
  .object({
    id: z.number().int(),
    customer_id: z.string().openapi({ example: 'demo' }),
    signature_scheme: z.enum(SIGNATURE_SCHEMES),
    label: z.string().nullable(),
    fingerprint: z
      .string()
      .openapi({ description: 'First 12 hex digits of SHA-256 of the secret', example: '3f9a0c21be47' }),
    created_at: z.string(),
  })
  .openapi('Secret');

const customerId = textField(1, 255).openapi({ example: 'demo' });
const label = textField(0, 200).optional();

/** A secret and its scheme: the JSON Schema says which secrets each scheme takes. */
const SecretBody = schemeSecretBody({ customer_id: customerId, label }, (secret) => secret);

export function registerSecretRoutes(app: OpenAPIHono, deps: { secrets: SecretsStore }): void {
  defineRoute(
    app,
    {
      method: 'post',
      path: '/secrets',
      scope: 'secrets:write',
      summary: 'Install a receiver secret for a customer (handlers pick it up within 2 s)',
      body: SecretBody,
      bodyRequired: true,
      database: true,
      responses: {
        201: { description: 'Installed (the secret itself is never returned)', schema: SecretSchema },
        409: { description: 'This secret is already installed (`secret_exists`)' },
      },
    },
    async (c, { body }) => {
      const added = await deps.secrets.add({
        customerId: body.customer_id,
        scheme: body.signature_scheme ?? DEFAULT_SIGNATURE_SCHEME,
        secret: body.secret,
        label: body.label ?? null,
      });
      if (!added.ok) throw new ApiError(409, 'secret_exists', 'this secret is already installed');
      return c.json(added.secret, 201);
    },
  );

  defineRoute(
    app,
    {
      method: 'get',
      path: '/secrets',
      scope: 'events:read',
      summary: 'List installed secrets (never their values)',
      query: z.object({ customer_id: customerIdParam }),
      database: true,
      responses: {
        200: { description: 'Installed secrets', schema: z.object({ data: z.array(SecretSchema) }) },
      },
    },
    async (c, { query }) => c.json({ data: await deps.secrets.list(query.customer_id) }, 200),
  );

  defineRoute(
    app,
    {
      method: 'delete',
      path: '/secrets/{id}',
      scope: 'secrets:write',
      summary: 'Retire a secret',
      params: z.object({ id: idParam('id') }),
      database: true,
      responses: {
        204: { description: 'Retired' },
        404: { description: 'No such secret (`secret_not_found`)' },
      },
    },
    async (c, { params: { id } }) => {
      if (!(await deps.secrets.remove(id)))
        throw new ApiError(404, 'secret_not_found', `no secret has id ${id}`);
      return c.body(null, 204);
    },
  );
}
