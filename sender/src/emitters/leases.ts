import { delay, errorMessage, type Logger } from '@hookpipe/lib';
import type { EmitterRow } from '../model/emitter.js';
import type { EmitterLeasesStore } from '../store/emitter-leases-store.js';

export interface LeaseKeeperDeps {
  leases: Pick<EmitterLeasesStore, 'acquire' | 'renew' | 'release'>;
  /** This process's SENDER_INSTANCE_ID. */
  owner: string;
  leaseMs: number;
  logger: Logger;
  /** Ids of the emitters whose loops run in this process now. */
  running(): string[];
  /** How many more emitters this process may run. */
  room(): number;
  /** A lease was won: start the emitter's loop. */
  acquired(e: EmitterRow, previousOwner: string | null): void;
  /** A lease was lost (stopped elsewhere, finished, or taken over): end the loop at once. */
  lost(id: string): void;
}

export interface LeaseKeeper {
  /** One renew-then-acquire round; resolves to the number of emitters acquired. */
  round(): Promise<number>;
  /** Rounds every third of the lease, until stop. */
  start(): void;
  /** Ends the rounds (the leases are released separately, once the loops have ended). */
  stop(): Promise<void>;
}

/**
 * Keeps this instance's emitter leases: renews those it runs every third of the lease (so one
 * missed round never loses a lease), ends the loops whose renewal found them gone, and takes
 * running emitters nobody holds (a dead instance's, once its lease ran out).
 */
export function makeLeaseKeeper(deps: LeaseKeeperDeps): LeaseKeeper {
  const { leases, owner, leaseMs, logger } = deps;
  const stopping = new AbortController();
  let loop: Promise<void> | undefined;
  let failing = false;

  async function round(): Promise<number> {
    const mine = deps.running();
    const renewed = await leases.renew(owner, mine, leaseMs);
    for (const id of mine) {
      if (renewed.has(id)) continue;
      logger.info({ emitterId: id }, 'emitter lease lost (stopped, finished or taken over): loop ends');
      deps.lost(id);
    }
    const won = await leases.acquire(owner, leaseMs, deps.room(), deps.running());
    for (const { emitter, previousOwner } of won) {
      if (previousOwner !== null && previousOwner !== owner) {
        logger.info(
          { emitterId: emitter.id, webhookId: emitter.webhookId, previousOwner, emitted: emitter.emitted },
          'emitter taken over from an instance whose lease ran out',
        );
      }
      deps.acquired(emitter, previousOwner);
    }
    return won.length;
  }

  async function run(): Promise<void> {
    while (!stopping.signal.aborted) {
      await delay(Math.max(100, Math.floor(leaseMs / 3)), stopping.signal);
      if (stopping.signal.aborted) return;
      try {
        await round();
        if (failing) logger.info('emitter leases renewed again');
        failing = false;
      } catch (err) {
        // An outage: the loops' own writes fail meanwhile, and a lease lost by it is found at the
        // first round that works.
        logger[failing ? 'debug' : 'warn']({ err: errorMessage(err) }, 'emitter lease round failed');
        failing = true;
      }
    }
  }

  return {
    round,
    start() {
      loop ??= run();
    },
    async stop() {
      stopping.abort();
      await loop;
    },
  };
}
