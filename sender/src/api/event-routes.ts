import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { ApiError, newId } from '@hookpipe/lib';
import { defineRoute } from '@hookpipe/lib/api';
import { eventDataInvalid, type ApiDeps } from './deps.js';
import type { AppEnv } from './env.js';
import { EventAnswerSchema, EventBody } from './schemas.js';

const tags = ['events'];

export function addEventRoutes(app: OpenAPIHono<AppEnv>, deps: ApiDeps): void {
  defineRoute(
    app,
    {
      method: 'post',
      path: '/events',
      scope: 'events:write',
      summary: 'Publish an event to every active webhook subscribed to its type',
      description:
        'Accepted means durable: one outbox delivery per matching webhook is stored before the answer. ' +
        'Idempotent on `id`: a repeat returns the first answer (header `Idempotent-Replayed: true`) and ' +
        'delivers nothing twice; the same id with a different request is 409.',
      tags,
      body: EventBody,
      bodyRequired: true,
      database: true,
      responses: {
        202: { description: 'Accepted and queued', schema: EventAnswerSchema },
        409: {
          description:
            'This event id was used for a different request (`event_id_conflict`), or `data` fails the schema of ' +
            'a user event type (`event_data_invalid`)',
        },
        413: { description: '`data` is larger than SENDER_MAX_EVENT_BYTES' },
      },
    },
    async (c, { body }) => {
      const size = Buffer.byteLength(JSON.stringify(body.data));
      if (size > deps.settings.maxEventBytes) {
        throw new ApiError(
          413,
          'payload_too_large',
          `data is ${size} bytes; the limit is ${deps.settings.maxEventBytes} (SENDER_MAX_EVENT_BYTES)`,
        );
      }
      // A user type's data is checked against its schema; other types' data is sent as given.
      const problem = (await deps.catalog.lookup(body.type))?.check?.(body.data);
      if (problem) throw eventDataInvalid(`data fails the schema of ${body.type}: ${problem}`);
      const now = deps.clock();
      const result = await deps.events.ingest(
        {
          id: body.id ?? newId('evt', now),
          type: body.type,
          source: body.source ?? null,
          eventTime: body.event_time ? new Date(body.event_time) : new Date(now),
          timeGiven: body.event_time !== undefined,
          data: body.data,
        },
        now,
      );
      if (result.kind === 'conflict') {
        throw new ApiError(
          409,
          'event_id_conflict',
          `event id ${body.id} was already used for a different event`,
        );
      }
      if (result.kind === 'replayed') return c.json(result.answer, 202, { 'Idempotent-Replayed': 'true' });
      deps.metrics.enqueued.inc({ source: 'event' }, result.answer.deliveries.length);
      deps.notify();
      c.var.log.debug(
        { eventId: result.answer.id, deliveries: result.answer.deliveries.length },
        'event accepted',
      );
      return c.json(result.answer, 202);
    },
  );

  defineRoute(
    app,
    {
      method: 'get',
      path: '/events/{id}/attempts',
      scope: 'webhooks:read',
      summary:
        'Every delivery of an event with all its attempts (by event id, or by a message id = webhook-id)',
      tags,
      params: z.strictObject({
        id: z
          .string()
          .regex(/^[\x21-\x7e]{1,255}$/)
          .openapi({ param: { name: 'id', in: 'path' } }),
      }),
      database: true,
      responses: {
        200: { description: 'Deliveries and their attempt logs (none for an event no webhook took)' },
        404: { description: 'No event and no delivery has this id (`event_not_found`)' },
      },
    },
    async (c, { params }) => {
      const deliveries = await deps.history.attemptsFor(params.id);
      if (deliveries === null) {
        throw new ApiError(404, 'event_not_found', `no event or message has id ${params.id}`);
      }
      return c.json({ id: params.id, deliveries }, 200);
    },
  );
}
