import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { ApiError, type Logger } from '@hookpipe/lib';
import { defineRoute } from '@hookpipe/lib/api';
import type { RetentionStore } from '../store/retention-store.js';
import { deadLetterFilterFields, deadLetterSelectionSchema, idParam } from './common.js';
import { deadLetterFilterOf } from './dead-letter-filter.js';

export type DeadLetterPurge = Pick<RetentionStore, 'deadLetterIds' | 'purgeDeadLetters'>;

const PurgeResultSchema = z
  .object({
    purged: z.array(z.object({ id: z.number().int(), webhook_id: z.string() })),
    skipped: z.array(z.object({ id: z.number().int(), reason: z.enum(['not_found']) })),
  })
  .openapi('PurgeResult');

/**
 * Explicit deletion of dead letters. Retention never deletes an open dead letter (it waits to be
 * replayed); these routes are how an operator gives one up.
 */
export function registerDeadLetterPurgeRoutes(
  app: OpenAPIHono,
  deps: { deadLetterPurge: DeadLetterPurge; replayMax: number; logger: Logger },
): void {
  const purge = async (given: readonly number[]) => {
    const ids = [...new Set(given)];
    const purged = ids.length === 0 ? [] : await deps.deadLetterPurge.purgeDeadLetters(ids);
    for (const p of purged) {
      deps.logger.info({ deadLetterId: p.id, webhookId: p.webhook_id }, 'dead letter purged');
    }
    const found = new Set(purged.map((p) => p.id));
    const skipped = ids.filter((id) => !found.has(id)).map((id) => ({ id, reason: 'not_found' as const }));
    return { purged, skipped };
  };

  defineRoute(
    app,
    {
      method: 'delete',
      path: '/dead-letters/{id}',
      scope: 'dead-letters:write',
      summary: 'Delete one dead letter (open or replayed) and the failure history nothing else shows',
      params: z.object({ id: idParam('id') }),
      database: true,
      responses: {
        204: { description: 'Deleted' },
        404: { description: 'No such dead letter (`dead_letter_not_found`)' },
      },
    },
    async (c, { params: { id } }) => {
      const { purged } = await purge([id]);
      if (purged.length === 0)
        throw new ApiError(404, 'dead_letter_not_found', `no dead letter has id ${id}`);
      return c.body(null, 204);
    },
  );

  defineRoute(
    app,
    {
      method: 'post',
      path: '/dead-letters/purge',
      scope: 'dead-letters:write',
      summary: 'Delete many dead letters, by ids or by a filter (open ones unless `status` says otherwise)',
      body: deadLetterSelectionSchema(
        deps.replayMax,
        z
          .object({
            ...deadLetterFilterFields,
            status: z.enum(['open', 'replayed', 'all']).default('open'),
          })
          .strict(),
      ),
      bodyRequired: true,
      database: true,
      responses: {
        200: { description: 'What was deleted and which ids were not found', schema: PurgeResultSchema },
      },
    },
    async (c, { body }) => {
      const ids =
        'ids' in body
          ? body.ids
          : await deps.deadLetterPurge.deadLetterIds(
              { ...deadLetterFilterOf(body.filter), status: body.filter.status ?? 'open' },
              body.limit,
            );
      return c.json(await purge(ids), 200);
    },
  );
}
