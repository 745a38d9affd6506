import { HEADERS, HookpipeError, TOPICS, type Clock } from '@hookpipe/lib';
import { replayHeaders } from './pipeline/headers.js';
import type { OutgoingRecord } from './pipeline/failures.js';
import type { DeadLettersStore } from './store/dead-letters-store.js';

/** Publishing a replay to Kafka failed; nothing was marked replayed. */
export class ReplayPublishError extends HookpipeError {
  override readonly name = 'ReplayPublishError';
}

/**
 * Replays dead letters: republishes each one's exact body, under its original key and headers,
 * to `webhooks.events` with `retry_count` 0 and a `replayed-at` header, then records the replay.
 */
export function makeReplayer(deps: {
  deadLetters: Pick<DeadLettersStore, 'replay'>;
  publish(records: readonly OutgoingRecord[]): Promise<void>;
  clock: Clock;
}) {
  return (ids: readonly number[]) => {
    const replayedAt = new Date(deps.clock());
    return deps.deadLetters.replay(ids, replayedAt, async (rows) => {
      const records = rows.map((r) => {
        const customerId = r.headers[HEADERS.customerId];
        return {
          topic: TOPICS.events,
          key: r.key ?? (customerId === undefined ? null : Buffer.from(customerId)),
          value: r.rawBody,
          headers: replayHeaders(r.headers, replayedAt),
        };
      });
      try {
        await deps.publish(records);
      } catch (err) {
        throw new ReplayPublishError(`Kafka did not take the replayed records: ${(err as Error).message}`, {
          retriable: true,
          cause: err,
        });
      }
    });
  };
}

export type Replayer = ReturnType<typeof makeReplayer>;
