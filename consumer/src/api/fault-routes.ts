import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { ApiError, faultProfileSchema } from '@hookpipe/lib';
import { defineRoute, textField } from '@hookpipe/lib/api';
import type { FaultsStore } from '../store/faults-store.js';
import { limitParam, webhookIdSchema } from './common.js';

const tags = ['faults'];

const customerPath = z.object({
  customer_id: textField(1, 255).openapi({ param: { name: 'customer_id', in: 'path' }, example: 'demo' }),
});
const customerQuery = textField(1, 255).openapi({
  param: { name: 'customer_id', in: 'query' },
  example: 'demo',
});

const ProfileSchema = faultProfileSchema.meta({
  id: 'FaultProfile',
  description:
    'What the handlers do to this customer’s verified requests before Kafka. Per request one draw picks, by ' +
    'share and in this order (each share taking at most what the ones before it left): answer `status.code` (with `Retry-After` when `retry_after_s` is set), answer only ' +
    'after `delay.ms`, or close the connection without an answer (`drop`); the rest passes. With `first_attempts`, ' +
    'only the first N attempts of each message id meet a fault. `{}` records attempts and changes nothing.',
  example: { status: { share: 1, code: 503, retry_after_s: 2 }, first_attempts: 2 },
});

const ProfileViewSchema = z
  .object({ customer_id: z.string(), profile: ProfileSchema, updated_at: z.string() })
  .openapi('FaultProfileView');

const AttemptSchema = z
  .object({
    attempt: z
      .number()
      .int()
      .nullable()
      .openapi({ description: 'This message id’s attempt number (1 = first)' }),
    received_at: z.string(),
    action: z.enum(['pass', 'status', 'delay', 'drop']),
    status: z.number().int().nullable(),
    retry_after_s: z.number().int().nullable(),
    delay_ms: z.number().int().nullable(),
    handler_id: z.string().nullable(),
    gap_ms: z
      .number()
      .int()
      .nullable()
      .openapi({ description: 'Since the previous attempt of this message id' }),
    kept_retry_after: z
      .boolean()
      .nullable()
      .openapi({ description: 'After a Retry-After answer: whether the sender waited at least that long' }),
  })
  .openapi('ReceiverAttempt');

const notFound = (customerId: string) =>
  new ApiError(404, 'fault_profile_not_found', `customer ${customerId} has no fault profile`);

export function registerFaultRoutes(app: OpenAPIHono, deps: { faults: FaultsStore }): void {
  defineRoute(
    app,
    {
      method: 'put',
      path: '/faults/{customer_id}',
      scope: 'faults:write',
      summary: 'Set a customer’s receiver fault profile (handlers apply it within 2 s)',
      tags,
      params: customerPath,
      body: ProfileSchema,
      bodyRequired: true,
      database: true,
      responses: { 200: { description: 'In force', schema: ProfileViewSchema } },
    },
    async (c, { params, body }) => c.json(await deps.faults.put(params.customer_id, body), 200),
  );

  defineRoute(
    app,
    {
      method: 'get',
      path: '/faults',
      scope: 'events:read',
      summary: 'List the fault profiles in force',
      tags,
      database: true,
      responses: { 200: { description: 'Profiles', schema: z.object({ data: z.array(ProfileViewSchema) }) } },
    },
    async (c) => c.json({ data: await deps.faults.list() }, 200),
  );

  defineRoute(
    app,
    {
      method: 'get',
      path: '/faults/{customer_id}',
      scope: 'events:read',
      summary: 'A customer’s fault profile',
      tags,
      params: customerPath,
      database: true,
      responses: {
        200: { description: 'The profile', schema: ProfileViewSchema },
        404: { description: 'No profile (`fault_profile_not_found`)' },
      },
    },
    async (c, { params }) => {
      const view = await deps.faults.get(params.customer_id);
      if (!view) throw notFound(params.customer_id);
      return c.json(view, 200);
    },
  );

  defineRoute(
    app,
    {
      method: 'delete',
      path: '/faults/{customer_id}',
      scope: 'faults:write',
      summary: 'Lift a customer’s fault profile (its recorded attempts stay)',
      tags,
      params: customerPath,
      database: true,
      responses: {
        204: { description: 'Lifted' },
        404: { description: 'No profile (`fault_profile_not_found`)' },
      },
    },
    async (c, { params }) => {
      if (!(await deps.faults.remove(params.customer_id))) throw notFound(params.customer_id);
      return c.body(null, 204);
    },
  );

  defineRoute(
    app,
    {
      method: 'get',
      path: '/attempts',
      scope: 'events:read',
      summary:
        'How a sender reacted: every attempt the handlers saw, by message id, with the gaps between them',
      description:
        'Recorded while the customer has a fault profile (an empty one records without faulting), and kept ' +
        'after the profile is lifted (until `DELETE /attempts` or retention). Message ids seen most recently first.',
      tags,
      query: z.object({
        customer_id: customerQuery,
        message_id: webhookIdSchema.optional().openapi({ param: { name: 'message_id', in: 'query' } }),
        limit: limitParam(500, 100),
      }),
      database: true,
      responses: {
        200: {
          description: 'Attempts by message id',
          schema: z.object({
            data: z.array(z.object({ message_id: z.string(), attempts: z.array(AttemptSchema) })),
          }),
        },
      },
    },
    async (c, { query }) =>
      c.json(
        {
          data: await deps.faults.attempts(query.customer_id, {
            ...(query.message_id === undefined ? {} : { messageId: query.message_id }),
            limit: query.limit,
          }),
        },
        200,
      ),
  );

  defineRoute(
    app,
    {
      method: 'delete',
      path: '/attempts',
      scope: 'faults:write',
      summary: 'Forget a customer’s recorded attempts; attempt numbers start at 1 again',
      tags,
      query: z.object({ customer_id: customerQuery }),
      database: true,
      responses: { 204: { description: 'Forgotten' } },
    },
    async (c, { query }) => {
      await deps.faults.clearAttempts(query.customer_id);
      return c.body(null, 204);
    },
  );
}
