import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { ApiError, isValidSecret } from '@hookpipe/lib';
import { defineRoute } from '@hookpipe/lib/api';
import type { SecretsStore } from '../store/secrets-store.js';
import { customerIdParam, idParam } from './common.js';

const SecretSchema = z
  .object({
    id: z.number().int(),
    customer_id: z.string().openapi({ example: 'demo' }),
    label: z.string().nullable(),
    fingerprint: z
      .string()
      .openapi({ description: 'First 12 hex digits of SHA-256 of the secret', example: '3f9a0c21be47' }),
    created_at: z.string(),
  })
  .openapi('Secret');

export function registerSecretRoutes(app: OpenAPIHono, deps: { secrets: SecretsStore }): void {
  defineRoute(
    app,
    {
      method: 'post',
      path: '/secrets',
      summary: 'Install a receiver secret for a customer (handlers pick it up within 2 s)',
      body: z
        .object({
          customer_id: z.string().min(1).max(255),
          secret: z.string().min(1).max(200).openapi({ example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }),
          label: z.string().max(200).optional(),
        })
        .strict(),
      bodyRequired: true,
      database: true,
      responses: {
        201: { description: 'Installed (the secret itself is never returned)', schema: SecretSchema },
        400: { description: 'Invalid body (`validation_failed`) or not a whsec_ secret (`invalid_secret`)' },
        409: { description: 'This secret is already installed (`secret_exists`)' },
      },
    },
    async (c, { body }) => {
      if (!isValidSecret(body.secret)) {
        throw new ApiError(
          400,
          'invalid_secret',
          'secret must be whsec_ followed by base64 of 16-128 bytes',
          [{ field: 'secret', message: 'not a whsec_ secret' }],
        );
      }
      const added = await deps.secrets.add({
        customerId: body.customer_id,
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
