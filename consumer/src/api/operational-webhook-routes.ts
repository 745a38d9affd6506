import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { ApiError, DEFAULT_SIGNATURE_SCHEME, generateSchemeSecret, type TargetPolicy } from '@hookpipe/lib';
import { checkTargetUrl, defineRoute, pageSchema } from '@hookpipe/lib/api';
import { OPERATIONAL_EVENT_TYPES } from '../ops/events.js';
import type { OperationalEndpointsStore } from '../ops/endpoints-store.js';
import { idCursor } from '../store/cursors.js';
import { limitParam } from './common.js';
import {
  CreatedSchema,
  OperationalDeliverySchema,
  OperationalWebhookSchema,
  PAYLOADS,
  checkEventTypes,
  makeOperationalBodies,
} from './operational-schemas.js';

const IdParams = z.object({
  id: z
    .string()
    .regex(/^opwh_[0-9A-HJKMNP-TV-Z]{26}$/, 'is not an operational webhook id')
    .openapi({ param: { name: 'id', in: 'path' }, example: 'opwh_01JC0000000000000000000000' }),
});
const notFound = { description: 'No such operational webhook (`operational_webhook_not_found`)' };
const unknownType = { description: 'An unknown event type (`validation_failed`, naming the allowed ones)' };
const missing = (id: string) =>
  new ApiError(404, 'operational_webhook_not_found', `no operational webhook has id ${id}`);

function found<T>(value: T | null, id: string): T {
  if (value === null) throw missing(id);
  return value;
}

const EVENTS_DESCRIPTION =
  `Operational events this receiver sends about itself: ${OPERATIONAL_EVENT_TYPES.join(', ')}. Each is a POST ` +
  'of `{ type, timestamp, data }` signed with the endpoint’s scheme and secret (webhook-id fixed per event, kept ' +
  'on every retry); their bodies are in this document’s `webhooks`. Retried like the sender’s deliveries.';

/** What the routes need: the endpoints' table, and the hosts their URLs may name (CONSUMER_ALLOWED_HOSTS). */
export interface OperationalWebhookDeps {
  store: OperationalEndpointsStore;
  targets: TargetPolicy;
}

/** `/operational-webhooks`: the operator's endpoints for the receiver's own events (scope `admin`). */
export function registerOperationalWebhookRoutes(app: OpenAPIHono, deps: OperationalWebhookDeps): void {
  const { store, targets } = deps;
  const { CreateBody, PatchBody } = makeOperationalBodies(targets);
  for (const [type, schema] of Object.entries(PAYLOADS)) {
    app.openAPIRegistry.registerWebhook({
      method: 'post',
      path: type,
      summary: `The ${type} operational event`,
      request: { body: { required: true, content: { 'application/json': { schema } } } },
      responses: { 200: { description: 'Any 2xx: delivered; anything else is retried' } },
    });
  }

  defineRoute(
    app,
    {
      method: 'post',
      path: '/operational-webhooks',
      scope: 'admin',
      summary: 'Add an operational webhook (the secret is shown only in this answer)',
      description: EVENTS_DESCRIPTION,
      body: CreateBody,
      bodyRequired: true,
      database: true,
      responses: { 201: { description: 'Added', schema: CreatedSchema }, 422: unknownType },
    },
    async (c, { body }) => {
      checkTargetUrl(targets, body.url, 'url');
      const eventTypes = checkEventTypes(body.event_types ?? ['*']);
      const scheme = body.signature_scheme ?? DEFAULT_SIGNATURE_SCHEME;
      const secret = body.secret ?? generateSchemeSecret(scheme);
      const created = await store.create({
        url: body.url,
        scheme,
        secret,
        eventTypes,
        description: body.description ?? null,
      });
      return c.json({ ...created, secret }, 201);
    },
  );

  defineRoute(
    app,
    {
      method: 'get',
      path: '/operational-webhooks',
      scope: 'admin',
      summary: 'List operational webhooks (never their secrets)',
      database: true,
      responses: {
        200: {
          description: 'Operational webhooks',
          schema: z.object({ data: z.array(OperationalWebhookSchema) }),
        },
      },
    },
    async (c) => c.json({ data: await store.list() }, 200),
  );

  defineRoute(
    app,
    {
      method: 'get',
      path: '/operational-webhooks/{id}',
      scope: 'admin',
      summary: 'One operational webhook',
      params: IdParams,
      database: true,
      responses: { 200: { description: 'It', schema: OperationalWebhookSchema }, 404: notFound },
    },
    async (c, { params: { id } }) => c.json(found(await store.get(id), id), 200),
  );

  defineRoute(
    app,
    {
      method: 'patch',
      path: '/operational-webhooks/{id}',
      scope: 'admin',
      summary: 'Change an operational webhook (made inactive, what it is still owed is canceled)',
      params: IdParams,
      body: PatchBody,
      bodyRequired: true,
      database: true,
      responses: {
        200: { description: 'Changed', schema: OperationalWebhookSchema },
        404: notFound,
        422: unknownType,
      },
    },
    async (c, { params: { id }, body }) => {
      if (body.url !== undefined) checkTargetUrl(targets, body.url, 'url');
      const eventTypes = body.event_types === undefined ? undefined : checkEventTypes(body.event_types);
      const updated = await store.update(id, {
        url: body.url,
        eventTypes,
        description: body.description,
        active: body.active,
      });
      return c.json(found(updated, id), 200);
    },
  );

  defineRoute(
    app,
    {
      method: 'delete',
      path: '/operational-webhooks/{id}',
      scope: 'admin',
      summary: 'Remove an operational webhook (pending deliveries canceled, history kept)',
      params: IdParams,
      database: true,
      responses: { 204: { description: 'Removed' }, 404: notFound },
    },
    async (c, { params: { id } }) => {
      if (!(await store.remove(id))) throw missing(id);
      return c.body(null, 204);
    },
  );

  defineRoute(
    app,
    {
      method: 'get',
      path: '/operational-webhooks/{id}/deliveries',
      scope: 'admin',
      summary: 'Recent deliveries to an operational webhook, newest first',
      params: IdParams,
      query: z.object({ limit: limitParam(100, 20), cursor: idCursor.param }),
      database: true,
      responses: {
        200: { description: 'A page of deliveries', schema: pageSchema(OperationalDeliverySchema) },
        404: notFound,
      },
    },
    async (c, { params: { id }, query }) => {
      const page = await store.deliveries(id, {
        limit: query.limit,
        cursor: query.cursor === undefined ? undefined : idCursor.decode(query.cursor),
      });
      return c.json(found(page, id), 200);
    },
  );
}
