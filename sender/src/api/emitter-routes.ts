import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { ApiError } from '@hookpipe/lib';
import { defineRoute, validationError } from '@hookpipe/lib/api';
import { EVENT_TYPES } from '../emitters/catalog.js';
import type { StartOptions } from '../emitters/manager.js';
import type { EmitterRow } from '../model/emitter.js';
import { FAULT_KINDS, type FaultShares } from '../model/fault-kinds.js';
import { requireWebhook, type ApiDeps } from './deps.js';
import type { AppEnv } from './env.js';
import { EmitterBody, EmitterQuery, EmitterSchema, ListEmittersQuery, StopQuery } from './schemas.js';
import { emitterView } from './views.js';

const tags = ['emitters'];

/**
 * Start options from the query string and/or a JSON body (the body wins on a field given in
 * both), checked against the configured bounds.
 */
export function startOptions(
  query: z.output<typeof EmitterQuery>,
  body: z.output<typeof EmitterBody>,
  settings: ApiDeps['settings'],
): StartOptions {
  const faults: FaultShares = {};
  const q = query as Record<string, unknown>;
  for (const kind of FAULT_KINDS) {
    const share = body.faults?.[kind] ?? q[`fault_${kind}`];
    if (typeof share === 'number' && share > 0) faults[kind] = share;
  }
  const total = Object.values(faults).reduce((s, v) => s + v, 0);
  const simulate = {
    retry: body.simulate?.retry ?? query.simulate_retry ?? 0,
    dead: body.simulate?.dead ?? query.simulate_dead ?? 0,
  };
  const rate = body.rate ?? query.rate ?? settings.emitterRate;
  const concurrency = body.concurrency ?? query.concurrency ?? settings.emitterConcurrency;
  const problems: { path: string[]; message: string }[] = [];
  if (total > 1) problems.push({ path: ['faults'], message: 'fault shares add up to more than 1' });
  if (simulate.retry + simulate.dead > 1) {
    problems.push({ path: ['simulate'], message: 'simulate shares add up to more than 1' });
  }
  if (rate > settings.emitterMaxRate) {
    problems.push({
      path: ['rate'],
      message: `must be at most ${settings.emitterMaxRate} (SENDER_EMITTER_MAX_RATE)`,
    });
  }
  if (concurrency > settings.deliveryConcurrency) {
    problems.push({
      path: ['concurrency'],
      message: `must be at most ${settings.deliveryConcurrency} (SENDER_DELIVERY_CONCURRENCY)`,
    });
  }
  if (problems.length > 0) throw validationError('query', problems);
  return {
    rate,
    maxCount: body.count ?? query.count ?? null,
    durationMs: body.duration ?? query.duration ?? null,
    eventTypes: body.event_types ?? query.event_types ?? [...EVENT_TYPES],
    faults,
    simulate,
    concurrency,
  };
}

export function addEmitterRoutes(app: OpenAPIHono<AppEnv>, deps: ApiDeps): void {
  const view = async (rows: EmitterRow[]) => {
    const counts = await deps.emitterRows.counts(rows.map((r) => r.id));
    return rows.map((r) => emitterView(r, counts.get(r.id)));
  };
  const ownedWebhook = async (customerId: string, webhookId: string) => {
    const webhook = await requireWebhook(deps, webhookId);
    // Someone else's webhook is answered like a missing one: ids of others stay unconfirmed.
    if (webhook.customerId !== customerId) {
      throw new ApiError(404, 'webhook_not_found', `customer ${customerId} has no webhook ${webhookId}`);
    }
    return webhook;
  };

  defineRoute(
    app,
    {
      method: 'post',
      path: '/emitter/start',
      scope: 'emitters:write',
      summary: 'Start the webhook’s emitter (the seed’s route); starting a running one returns it',
      description:
        'Options come from the query string (`rate`, `count`, `duration`, `event_types`, `concurrency`, ' +
        '`fault_<kind>`) or a JSON body (`faults: {kind: share}`); fault kinds: ' +
        FAULT_KINDS.join(', '),
      tags,
      query: EmitterQuery,
      body: EmitterBody,
      database: true,
      responses: {
        201: { description: 'Started', schema: EmitterSchema },
        200: { description: 'Already running: the running emitter, unchanged', schema: EmitterSchema },
        400: {
          description: 'Invalid options, an unknown event type, or a fault the webhook’s scheme cannot have',
        },
        404: { description: 'No such webhook for this customer' },
        409: { description: 'The webhook is disabled, or too many emitters are running' },
      },
    },
    async (c, { query, body }) => {
      const options = startOptions(query, body, deps.settings);
      const webhook = await ownedWebhook(query.customer_id, query.webhook_id);
      const unknown = await deps.catalog.missing(options.eventTypes);
      if (unknown !== null) {
        throw validationError(body.event_types ? 'body' : 'query', [
          { path: ['event_types'], message: `unknown event type ${unknown} (GET /event-types lists them)` },
        ]);
      }
      if (webhook.signatureScheme === 'github' && options.faults.stale_timestamp !== undefined) {
        throw validationError(body.faults ? 'body' : 'query', [
          {
            path: body.faults ? ['faults', 'stale_timestamp'] : ['fault_stale_timestamp'],
            message: 'a github webhook signs no timestamp, so it cannot be stale',
          },
        ]);
      }
      if (webhook.status !== 'ACTIVE') {
        throw new ApiError(
          409,
          'webhook_disabled',
          `webhook ${webhook.id} is disabled; PATCH active: true first`,
        );
      }
      const started = await deps.emitters.start({ id: webhook.id, customerId: webhook.customerId }, options);
      if (!started.ok) throw new ApiError(409, 'emitter_limit', started.message);
      if (started.created)
        c.var.log.info({ emitterId: started.emitter.id, webhookId: webhook.id }, 'emitter started');
      const [shown] = await view([started.emitter]);
      return c.json(shown!, started.created ? 201 : 200);
    },
  );

  defineRoute(
    app,
    {
      method: 'post',
      path: '/emitter/stop',
      scope: 'emitters:write',
      summary:
        'Stop the webhook’s emitter; answers once it has stopped (already-queued events still deliver)',
      tags,
      query: StopQuery,
      database: true,
      responses: {
        200: { description: 'Stopped (or already over)', schema: EmitterSchema },
        404: { description: 'No such webhook for this customer, or it never had an emitter' },
      },
    },
    async (c, { query }) => {
      const webhook = await ownedWebhook(query.customer_id, query.webhook_id);
      const stopped = await deps.emitters.stop(webhook.id);
      if (!stopped) throw new ApiError(404, 'emitter_not_found', `webhook ${webhook.id} has no emitter`);
      c.var.log.info({ emitterId: stopped.id, webhookId: webhook.id }, 'emitter stopped');
      const [shown] = await view([stopped]);
      return c.json(shown!, 200);
    },
  );

  defineRoute(
    app,
    {
      method: 'get',
      path: '/emitters',
      scope: 'webhooks:read',
      summary: 'Emitters (running ones unless `status` says otherwise) with their counters',
      tags,
      query: ListEmittersQuery,
      database: true,
      responses: { 200: { description: 'Emitters', schema: z.object({ data: z.array(EmitterSchema) }) } },
    },
    async (c, { query }) => {
      const rows = await deps.emitterRows.list({
        status: query.status === 'all' ? undefined : query.status,
        webhookId: query.webhook_id,
        limit: query.limit,
      });
      return c.json({ data: await view(rows) }, 200);
    },
  );
}
