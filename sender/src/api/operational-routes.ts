import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { ApiError, DEFAULT_SIGNATURE_SCHEME, newId } from '@hookpipe/lib';
import { defineRoute, pageSchema, validationError } from '@hookpipe/lib/api';
import { OPERATIONAL_EVENT_TYPES } from '../model/operational.js';
import type { WebhookRow } from '../model/webhook.js';
import { operationalCursor, pageOf } from './cursors.js';
import { checkTarget, deliveriesPage, secretFor, type ApiDeps } from './deps.js';
import type { AppEnv } from './env.js';
import {
  CreatedOperationalWebhookSchema,
  makeOperationalBodies,
  OPERATIONAL_PAYLOADS,
  OPERATIONAL_TYPE_CHOICES,
  operationalPayload,
  OperationalIdParam,
  OperationalWebhookSchema,
} from './operational-schemas.js';
import { limit, ListDeliveriesQuery } from './schemas.js';

const tags = ['operational webhooks'];
const scope = 'admin';
const notFound = { 404: { description: 'No such operational webhook (`operational_webhook_not_found`)' } };
const badType = {
  422: {
    description: `An event type that is none of ${OPERATIONAL_TYPE_CHOICES.join(', ')} (\`validation_failed\`, naming it)`,
  },
};

const view = (w: WebhookRow): z.infer<typeof OperationalWebhookSchema> => ({
  id: w.id,
  url: w.url,
  signature_scheme: w.signatureScheme,
  event_types: w.eventTypes,
  description: w.description,
  active: w.status === 'ACTIVE',
  created_at: w.createdAt.toISOString(),
});

/** 422 naming each `event_types` entry that is not an operational event type (or `*`). */
function checkEventTypes(types: readonly string[] | undefined): void {
  const allowed: readonly string[] = OPERATIONAL_TYPE_CHOICES;
  const issues = (types ?? []).flatMap((t, i) =>
    allowed.includes(t)
      ? []
      : [{ path: ['event_types', i], message: `must be one of ${OPERATIONAL_TYPE_CHOICES.join(', ')}` }],
  );
  if (issues.length === 0) return;
  const err = validationError('body', issues);
  throw new ApiError(422, err.code, err.message, err.details);
}

const missing = (id: string) =>
  new ApiError(404, 'operational_webhook_not_found', `no operational webhook ${id}`);

/**
 * `/operational-webhooks`: the operator's endpoints for events about the sender itself, and the
 * events' payloads in the document's `webhooks`. Each endpoint is a webhook row of its own kind
 * (see webhooks-store.ts), so its deliveries are retried and recorded like any other.
 */
