import { delay, errorMessage, newId, type Clock, type Logger } from '@hookpipe/lib';
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

/** What a start asks for: the run's settings as its emitter row keeps them. */
export type StartOptions = Pick<
  EmitterRow,
  'rate' | 'maxCount' | 'durationMs' | 'eventTypes' | 'faults' | 'simulate' | 'concurrency'
>;

export type StartResult =
  { ok: true; emitter: EmitterRow; created: boolean } | { ok: false; reason: 'limit'; message: string };

export interface EmitterManager {
  /** Starts the webhook's emitter, or returns the one already running (no second loop). */
  start(webhook: { id: string; customerId: string }, options: StartOptions): Promise<StartResult>;
  /** Stops the webhook's running emitter and resolves once its loop has ended; null if it never had one. */
  stop(webhookId: string, reason?: string): Promise<EmitterRow | null>;
  /** Starts loops for every emitter the database says is running (after a restart). */
  resume(): Promise<number>;
  /** Ends every loop in this process, leaving them running in the database (resumed at next start). */
  close(): Promise<void>;
}

export interface EmitterManagerDeps {
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
  maxRunning: number;
}

/**
 * Runs emitters: one loop per running emitter, ticking at its rate and writing each tick's
 * events to the outbox in one transaction. Starts and stops of one webhook are serialised.
 */
export function makeEmitterManager(deps: EmitterManagerDeps): EmitterManager {
  const { emitterRows, logger, clock } = deps;
  const loops = new Map<string, { abort: AbortController; done: Promise<void> }>();
  const locks = new Map<string, Promise<unknown>>();
  let closed = false;

  function withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prior = locks.get(key) ?? Promise.resolve();
    const next = prior.then(fn, fn);
    const settled = next.catch(() => undefined);
    locks.set(key, settled);
    void settled.then(() => {
      if (locks.get(key) === settled) locks.delete(key);
    });
    return next;
  }

  function spawn(e: EmitterRow) {
    if (loops.has(e.id) || closed) return;
    const abort = new AbortController();
    const done = run(e, abort.signal)
      .catch((err: unknown) => logger.error({ err, emitterId: e.id }, 'emitter loop crashed'))
      .finally(() => loops.delete(e.id));
    loops.set(e.id, { abort, done });
  }

  async function run(e: EmitterRow, signal: AbortSignal): Promise<void> {
    const log = logger.child({ emitterId: e.id, webhookId: e.webhookId });
    const { catalog } = deps;
    const source = makePayloadSource(
      deps.seed,
      [hashKey(e.customerId), e.emitted],
      (type) => catalog.cached(type)?.schema,
    );
    const check = (type: string, data: Record<string, unknown>) =>
      catalog.cached(type)?.check?.(data) ?? null;
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
        await emitterRows.finish(e.id, 'completed', why, now);
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
            const batch = await emitterRows.emitBatch(e.id, rows, now, invalid);
            if (!batch.live) {
              log.info('emitter no longer running in the database (or its webhook is gone): loop ends');
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

  return {
    start(webhook, options) {
      return withLock(webhook.id, async (): Promise<StartResult> => {
        const existing = await emitterRows.current(webhook.id);
        if (existing?.status === 'running') {
          spawn(existing);
          return { ok: true, emitter: existing, created: false };
        }
        if ((await emitterRows.countRunning()) >= deps.maxRunning) {
          return {
            ok: false,
            reason: 'limit',
            message: `${deps.maxRunning} emitters are running already (SENDER_MAX_EMITTERS)`,
          };
        }
        const now = clock();
        const inserted = await emitterRows.insert({
          id: newId('emt', now),
          webhookId: webhook.id,
          customerId: webhook.customerId,
          rate: options.rate,
          maxCount: options.maxCount,
          durationMs: options.durationMs,
          eventTypes: options.eventTypes,
          faults: options.faults,
          simulate: options.simulate,
          concurrency: options.concurrency,
          startedAt: new Date(now),
          endsAt: options.durationMs === null ? null : new Date(now + options.durationMs),
        });
        // Another sender may have won the race for this webhook: theirs is the one.
        const emitter = inserted ?? (await emitterRows.current(webhook.id));
        if (!emitter) throw new Error(`emitter for ${webhook.id} vanished while starting`);
        if (inserted) spawn(inserted);
        return { ok: true, emitter, created: inserted !== null };
      });
    },

    stop(webhookId, reason = 'stopped by request') {
      return withLock(webhookId, async () => {
        const current = await emitterRows.current(webhookId);
        if (!current) return null;
        const local = loops.get(current.id);
        if (local) {
          local.abort.abort();
          await local.done;
        }
        if (current.status === 'running') await emitterRows.finish(current.id, 'stopped', reason, clock());
        return emitterRows.current(webhookId);
      });
    },

    async resume() {
      const running = await emitterRows.list({ status: 'running', limit: deps.maxRunning * 10 });
      for (const e of running) spawn(e);
      if (running.length > 0) logger.info({ emitters: running.length }, 'emitters resumed');
      return running.length;
    },

    async close() {
      closed = true;
      const all = [...loops.values()];
      for (const l of all) l.abort.abort();
      await Promise.all(all.map((l) => l.done));
    },
  };
}
