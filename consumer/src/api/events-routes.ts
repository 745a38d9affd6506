import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { ApiError } from '@hookpipe/lib';
import { defineRoute, pageSchema } from '@hookpipe/lib/api';
import { eventCursor } from '../store/cursors.js';
import type { EventsQuery } from '../store/events-query.js';
import { customerIdParam, dateTimeParam, limitParam, typeParam, webhookIdSchema } from './common.js';

const KafkaPosition = z.object({ topic: z.string(), partition: z.number().int(), offset: z.number().int() });

export const EventSchema = z
  .object({
    webhook_id: z.string().openapi({ example: 'msg_01JDX4S7C2Q4M7ZK8V3N5W6Y9A' }),
    customer_id: z.string().openapi({ example: 'demo' }),
    event_type: z.string().openapi({ example: 'order.created' }),
    payload: z.unknown().openapi({ description: 'The event body as received' }),
    retry_count: z.number().int().openapi({ description: 'retry_count of the record that was persisted' }),
    signed_at: z.string().nullable().openapi({ description: 'webhook-timestamp of the verified signature' }),
    received_at: z.string().openapi({ description: 'When a handler accepted the event' }),
    persisted_at: z.string().openapi({ description: 'When the consumer stored it (microseconds)' }),
    request_id: z.string().nullable(),
    kafka: KafkaPosition,
  })
  .openapi('Event');

export const FailureSchema = z
  .object({
    retry_count: z.number().int(),
    error_class: z.string().openapi({ example: 'InjectedFailure' }),
    error_message: z.string(),
    outcome: z.enum(['retry', 'dead_letter']),
    not_before: z.string().nullable(),
    failed_at: z.string(),
    kafka: KafkaPosition,
  })
  .openapi('Failure');

export function registerEventRoutes(app: OpenAPIHono, deps: { events: EventsQuery }): void {
  defineRoute(
    app,
    {
      method: 'get',
      path: '/events',
      scope: 'events:read',
      summary: 'List persisted events',
      description:
        'Filters by customer, type and persisted time; ordered by (persisted_at, webhook_id); cursor pagination.',
      query: z.object({
        customer_id: customerIdParam,
        type: typeParam,
        since: dateTimeParam('since', 'Persisted at or after'),
        until: dateTimeParam('until', 'Persisted before'),
        order: z
          .enum(['asc', 'desc'])
          .default('desc')
          .openapi({ param: { name: 'order', in: 'query' }, description: 'Newest first by default' }),
        limit: limitParam(500, 50),
        cursor: eventCursor.param,
      }),
      database: true,
      responses: {
        200: { description: 'A page of events', schema: pageSchema(EventSchema) },
      },
    },
    async (c, { query: q }) => {
      // since ≥ until is an empty range, not an error: the page is empty.
      const cursor = q.cursor === undefined ? undefined : eventCursor.decode(q.cursor);
      const page = await deps.events.list({
        customerId: q.customer_id,
        type: q.type,
        since: q.since,
        until: q.until,
        order: q.order,
        limit: q.limit,
        cursor,
      });
      return c.json(page, 200);
    },
  );

  defineRoute(
    app,
    {
      method: 'get',
      path: '/events/{webhookId}',
      scope: 'events:read',
      summary: 'One event with its retry history',
      params: z.object({
        webhookId: webhookIdSchema.openapi({
          param: { name: 'webhookId', in: 'path' },
          example: 'msg_01JDX4S7C2',
        }),
      }),
      database: true,
      responses: {
        200: {
          description: 'The event and every failed attempt before it was persisted',
          schema: EventSchema.extend({ failures: z.array(FailureSchema) }),
        },
        404: { description: 'No persisted event has this webhook id (`event_not_found`)' },
      },
    },
    async (c, { params }) => {
      const event = await deps.events.get(params.webhookId);
      if (!event) {
        throw new ApiError(404, 'event_not_found', `no persisted event has webhook id ${params.webhookId}`);
      }
      return c.json(event, 200);
    },
  );
}
