import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { ApiError, isValidSecret } from '@hookpipe/lib';
import type { SecretsStore } from '../store/secrets-store.js';
import { commonErrors, customerIdParam, errorContent, idParam, security } from './common.js';

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

const addSecret = createRoute({
  method: 'post',
  path: '/secrets',
  summary: 'Install a receiver secret for a customer (handlers pick it up within 2 s)',
  security,
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z
            .object({
              customer_id: z.string().min(1).max(255),
              secret: z
                .string()
                .min(1)
                .max(200)
                .openapi({ example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }),
              label: z.string().max(200).optional(),
            })
            .strict(),
        },
      },
    },
  },
  responses: {
    201: {
      description: 'Installed (the secret itself is never returned)',
      content: { 'application/json': { schema: SecretSchema } },
    },
    409: errorContent('This secret is already installed (`secret_exists`)'),
    ...commonErrors,
    400: errorContent('Invalid body (`validation_failed`) or not a whsec_ secret (`invalid_secret`)'),
  },
});

const listSecrets = createRoute({
  method: 'get',
  path: '/secrets',
  summary: 'List installed secrets (never their values)',
  security,
  request: { query: z.object({ customer_id: customerIdParam }) },
  responses: {
    200: {
      description: 'Installed secrets',
      content: { 'application/json': { schema: z.object({ data: z.array(SecretSchema) }) } },
    },
    ...commonErrors,
  },
});

const deleteSecret = createRoute({
  method: 'delete',
  path: '/secrets/{id}',
  summary: 'Retire a secret',
  security,
  request: { params: z.object({ id: idParam('id') }) },
  responses: {
    204: { description: 'Retired' },
    404: errorContent('No such secret (`secret_not_found`)'),
    ...commonErrors,
  },
});

export function registerSecretRoutes(app: OpenAPIHono, deps: { secrets: SecretsStore }): void {
  app.openapi(addSecret, async (c) => {
    const body = c.req.valid('json');
    if (!isValidSecret(body.secret)) {
      throw new ApiError(400, 'invalid_secret', 'secret must be whsec_ followed by base64 of 16-128 bytes', [
        { field: 'secret', message: 'not a whsec_ secret' },
      ]);
    }
    const added = await deps.secrets.add({
      customerId: body.customer_id,
      secret: body.secret,
      label: body.label ?? null,
    });
    if (!added.ok) throw new ApiError(409, 'secret_exists', 'this secret is already installed');
    return c.json(added.secret, 201);
  });

  app.openapi(listSecrets, async (c) => {
    const { customer_id } = c.req.valid('query');
    return c.json({ data: await deps.secrets.list(customer_id) }, 200);
  });

  app.openapi(deleteSecret, async (c) => {
    const { id } = c.req.valid('param');
    if (!(await deps.secrets.remove(id)))
      throw new ApiError(404, 'secret_not_found', `no secret has id ${id}`);
    return c.body(null, 204);
  });
}
