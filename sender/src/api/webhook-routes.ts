import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { ApiError, DEFAULT_SIGNATURE_SCHEME, errorMessage, newId } from '@hookpipe/lib';
import { defineRoute, pageSchema } from '@hookpipe/lib/api';
import type { WebhookRow } from '../model/webhook.js';
import type { ReceiverLink } from '../store/linked-secrets-store.js';
import { pageOf, webhookCursor } from './cursors.js';
import {
  checkTarget,
  RECEIVER_REFUSED,
  receiverUnavailable,
  requireWebhook,
  secretFor,
  type ApiDeps,
} from './deps.js';
import type { AppContext, AppEnv } from './env.js';
import { IdParam, ListWebhooksQuery } from './schemas.js';
import { CreatedWebhookSchema, makeWebhookBodies, WebhookSchema } from './webhook-schemas.js';
import { webhookView } from './views.js';

const tags = ['webhooks'];

export function addWebhookRoutes(app: OpenAPIHono<AppEnv>, deps: ApiDeps): void {
  const { linker } = deps;
  const { CreateWebhookBody, PatchWebhookBody } = makeWebhookBodies(deps.targets);
  const after = (cursor: string | undefined) =>
    cursor === undefined ? undefined : webhookCursor.decode(cursor).id;
  const create = async (c: AppContext, body: z.output<typeof CreateWebhookBody>) => {
    checkTarget(deps, body.webhook_url);
    const scheme = body.signature_scheme ?? DEFAULT_SIGNATURE_SCHEME;
    const secret = secretFor(scheme, body.secret);
    const now = deps.clock();
    const id = newId('wh', now);
    // On the stack's own ingress, the receiver gets the secret first: no secret, no registration.
    let link: ReceiverLink | undefined;
    if (linker?.covers(body.webhook_url)) {
      const installed = await linker.install(
        { id, customerId: body.customer_id, signatureScheme: scheme },
        secret,
      );
      if (!installed.ok) throw receiverUnavailable(installed, 'the webhook was not registered');
      link = { receiverSecretId: installed.receiverSecretId };
    }
    let result: Awaited<ReturnType<ApiDeps['webhooks']['insert']>>;
    try {
      result = await deps.webhooks.insert(
        {
          customerId: body.customer_id,
          url: body.webhook_url,
          description: body.description ?? null,
          eventTypes: body.event_types ?? ['*'],
          headers: body.headers ?? {},
          maxInFlight: body.max_in_flight ?? deps.settings.webhookConcurrency,
          signatureScheme: scheme,
          payload: body.payload ?? null,
        },
        { id, now, box: deps.box, secret, link },
      );
    } catch (err) {
      if (link && linker) await linker.undo(id, link.receiverSecretId).catch(() => undefined);
      throw err;
    }
    if (!result.ok) {
      if (link && linker) await linker.undo(id, link.receiverSecretId);
      throw new ApiError(
        409,
        'webhook_exists',
        `customer ${body.customer_id} already has a webhook for this URL`,
      );
    }
    c.var.log.info(
      { webhookId: result.webhook.id, customerId: body.customer_id, scheme, linked: link !== undefined },
      'webhook registered',
    );
    return c.json({ ...webhookView(result.webhook), secret_token: result.secret }, 201);
  };

  /** Moves the webhook's secrets onto or off the receiver when its URL crosses the ingress. */
  const relink = async (current: WebhookRow, url: string | undefined) => {
    if (!linker || url === undefined) return 'same' as const;
    const was = linker.covers(current.url);
    const will = linker.covers(url);
    if (!was && will) {
      const linked = await linker.linkExisting(current, deps.box);
      if (!linked.ok) throw receiverUnavailable(linked, 'the webhook was not changed');
      return 'on' as const;
    }
    return was && !will ? ('off' as const) : ('same' as const);
  };
  const createSpec = {
    tags,
    body: CreateWebhookBody,
    database: true,
    bodyRequired: true,
    responses: {
      201: { description: 'Registered; the secret is shown only here', schema: CreatedWebhookSchema },
      409: { description: 'The customer already has a webhook for this URL' },
      ...RECEIVER_REFUSED,
    },
  };
  defineRoute(
    app,
    {
      ...createSpec,
      method: 'post',
      path: '/register',
      scope: 'webhooks:write',
      summary: 'Register a webhook (the seed’s route)',
    },
    (c, { body }) => create(c, body),
  );
  defineRoute(
    app,
    {
      ...createSpec,
      method: 'post',
      path: '/webhooks',
      scope: 'webhooks:write',
      summary: 'Register a webhook',
    },
    (c, { body }) => create(c, body),
  );

  defineRoute(
    app,
    {
      method: 'get',
      path: '/',
      scope: 'webhooks:read',
      summary: 'List webhooks as a plain array (the seed’s route); never shows secrets',
      tags,
      query: ListWebhooksQuery,
      database: true,
      responses: { 200: { description: 'Webhooks', schema: z.array(WebhookSchema) } },
    },
    async (c, { query }) => {
      const rows = await deps.webhooks.list({
        customerId: query.customer_id,
        status: query.status,
        after: after(query.cursor),
        limit: query.limit,
      });
      return c.json(rows.map(webhookView), 200);
    },
  );

  defineRoute(
    app,
    {
      method: 'get',
      path: '/webhooks',
      scope: 'webhooks:read',
      summary: 'List webhooks, filtered and paginated',
      tags,
      query: ListWebhooksQuery,
      database: true,
      responses: { 200: { description: 'A page of webhooks', schema: pageSchema(WebhookSchema) } },
    },
    async (c, { query }) => {
      const rows = await deps.webhooks.list({
        customerId: query.customer_id,
        status: query.status,
        after: after(query.cursor),
        limit: query.limit + 1,
      });
      return c.json(
        pageOf(rows, query.limit, webhookView, (w) => webhookCursor.encode({ id: w.id })),
        200,
      );
    },
  );

  const notFound = { 404: { description: 'No such webhook' } };

  defineRoute(
    app,
    {
      method: 'get',
      path: '/webhooks/{id}',
      scope: 'webhooks:read',
      summary: 'Get a webhook',
      tags,
      params: IdParam,
      database: true,
      responses: { 200: { description: 'The webhook', schema: WebhookSchema }, ...notFound },
    },
    async (c, { params }) => c.json(webhookView(await requireWebhook(deps, params.id)), 200),
  );

  defineRoute(
    app,
    {
      method: 'patch',
      path: '/webhooks/{id}',
      scope: 'webhooks:write',
      summary: 'Update a webhook; `active: true` re-enables a disabled one and resumes its held deliveries',
      tags,
      params: IdParam,
      database: true,
      body: PatchWebhookBody,
      bodyRequired: true,
      responses: {
        200: { description: 'The updated webhook', schema: WebhookSchema },
        ...notFound,
        409: {
          description:
            'The customer already has a webhook for the new URL (`webhook_exists`), or `signature_scheme` is not ' +
            'the webhook’s own (`signature_scheme_fixed`)',
        },
        ...RECEIVER_REFUSED,
      },
    },
    async (c, { params, body }) => {
      if (body.webhook_url !== undefined) checkTarget(deps, body.webhook_url);
      const current = await requireWebhook(deps, params.id);
      if (body.signature_scheme !== undefined && body.signature_scheme !== current.signatureScheme) {
        throw new ApiError(
          409,
          'signature_scheme_fixed',
          `signature_scheme is fixed at registration (this webhook signs with ${current.signatureScheme}); register a new webhook to use ${body.signature_scheme}`,
        );
      }
      const moved = await relink(current, body.webhook_url);
      const result = await deps.webhooks.update(
        params.id,
        {
          url: body.webhook_url,
          description: body.description,
          eventTypes: body.event_types,
          headers: body.headers,
          maxInFlight: body.max_in_flight,
          payload: body.payload,
          active: body.active,
        },
        deps.clock(),
      );
      // Secrets installed for a URL the webhook did not get, or for one it left, leave the receiver.
      if ((moved === 'on' && !result.ok) || (moved === 'off' && result.ok)) await linker?.retire(params.id);
      if (!result.ok && result.reason === 'not_found') {
        throw new ApiError(404, 'webhook_not_found', `no webhook ${params.id}`);
      }
      if (!result.ok)
        throw new ApiError(409, 'webhook_exists', 'the customer already has a webhook for this URL');
      if (body.active !== undefined) {
        c.var.log.info(
          { webhookId: params.id, status: result.webhook.status },
          'webhook status set by request',
        );
      }
      if (body.active === true) deps.notify();
      return c.json(webhookView(result.webhook), 200);
    },
  );

  defineRoute(
    app,
    {
      method: 'delete',
      path: '/webhooks/{id}',
      scope: 'webhooks:write',
      summary: 'Delete a webhook: stops its emitter and cancels its undelivered messages',
      tags,
      params: IdParam,
      database: true,
      responses: { 204: { description: 'Deleted' }, ...notFound },
    },
    async (c, { params }) => {
      await requireWebhook(deps, params.id);
      await deps.emitters.stop(params.id, 'webhook deleted');
      if (!(await deps.webhooks.remove(params.id, deps.clock()))) {
        throw new ApiError(404, 'webhook_not_found', `no webhook ${params.id}`);
      }
      // The receiver's copies go in the background (retried until it takes it): never blocking.
      await linker
        ?.retire(params.id)
        .catch((err: unknown) =>
          c.var.log.warn({ webhookId: params.id, err: errorMessage(err) }, 'linked secrets not retired yet'),
        );
      c.var.log.info({ webhookId: params.id }, 'webhook deleted');
      return c.body(null, 204);
    },
  );
}
