import { makeHookpipeApi } from './api.js';
import { startContainers } from './start-containers.js';
import { startLocal } from './start-local.js';
import type { Hookpipe, StartOptions } from './types.js';

/**
 * Starts hookpipe for a test suite and returns its URLs, keys and databases, an API to drive it,
 * and `stop()` for the suite's teardown.
 *
 * - `mode: 'containers'`: PostgreSQL, Kafka and hookpipe's services from the hookpipe image as
 *   Testcontainers (a Docker API: Docker Engine, or Podman serving one), on ports the engine
 *   picks on 127.0.0.1. A receiver of yours on this machine is reached from the sender's container
 *   through the network's gateway (see `api.registerWebhook`).
 * - `mode: 'local'`: the local stack of a hookpipe checkout (no containers), the one running in
 *   `stackDir` or one the kit brings up there.
 *
 * @example
 * const hookpipe = await startHookpipe({ mode: 'containers' });
 * const webhook = await hookpipe.api.registerWebhook({ url: 'http://127.0.0.1:3000/webhooks' });
 * await hookpipe.api.startEmitter(webhook, { rate: 10, count: 20 });
 * const { delivered } = await hookpipe.api.waitForDelivered(webhook, { count: 20 });
 * await hookpipe.stop();
 */
export async function startHookpipe(options: StartOptions): Promise<Hookpipe> {
  const running = options.mode === 'containers' ? await startContainers(options) : await startLocal(options);
  const e = running.endpoints;
  return {
    mode: options.mode,
    urls: { sender: e.senderUrl, ingress: e.ingressUrl, consumer: e.consumerUrl },
    keys: { sender: e.senderApiKey, receiver: e.receiverApiKey },
    databases: { sender: e.senderDatabaseUrl, receiver: e.databaseUrl },
    api: makeHookpipeApi(running),
    stop: running.stop,
  };
}
