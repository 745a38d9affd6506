import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { ApiError, errorMessage, newId } from '@hookpipe/lib';
import { defineRoute } from '@hookpipe/lib/api';
import { makePayloadSource, mergeData, type Data } from '../emitters/catalog.js';
import type { ReceiverLink } from '../store/linked-secrets-store.js';
import {
  deliveriesPage,
  eventDataInvalid,
  RECEIVER_REFUSED,
  receiverUnavailable,
  requireWebhook,
  secretFor,
  unknownEventType,
  type ApiDeps,
} from './deps.js';
import type { AppEnv } from './env.js';
import { EventAnswerSchema, IdParam, ListDeliveriesQuery, StatsQuery, TriggerBody } from './schemas.js';
import { RotateBody } from './webhook-schemas.js';

const tags = ['webhooks'];
const notFound = { 404: { description: 'No such webhook' } };

/** How long the receiver keeps a rotated-out linked secret after the sender stops signing with it. */
const LINK_SLACK_S = 60;

/** Per-webhook operations beyond CRUD: secret rotation, stats, delivery history, trigger. */
export function addWebhookActivityRoutes(app: OpenAPIHono<AppEnv>, deps: ApiDeps): void {
  defineRoute(
    app,
    {
      method: 'post',
      path: '/webhooks/{id}/rotate-secret',
      scope: 'webhooks:write',
      summary:
        'Rotate the secret (your own `secret`, or a new one): shown once; old and new both sign during the grace period ' +
        '(github: the newest only)',
      tags,
      params: IdParam,
      database: true,
      body: RotateBody,
      responses: {
        200: {
          description: 'The new secret',
          schema: z.object({
            webhook_id: z.string(),
            secret_token: z.string(),
            previous_secret_expires_at: z.string(),
          }),
        },
        ...notFound,
        409: { description: 'The secret does not fit the webhook’s scheme (`secret_scheme_mismatch`)' },
        ...RECEIVER_REFUSED,
      },
    },
    async (c, { params, body }) => {
      const webhook = await requireWebhook(deps, params.id);
      const secret = secretFor(webhook.signatureScheme, body.secret);
      const { linker } = deps;
      let link: ReceiverLink | undefined;
      if (linker?.covers(webhook.url)) {
        const installed = await linker.install(webhook, secret);
        if (!installed.ok) throw receiverUnavailable(installed, 'the secret was not rotated');
        link = { receiverSecretId: installed.receiverSecretId };
      }
      const rotated = await deps.webhooks
        .rotateSecret(params.id, {
          now: deps.clock(),
          graceS: body.grace_seconds ?? deps.settings.rotationGraceS,
          box: deps.box,
          secret,
          link,
          slackS: LINK_SLACK_S,
        })
        .catch(async (err: unknown) => {
          if (link) await linker?.undo(params.id, link.receiverSecretId).catch(() => undefined);
          throw err;
        });
      if (!rotated) {
        if (link) await linker?.undo(params.id, link.receiverSecretId);
        throw new ApiError(404, 'webhook_not_found', `no webhook ${params.id}`);
      }
      c.var.log.info({ webhookId: params.id, until: rotated.previousExpiresAt }, 'webhook secret rotated');
      return c.json(
        {
          webhook_id: params.id,
          secret_token: rotated.secret,
          previous_secret_expires_at: rotated.previousExpiresAt.toISOString(),
        },
        200,
      );
    },
  );

  defineRoute(
    app,
    {
      method: 'get',
      path: '/webhooks/{id}/stats',
      scope: 'webhooks:read',
      summary: 'Attempts, success rate, latency p50/p99 and last error over a window',
      tags,
      params: IdParam,
      database: true,
      query: StatsQuery,
      responses: { 200: { description: 'Statistics' }, ...notFound },
    },
    async (c, { params, query }) => {
      await requireWebhook(deps, params.id);
      const stats = await deps.history.webhookStats(params.id, { now: deps.clock(), windowS: query.window });
      return c.json({ webhook_id: params.id, ...stats }, 200);
    },
  );

  defineRoute(
    app,
    {
      method: 'get',
      path: '/webhooks/{id}/deliveries',
      scope: 'webhooks:read',
      summary: 'Deliveries of a webhook, newest first',
      tags,
      params: IdParam,
      database: true,
      query: ListDeliveriesQuery,
      responses: { 200: { description: 'A page of deliveries' }, ...notFound },
    },
    async (c, { params, query }) => {
      await requireWebhook(deps, params.id);
      return c.json(await deliveriesPage(deps, params.id, query), 200);
    },
  );

  defineRoute(
    app,
    {
      method: 'post',
      path: '/webhooks/{id}/trigger',
      scope: 'webhooks:write',
      summary:
        'Send one catalog event to this webhook now (through the outbox, like POST /events): data generated for ' +
        'the type, the static payload and `overrides` merged over it, checked against a user type’s schema',
      tags,
      params: IdParam,
      database: true,
      body: TriggerBody,
      bodyRequired: true,
      responses: {
        202: { description: 'Queued', schema: EventAnswerSchema },
        ...notFound,
        409: {
          description:
            'The webhook is disabled (`webhook_disabled`), the catalog has no such type (`unknown_event_type`), ' +
            'or the event’s data fails the type’s schema (`event_data_invalid`)',
        },
      },
    },
    async (c, { params, body }) => {
      const webhook = await requireWebhook(deps, params.id);
      if (webhook.status !== 'ACTIVE') {
        throw new ApiError(
          409,
          'webhook_disabled',
          `webhook ${params.id} is disabled; PATCH active: true first`,
        );
      }
      const entry = await deps.catalog.lookup(body.type, true);
      if (!entry) throw unknownEventType(body.type);
      const now = deps.clock();
      let data: Data;
      try {
        data = makePayloadSource(deps.settings.fakerSeed, [], () => entry.schema).data(
          body.type,
          new Date(now),
        );
      } catch (err) {
        throw eventDataInvalid(`no data could be generated for ${body.type}: ${errorMessage(err)}`);
      }
      data = mergeData(mergeData(data, webhook.payload ?? {}), body.overrides ?? {});
      const problem = entry.check?.(data);
      if (problem) {
        deps.metrics.invalidPayloads.inc({ source: 'trigger' });
        throw eventDataInvalid(
          `the event's data (generated, static payload and overrides merged) fails the schema of ${body.type}: ${problem}`,
        );
      }
      const result = await deps.events.ingest(
        {
          id: newId('evt', now),
          type: body.type,
          source: 'trigger',
          eventTime: new Date(now),
          timeGiven: false,
          data,
          webhookId: webhook.id,
        },
        now,
      );
      if (result.kind !== 'accepted') throw new Error('a fresh event id collided');
      deps.metrics.enqueued.inc({ source: 'trigger' }, result.answer.deliveries.length);
      deps.notify();
      return c.json(result.answer, 202);
    },
  );
}