export function addOperationalRoutes(app: OpenAPIHono<AppEnv>, deps: ApiDeps): void {
  const { CreateOperationalWebhookBody, PatchOperationalWebhookBody } = makeOperationalBodies(deps.targets);
  const find = async (id: string) => {
    const found = await deps.webhooks.get(id, true);
    if (!found) throw missing(id);
    return found;
  };

  defineRoute(
    app,
    {
      method: 'post',
      path: '/operational-webhooks',
      scope,
      summary: 'Add an endpoint for the sender’s operational events (payloads: the document’s `webhooks`)',
      description: `Event types: ${OPERATIONAL_EVENT_TYPES.join(', ')}; see the document's \`webhooks\` for their bodies.`,
      tags,
      body: CreateOperationalWebhookBody,
      bodyRequired: true,
      database: true,
      responses: {
        201: { description: 'Added; the secret is shown only here', schema: CreatedOperationalWebhookSchema },
        ...badType,
      },
    },
    async (c, { body }) => {
      checkTarget(deps, body.url, 'url');
      checkEventTypes(body.event_types);
      const scheme = body.signature_scheme ?? DEFAULT_SIGNATURE_SCHEME;
      const secret = secretFor(scheme, body.secret);
      const now = deps.clock();
      const id = newId('opwh', now);
      const result = await deps.webhooks.insert(
        {
          // Its own customer: never one of a customer's, and no URL conflicts with another's.
          customerId: id,
          url: body.url,
          description: body.description ?? null,
          eventTypes: body.event_types ?? ['*'],
          headers: {},
          maxInFlight: deps.settings.webhookConcurrency,
          signatureScheme: scheme,
          payload: null,
        },
        { id, now, box: deps.box, secret, operational: true },
      );
      if (!result.ok) throw new Error('a fresh operational webhook id collided');
      c.var.log.info({ webhookId: id, scheme }, 'operational webhook added');
      return c.json({ ...view(result.webhook), secret }, 201);
    },
  );

  defineRoute(
    app,
    {
      method: 'get',
      path: '/operational-webhooks',
      scope,
      summary: 'List operational webhooks (never their secrets)',
      tags,
      query: z.strictObject({ limit, cursor: operationalCursor.param }),
      database: true,
      responses: { 200: { description: 'A page of them', schema: pageSchema(OperationalWebhookSchema) } },
    },
    async (c, { query }) => {
      const rows = await deps.webhooks.list({
        operational: true,
        after: query.cursor === undefined ? undefined : operationalCursor.decode(query.cursor).id,
        limit: query.limit + 1,
      });
      return c.json(
        pageOf(rows, query.limit, view, (w) => operationalCursor.encode({ id: w.id })),
        200,
      );
    },
  );

  defineRoute(
    app,
    {
      method: 'get',
      path: '/operational-webhooks/{id}',
      scope,
      summary: 'Get an operational webhook',
      tags,
      params: OperationalIdParam,
      database: true,
      responses: { 200: { description: 'It', schema: OperationalWebhookSchema }, ...notFound },
    },
    async (c, { params }) => c.json(view(await find(params.id)), 200),
  );

  defineRoute(
    app,
    {
      method: 'patch',
      path: '/operational-webhooks/{id}',
      scope,
      summary: 'Change an operational webhook’s url, event_types, description, or active',
      tags,
      params: OperationalIdParam,
      body: PatchOperationalWebhookBody,
      bodyRequired: true,
      database: true,
      responses: {
        200: { description: 'As changed', schema: OperationalWebhookSchema },
        ...notFound,
        ...badType,
      },
    },
    async (c, { params, body }) => {
      if (body.url !== undefined) checkTarget(deps, body.url, 'url');
      checkEventTypes(body.event_types);
      const result = await deps.webhooks.update(
        params.id,
        { url: body.url, description: body.description, eventTypes: body.event_types, active: body.active },
        deps.clock(),
        true,
      );
      if (!result.ok) throw missing(params.id);
      if (body.active === true) deps.notify();
      return c.json(view(result.webhook), 200);
    },
  );

  defineRoute(
    app,
    {
      method: 'delete',
      path: '/operational-webhooks/{id}',
      scope,
      summary: 'Remove an operational webhook: its pending deliveries are canceled, its history kept',
      tags,
      params: OperationalIdParam,
      database: true,
      responses: { 204: { description: 'Removed' }, ...notFound },
    },
    async (c, { params }) => {
      if (!(await deps.webhooks.remove(params.id, deps.clock(), true))) throw missing(params.id);
      c.var.log.info({ webhookId: params.id }, 'operational webhook removed');
      return c.body(null, 204);
    },
  );

  defineRoute(
    app,
    {
      method: 'get',
      path: '/operational-webhooks/{id}/deliveries',
      scope,
      summary:
        'Deliveries to an operational webhook, newest first: status, attempts, last status code and error',
      tags,
      params: OperationalIdParam,
      query: ListDeliveriesQuery,
      database: true,
      responses: { 200: { description: 'A page of deliveries' }, ...notFound },
    },
    async (c, { params, query }) => {
      await find(params.id);
      return c.json(await deliveriesPage(deps, params.id, query), 200);
    },
  );

  for (const type of OPERATIONAL_EVENT_TYPES) {
    app.openAPIRegistry.registerWebhook({
      method: 'post',
      path: type,
      summary: OPERATIONAL_PAYLOADS[type].summary,
      tags,
      request: { body: { content: { 'application/json': { schema: operationalPayload(type) } } } },
      responses: { 200: { description: 'Any 2xx takes it; anything else is retried like a delivery' } },
    });
  }
}
