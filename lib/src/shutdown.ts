import type { Logger } from './logger.js';

export interface Shutdown {
  /** Registers a cleanup step; steps run in reverse order of registration. */
  add(name: string, fn: () => Promise<void> | void): void;
  /** Runs every step once (later calls return the same promise). */
  run(reason: string): Promise<void>;
  /**
   * SIGTERM/SIGINT: the first runs the steps and exits 0 (1 when one failed); a second forces
   * exit 1 at once; `forceAfterMs` bounds the graceful stage.
   */
  installSignalHandlers(options?: { forceAfterMs?: number; exit?: (code: number) => void }): void;
}

/**
 * Two-stage shutdown after graphile/worker: cleanups collected as the service wires itself up,
 * run in reverse (stop intake → drain → flush producer → close pools).
 */
export function makeShutdown(logger: Logger): Shutdown {
  const steps: { name: string; fn: () => Promise<void> | void }[] = [];
  let running: Promise<void> | undefined;
  let failed = false;

  const run = (reason: string): Promise<void> => {
    running ??= (async () => {
      logger.info({ reason }, 'shutting down');
      for (const step of [...steps].reverse()) {
        const started = Date.now();
        try {
          await step.fn();
          logger.debug({ step: step.name, ms: Date.now() - started }, 'shutdown step done');
        } catch (err) {
          failed = true;
          logger.error({ err, step: step.name }, 'shutdown step failed');
        }
      }
      logger.info('shutdown complete');
    })();
    return running;
  };

  return {
    add: (name, fn) => void steps.push({ name, fn }),
    run,
    installSignalHandlers({ forceAfterMs = 25_000, exit = (code: number) => process.exit(code) } = {}) {
      let signals = 0;
      const onSignal = (signal: NodeJS.Signals) => {
        signals += 1;
        if (signals > 1) {
          logger.warn({ signal }, 'second signal: forcing exit');
          exit(1);
          return;
        }
        const force = setTimeout(() => {
          logger.error({ forceAfterMs }, 'graceful shutdown took too long: forcing exit');
          exit(1);
        }, forceAfterMs);
        force.unref();
        void run(signal).then(() => exit(failed ? 1 : 0));
      };
      process.on('SIGTERM', onSignal);
      process.on('SIGINT', onSignal);
    },
  };
}
