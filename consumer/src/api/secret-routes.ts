import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { ApiError, DEFAULT_SIGNATURE_SCHEME, SIGNATURE_SCHEMES, secretProblem } from '@hookpipe/lib';
import { defineRoute } from '@hookpipe/lib/api';
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
          secret: z.string().min(1).max(256).openapi({
            description:
              'standard-webhooks: whsec_ + base64 of 16-128 bytes; github, stripe: 16-256 printable ASCII characters',
            example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
          }),
          signature_scheme: z
            .enum(SIGNATURE_SCHEMES)
            .default(DEFAULT_SIGNATURE_SCHEME)
            .openapi({ description: 'The scheme requests signed with this secret use' }),
          label: z.string().max(200).optional(),
        })
        .strict(),
      bodyRequired: true,
      database: true,
      responses: {
        201: { description: 'Installed (the secret itself is never returned)', schema: SecretSchema },
        400: {
          description:
            'Invalid body (`validation_failed`) or a secret that does not fit its scheme (`invalid_secret`)',
        },
        409: { description: 'This secret is already installed (`secret_exists`)' },
      },
    },
    async (c, { body }) => {
      const problem = secretProblem(body.signature_scheme, body.secret);
      if (problem) {
        throw new ApiError(400, 'invalid_secret', `invalid body: secret: ${problem}`, [
          { location: 'body', field: 'secret', message: problem },
        ]);
      }
      const added = await deps.secrets.add({
        customerId: body.customer_id,
        scheme: body.signature_scheme,
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
