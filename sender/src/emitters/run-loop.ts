import { delay, errorMessage, type Clock, type Logger } from '@hookpipe/lib';
import type { EventCatalog } from '../event-types/catalog.js';
import type { SenderMetrics } from '../metrics.js';
import type { NewDelivery } from '../model/delivery.js';
import type { EmitterRow } from '../model/emitter.js';
import type { WebhookRow } from '../model/webhook.js';
import type { EmittersStore } from '../store/emitters-store.js';
import { makePayloadSource, hashKey } from './catalog.js';
import { dueCount, emitterEvent, tickMs } from './events.js';

/** How often a running emitter re-reads its webhook (a PATCHed static payload takes effect). */
const WEBHOOK_REFRESH_MS = 2000;

export interface EmitterLoopDeps {
  emitterRows: EmittersStore;
  /** The webhook an emitter feeds: its scheme and static payload. */
  webhookOf: (id: string) => Promise<WebhookRow | null>;
  catalog: EventCatalog;
  logger: Logger;
  clock: Clock;
  metrics: SenderMetrics;
  /** Told after each enqueue, so the worker looks for due work at once. */
  notify: () => void;
  seed: number | undefined;
  oversizedBytes: number;
  maxBacklog: number;
  /** This process's SENDER_INSTANCE_ID: each batch is written only while it owns the emitter. */
  owner: string;
}

/**
 * One emitter's loop: ticks at its rate and writes each tick's events to the outbox in one
 * transaction, from the count the database holds (so a takeover or a restart resumes the count
 * exactly). Its schedule starts when the loop does: a new owner sends at the rate from then on,
 * not the ticks missed while nobody ran it (see docs/sender.md, instances and leases).
 */
export async function runEmitter(e: EmitterRow, deps: EmitterLoopDeps, signal: AbortSignal): Promise<void> {
  const { emitterRows, logger, clock, owner } = deps;
  const log = logger.child({ emitterId: e.id, webhookId: e.webhookId });
  const { catalog } = deps;
  const source = makePayloadSource(
    deps.seed,
    [hashKey(e.customerId), e.emitted],
    (type) => catalog.cached(type)?.schema,
  );
  const check = (type: string, data: Record<string, unknown>) => catalog.cached(type)?.check?.(data) ?? null;
  let webhook: WebhookRow | null = null;
  let webhookAt = -Infinity;
  const tick = tickMs(e.rate);
  let since = clock();
  let done = 0;
  let emitted = e.emitted;
  let delivered: Awaited<ReturnType<EmittersStore['lastDelivered']>> = null;
  let deliveredAt = 0;
  let paused = false;
  let failing = false;
  log.info({ rate: e.rate, maxCount: e.maxCount, endsAt: e.endsAt, faults: e.faults }, 'emitter running');
  while (!signal.aborted) {
    const now = clock();
    const remaining = e.maxCount === null ? Infinity : e.maxCount - emitted;
    if ((e.endsAt && now >= e.endsAt.getTime()) || remaining <= 0) {
      const why = remaining <= 0 ? `count ${e.maxCount} reached` : 'duration reached';
      await emitterRows.finish(e.id, 'completed', why, now, owner);
      log.info({ emitted, reason: why }, 'emitter completed');
      return;
    }
    try {
      let n = dueCount({ rate: e.rate, since, done, now, remaining });
      // Behind by more than a second (a slow database, a paused process): carry on at the rate
      // from here instead of sending the arrears in one burst.
      if (n > Math.ceil(e.rate) + 1) {
        n = Math.min(n, Math.ceil(e.rate));
        since = now;
        done = 1 - n; // so that, with these n counted, nothing more is owed at `now`
      }
      if (n > 0) {
        const room = deps.maxBacklog - (await emitterRows.backlog(e.id));
        if (room <= 0) {
          if (!paused) log.warn({ maxBacklog: deps.maxBacklog }, 'emitter paused: backlog full');
          paused = true;
          since = now;
          done = 0;
        } else {
          if (paused) log.info('emitter resumed: backlog has room');
          paused = false;
          n = Math.min(n, room);
          if (now - webhookAt > WEBHOOK_REFRESH_MS) {
            webhook = await deps.webhookOf(e.webhookId);
            if (webhookAt === -Infinity) await catalog.missing(e.eventTypes);
            webhookAt = now;
          }
          if (!webhook) {
            log.info('emitter’s webhook is gone: loop ends');
            return;
          }
          if ((e.faults.duplicate_id ?? 0) > 0 && now - deliveredAt > 1000) {
            delivered = await emitterRows.lastDelivered(e);
            deliveredAt = now;
          }
          const at = new Date(now);
          const rows: NewDelivery[] = [];
          let invalid = 0;
          let why: { type: string; reason: string } | null = null;
          for (let i = 0; i < n; i++) {
            const event = emitterEvent({
              source,
              eventTypes: e.eventTypes,
              faults: e.faults,
              simulate: e.simulate,
              oversizedBytes: deps.oversizedBytes,
              now: at,
              webhookId: e.webhookId,
              customerId: e.customerId,
              emitterId: e.id,
              scheme: webhook.signatureScheme,
              payload: webhook.payload,
              check,
              delivered,
            });
            if ('invalid' in event) {
              invalid += 1;
              why ??= { type: event.type, reason: event.invalid };
            } else {
              rows.push(event);
            }
          }
          const batch = await emitterRows.emitBatch(e.id, owner, rows, now, invalid);
          if (!batch.live) {
            log.info(
              'emitter no longer running here (stopped, taken over, or its webhook is gone): loop ends',
            );
            return;
          }
          if (why) {
            deps.metrics.invalidPayloads.inc({ source: 'emitter' }, invalid);
            log.warn(
              { invalid, eventType: why.type, reason: why.reason },
              'generated data failed its schema: not sent',
            );
          }
          done += n;
          emitted += batch.inserted + invalid;
          deps.metrics.enqueued.inc({ source: 'emitter' }, batch.inserted);
          deps.notify();
        }
      }
    } catch (err) {
      // Once per outage at warn; the ticks that keep failing meanwhile at debug.
      log[failing ? 'debug' : 'warn']({ err: errorMessage(err) }, 'emitter tick failed; retrying');
      failing = true;
      await delay(1000, signal);
      continue;
    }
    if (failing) log.info('emitter ticks work again');
    failing = false;
    await delay(tick, signal);
  }
}
