import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { ApiError } from '@hookpipe/lib';
import { defineRoute, pageSchema } from '@hookpipe/lib/api';
import { ReplayPublishError, type Replayer } from '../replay.js';
import { deadLetterCursor } from '../store/cursors.js';
import type { DeadLettersStore } from '../store/dead-letters-store.js';
import type { EventsQuery } from '../store/events-query.js';
import { deadLetterFilterOf } from './dead-letter-filter.js';
import { FailureSchema } from './events-routes.js';
import {
  customerIdParam,
  dateTimeParam,
  deadLetterFilterFields,
  deadLetterSelectionSchema,
  idParam,
  limitParam,
  typeParam,
  webhookIdSchema,
} from './common.js';

export const DeadLetterSchema = z
  .object({
    id: z.number().int(),
    webhook_id: z.string(),
    customer_id: z.string().nullable(),
    event_type: z.string().nullable(),
    retry_count: z.number().int(),
    reason: z.string(),
    error_class: z.string(),
    payload: z.unknown().openapi({ description: 'The body as JSON; null when it was not valid JSON' }),
    headers: z.record(z.string(), z.string()),
    original: z.object({ topic: z.string(), partition: z.number().int(), offset: z.number().int() }),
    first_failed_at: z.string(),
    failed_at: z.string(),
    replayed_at: z.string().nullable(),
    replay_count: z.number().int(),
  })
  .openapi('DeadLetter');

const ReplayResultSchema = z
  .object({
    replayed: z.array(z.object({ id: z.number().int(), webhook_id: z.string(), replayed_at: z.string() })),
    skipped: z.array(z.object({ id: z.number().int(), reason: z.enum(['not_found', 'already_replayed']) })),
  })
  .openapi('ReplayResult');

const unavailable = {
  description:
    'The database is unavailable (`database_unavailable`), or Kafka did not take the replay and nothing was marked (`kafka_unavailable`)',
};
const notFound = { description: 'No such dead letter (`dead_letter_not_found`)' };
const IdParams = z.object({ id: idParam('id') });

export function registerDeadLetterRoutes(
  app: OpenAPIHono,
  deps: {
    deadLetters: DeadLettersStore;
    events: Pick<EventsQuery, 'failures'>;
    replay: Replayer;
    replayMax: number;
  },
): void {
  const replay = async (ids: readonly number[]) => {
    try {
      return await deps.replay(ids);
    } catch (err) {
      if (err instanceof ReplayPublishError)
        throw new ApiError(503, 'kafka_unavailable', err.message, undefined, { 'Retry-After': '5' });
      throw err;
    }
  };

  defineRoute(
    app,
    {
      method: 'get',
      path: '/dead-letters',
      scope: 'events:read',
      summary: 'List dead letters, newest first',
      query: z.object({
        webhook_id: webhookIdSchema
          .optional()
          .openapi({ param: { name: 'webhook_id', in: 'query' }, description: 'Dead letters of one event' }),
        customer_id: customerIdParam,
        type: typeParam,
        since: dateTimeParam('since', 'Failed at or after'),
        until: dateTimeParam('until', 'Failed before'),
        status: z
          .enum(['open', 'replayed', 'all'])
          .default('all')
          .openapi({ param: { name: 'status', in: 'query' }, description: 'open = not replayed yet' }),
        limit: limitParam(500, 50),
        cursor: deadLetterCursor.param,
      }),
      database: true,
      responses: {
        200: { description: 'A page of dead letters', schema: pageSchema(DeadLetterSchema) },
      },
    },
    async (c, { query: q }) => {
      const page = await deps.deadLetters.list({
        webhookId: q.webhook_id,
        customerId: q.customer_id,
        type: q.type,
        since: q.since,
        until: q.until,
        status: q.status,
        limit: q.limit,
        cursor: q.cursor === undefined ? undefined : deadLetterCursor.decode(q.cursor),
      });
      return c.json(page, 200);
    },
  );

  defineRoute(
    app,
    {
      method: 'get',
      path: '/dead-letters/{id}',
      scope: 'events:read',
      summary: 'One dead letter with the raw body and the retry history',
      params: IdParams,
      database: true,
      responses: {
        200: {
          description: 'The dead letter',
          schema: DeadLetterSchema.extend({ raw_body_base64: z.string(), failures: z.array(FailureSchema) }),
        },
        404: notFound,
      },
    },
    async (c, { params: { id } }) => {
      const row = await deps.deadLetters.get(id);
      if (!row) throw new ApiError(404, 'dead_letter_not_found', `no dead letter has id ${id}`);
      return c.json({ ...row, failures: await deps.events.failures(row.webhook_id) }, 200);
    },
  );

  defineRoute(
    app,
    {
      method: 'post',
      path: '/dead-letters/replay',
      scope: 'dead-letters:write',
      summary: 'Replay many dead letters, by ids or by a filter over the open ones',
      body: deadLetterSelectionSchema(deps.replayMax, z.object(deadLetterFilterFields).strict()),
      bodyRequired: true,
      database: true,
      responses: {
        200: { description: 'What was replayed and what was skipped', schema: ReplayResultSchema },
        503: unavailable,
      },
    },
    async (c, { body }) => {
      const ids =
        'ids' in body
          ? body.ids
          : await deps.deadLetters.openIds(deadLetterFilterOf(body.filter), body.limit);
      const result = ids.length === 0 ? { replayed: [], skipped: [] } : await replay(ids);
      return c.json(
        {
          replayed: result.replayed.map((r) => ({
            id: r.id,
            webhook_id: r.webhookId,
            replayed_at: r.replayedAt!.toISOString(),
          })),
          skipped: result.skipped,
        },
        200,
      );
    },
  );

  defineRoute(
    app,
    {
      method: 'post',
      path: '/dead-letters/{id}/replay',
      scope: 'dead-letters:write',
      summary: 'Replay one dead letter to webhooks.events with retry_count 0',
      params: IdParams,
      database: true,
      responses: {
        200: {
          description: 'Republished and marked replayed',
          schema: z.object({ id: z.number().int(), webhook_id: z.string(), replayed_at: z.string() }),
        },
        404: notFound,
        409: { description: 'Already replayed (`already_replayed`)' },
        503: unavailable,
      },
    },
    async (c, { params: { id } }) => {
      const result = await replay([id]);
      const done = result.replayed[0];
      if (done)
        return c.json({ id, webhook_id: done.webhookId, replayed_at: done.replayedAt!.toISOString() }, 200);
      if (result.skipped[0]?.reason === 'already_replayed') {
        throw new ApiError(409, 'already_replayed', `dead letter ${id} was already replayed`);
      }
      throw new ApiError(404, 'dead_letter_not_found', `no dead letter has id ${id}`);
    },
  );
}
