import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { ApiError } from '@hookpipe/lib';
import { defineRoute } from '@hookpipe/lib/api';
import { EVENT_TYPES } from '../emitters/catalog.js';
import type { StartOptions } from '../emitters/manager.js';
import type { EmitterRow } from '../model/emitter.js';
import { FAULT_KINDS, type FaultShares } from '../model/fault-kinds.js';
import { requireWebhook, unknownEventType, type ApiDeps } from './deps.js';
import {
  EmitterSchema,
  ListEmittersQuery,
  makeEmitterSchemas,
  StopQuery,
  type EmitterBodyInput,
  type EmitterQueryInput,
} from './emitter-schemas.js';
import type { AppEnv } from './env.js';
import { emitterView } from './views.js';

const tags = ['emitters'];

/** Shares in their order of drawing, each cut to what the ones before it left: what a draw gives each. */
function inForce<K extends string>(
  order: readonly K[],
  given: Partial<Record<K, number>>,
): Partial<Record<K, number>> {
  const out: Partial<Record<K, number>> = {};
  let left = 1;
  for (const key of order) {
    const share = Math.min(given[key] ?? 0, left);
    if (share > 0) out[key] = share;
    left -= share;
  }
  return out;
}

/**
 * Start options from the query string and/or a JSON body (the body wins on a field given in
 * both); shares that add up past 1 are cut as the draw cuts them, so the emitter shows what it does.
 */
export function startOptions(
  query: EmitterQueryInput,
  body: EmitterBodyInput,
  settings: ApiDeps['settings'],
): StartOptions {
  const q = query as Record<string, unknown>;
  const given: FaultShares = {};
  for (const kind of FAULT_KINDS) {
    const share = body.faults?.[kind] ?? q[`fault_${kind}`];
    if (typeof share === 'number') given[kind] = share;
  }
  const simulate = inForce(['dead', 'retry'], {
    dead: body.simulate?.dead ?? query.simulate_dead,
    retry: body.simulate?.retry ?? query.simulate_retry,
  });
  return {
    rate: body.rate ?? query.rate ?? settings.emitterRate,
    maxCount: body.count ?? query.count ?? null,
    durationMs: body.duration ?? query.duration ?? null,
    eventTypes: body.event_types ?? query.event_types ?? [...EVENT_TYPES],
    faults: inForce(FAULT_KINDS, given),
    simulate: { retry: simulate.retry ?? 0, dead: simulate.dead ?? 0 },
    concurrency: body.concurrency ?? query.concurrency ?? settings.emitterConcurrency,
  };
}

export function addEmitterRoutes(app: OpenAPIHono<AppEnv>, deps: ApiDeps): void {
  const { EmitterQuery, EmitterBody } = makeEmitterSchemas(deps.settings);
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
        404: { description: 'No such webhook for this customer' },
        409: {
          description:
            'The webhook is disabled (`webhook_disabled`), too many emitters are running (`emitter_limit`), the ' +
            'catalog lacks an event type (`unknown_event_type`), or the webhook’s scheme cannot have a fault ' +
            '(`fault_unsupported`: a github webhook signs no timestamp to make stale)',
        },
      },
    },
    async (c, { query, body }) => {
      const options = startOptions(query, body, deps.settings);
      const webhook = await ownedWebhook(query.customer_id, query.webhook_id);
      const unknown = await deps.catalog.missing(options.eventTypes);
      if (unknown !== null) throw unknownEventType(unknown);
      if (webhook.signatureScheme === 'github' && options.faults.stale_timestamp !== undefined) {
        throw new ApiError(
          409,
          'fault_unsupported',
          `webhook ${webhook.id} signs with github, which signs no timestamp: it cannot have stale_timestamp faults`,
        );
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
