import { newId } from '@hookpipe/lib';
import type { EmitterRow } from '../model/emitter.js';
import type { EmitterLeasesStore } from '../store/emitter-leases-store.js';
import { makeLeaseKeeper } from './leases.js';
import { runEmitter, type EmitterLoopDeps } from './run-loop.js';

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
  /**
   * Leases the running emitters nobody holds (after a restart: the ones this instance or a dead
   * one ran) and starts their loops; from then on renews and acquires every third of the lease.
   */
  resume(): Promise<number>;
  /** Ends every loop in this process and releases their leases: they stay running, for another instance. */
  close(): Promise<void>;
}

export interface EmitterManagerDeps extends EmitterLoopDeps {
  leases: Pick<EmitterLeasesStore, 'acquire' | 'renew' | 'release'>;
  /** SENDER_EMITTER_LEASE_MS: a dead instance's emitters move to another within about this long. */
  leaseMs: number;
  /** Emitters this process runs at most (SENDER_MAX_EMITTERS, also the limit on running ones overall). */
  maxRunning: number;
}

/**
 * Runs emitters: one loop per running emitter this instance holds the lease of (see leases.ts),
 * ticking at its rate and writing each tick's events to the outbox in one transaction. Starts
 * and stops of one webhook are serialised within the process; across processes the database
 * decides (one running emitter per webhook, one owner per emitter).
 */
export function makeEmitterManager(deps: EmitterManagerDeps): EmitterManager {
  const { emitterRows, logger, clock, owner } = deps;
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
    const done = runEmitter(e, deps, abort.signal)
      .catch((err: unknown) => logger.error({ err, emitterId: e.id }, 'emitter loop crashed'))
      .finally(() => loops.delete(e.id));
    loops.set(e.id, { abort, done });
  }

  const keeper = makeLeaseKeeper({
    leases: deps.leases,
    owner,
    leaseMs: deps.leaseMs,
    logger,
    running: () => [...loops.keys()],
    room: () => (closed ? 0 : deps.maxRunning - loops.size),
    acquired: (e) => spawn(e),
    lost: (id) => loops.get(id)?.abort.abort(),
  });

  return {
    start(webhook, options) {
      return withLock(webhook.id, async (): Promise<StartResult> => {
        const existing = await emitterRows.current(webhook.id);
        if (existing?.status === 'running') {
          // Another instance's (alive, or found by the next lease round once its lease runs out).
          if (existing.owner === owner) spawn(existing);
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
          owner,
          leaseMs: deps.leaseMs,
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
      const n = await keeper.round();
      if (n > 0) logger.info({ emitters: n, owner }, 'emitters resumed');
      keeper.start();
      return n;
    },

    async close() {
      closed = true;
      await keeper.stop();
      const ids = [...loops.keys()];
      const all = [...loops.values()];
      for (const l of all) l.abort.abort();
      await Promise.all(all.map((l) => l.done));
      await deps.leases
        .release(owner, ids)
        .catch((err: unknown) => logger.warn({ err }, 'could not release emitter leases (they run out)'));
    },
  };
}
