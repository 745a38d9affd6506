import { randomBytes } from 'node:crypto';
import { Network, Wait, getContainerRuntimeClient, type StartedNetwork } from 'testcontainers';
import type { Running } from './api.js';
import {
  databaseUrlsAt,
  KAFKA_NETWORK_PORT,
  LoopbackContainer,
  startKafkaContainer,
  startPostgresContainer,
  type StartedPart,
} from './containers.js';
import { containerUrl, HOST_GATEWAY_NAME, type Forwarder } from './host-gateway.js';
import { imagesFrom } from './images.js';
import type { ContainersOptions } from './types.js';

/** Ports inside the hookpipe image (docker-compose.yml's). */
const PORTS = { sender: 8080, handler: 8090, consumer: 8082 } as const;

const secret = (prefix: string) => `${prefix}${randomBytes(18).toString('base64url')}`;

type Host = { host: string; ipAddress: string };

/**
 * Runs hookpipe's image with one of its commands on the network. The other parts are named in
 * /etc/hosts rather than looked up through the engine's DNS, which can stall for tens of seconds
 * right after a container joins or leaves a network (docs/compose.md).
 */
async function startService(options: {
  image: string;
  command: 'init' | 'sender' | 'handler' | 'consumer';
  network: StartedNetwork;
  hosts: Host[];
  env: Record<string, string>;
  labels: Record<string, string>;
}): Promise<StartedPart> {
  const port = options.command === 'init' ? undefined : PORTS[options.command];
  let service = new LoopbackContainer(options.image)
    .withCommand([options.command])
    .withLabels(options.labels)
    .withNetworkMode(options.network.getName())
    .withExtraHosts(options.hosts)
    .withEnvironment({ HOST: '0.0.0.0', ...options.env })
    .withStartupTimeout(120_000);
  service =
    port === undefined
      ? service.withWaitStrategy(Wait.forOneShotStartup())
      : service.withExposedPorts(port).withWaitStrategy(Wait.forHttp('/healthz', port).forStatusCode(200));
  // A container that fails to start is removed with its logs: keep the last lines to say why.
  const last: string[] = [];
  service = service.withLogConsumer((stream) =>
    stream.on('data', (chunk: Buffer | string) => {
      last.push(...String(chunk).split('\n').filter(Boolean));
      last.splice(0, last.length - 15);
    }),
  );
  try {
    const container = await service.start();
    return {
      container,
      id: container.getId(),
      ...(port === undefined ? {} : { port: container.getMappedPort(port) }),
    };
  } catch (err) {
    throw new Error(
      `hookpipe's ${options.command} did not start: ${String(err)}
${last.join('\n')}`,
      {
        cause: err,
      },
    );
  }
}

/** The network's gateway: the address this machine has on it (what containers reach it at). */
async function gatewayOf(part: StartedPart, network: StartedNetwork): Promise<string> {
  const client = await getContainerRuntimeClient();
  const info = await client.container.getById(part.id).inspect();
  const gateway = info.NetworkSettings.Networks[network.getName()]?.Gateway;
  if (!gateway) throw new Error(`the engine names no gateway for network ${network.getName()}`);
  return gateway;
}

/**
 * Waits for every start, so that each container that did start is known and can be removed
 * even when another failed; then fails with the first failure.
 */
async function settle(starts: Promise<unknown>[]): Promise<void> {
  const failed = (await Promise.allSettled(starts)).find((s) => s.status === 'rejected');
  if (failed) throw failed.reason;
}

/**
 * PostgreSQL, Kafka, hookpipe's init job, one handler (the ingress: no nginx in front of a single
 * replica), the consumer and the sender, as containers on a network of their own; the services'
 * ports published on 127.0.0.1.
 */
export async function startContainers(options: ContainersOptions): Promise<Running> {
  const log = options.log ?? (() => undefined);
  const images = { ...imagesFrom(), ...options.images };
  const labels = { 'dev.hookpipe.testing': randomBytes(6).toString('hex') };
  const cleanups: (() => Promise<unknown>)[] = [];
  const forwarders = new Map<string, Promise<Forwarder>>();
  const started = <T extends StartedPart>(p: Promise<T>) =>
    p.then((part) => {
      cleanups.push(() => part.container.stop());
      return part;
    });
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      await Promise.all([...forwarders.values()].map((f) => f.then((x) => x.close()).catch(() => undefined)));
      for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
      log('stopped');
    })());

  try {
    const began = Date.now();
    const network = await new Network().start();
    cleanups.push(() => network.stop());
    const password = randomBytes(18).toString('base64url');
    log(`starting ${images.postgres} and ${images.kafka}`);
    const starting = {
      pg: started(
        startPostgresContainer({ image: images.postgres, password, network: network.getName(), labels }),
      ),
      kafka: started(
        startKafkaContainer({
          image: images.kafka,
          seat: { network: network.getName(), host: 'kafka' },
          labels,
        }),
      ),
    };
    await settle(Object.values(starting));
    const [pg, kafka] = [await starting.pg, await starting.kafka];
    const ip = (part: StartedPart) => part.container.getIpAddress(network.getName());
    const hosts: Host[] = [
      { host: 'postgres', ipAddress: ip(pg) },
      { host: 'kafka', ipAddress: ip(kafka) },
    ];
    const inside = databaseUrlsAt('postgres:5432', password);
    const keys = { sender: secret('sk_'), receiver: secret('rk_') };
    const common = {
      ...options.env,
      KAFKA_BROKERS: `kafka:${KAFKA_NETWORK_PORT}`,
      DATABASE_URL: inside.databaseUrl,
      SENDER_DATABASE_URL: inside.senderDatabaseUrl,
    };
    const service = (
      command: 'init' | 'sender' | 'handler' | 'consumer',
      env: Record<string, string>,
      more: Host[] = [],
    ) =>
      startService({
        image: images.hookpipe,
        command,
        network,
        hosts: [...hosts, ...more],
        env: { ...env, ...common },
        labels,
      });

    log(`running ${images.hookpipe} init (databases, migrations, topics)`);
    await started(service('init', {}));
    log('starting the handler and the consumer');
    const receiving = {
      handler: started(
        service('handler', {
          HANDLER_PORT: String(PORTS.handler),
          HANDLER_ID: 'handler-1',
          HANDLER_REPLICAS: '1',
        }),
      ),
      consumer: started(
        service('consumer', {
          CONSUMER_PORT: String(PORTS.consumer),
          // Operational webhooks may reach the test's own servers on the host, as the sender's webhooks may.
          CONSUMER_ALLOWED_HOSTS: HOST_GATEWAY_NAME,
          RECEIVER_API_KEY: keys.receiver,
          CONSUMER_FAILURE_INJECTION: 'on',
        }),
      ),
    };
    await settle(Object.values(receiving));
    const [handler, consumer] = [await receiving.handler, await receiving.consumer];
    const gateway = await gatewayOf(pg, network);
    log('starting the sender');
    const sender = await started(
      service(
        'sender',
        {
          SENDER_PORT: String(PORTS.sender),
          SENDER_API_KEY: keys.sender,
          SENDER_ALLOWED_HOSTS: `handler,${HOST_GATEWAY_NAME}`,
          // Linked secrets: a webhook on the ingress gets its secret installed on the receiver.
          SENDER_RECEIVER_API_URL: `http://consumer:${PORTS.consumer}`,
          SENDER_RECEIVER_API_KEY: keys.receiver,
          SENDER_LINKED_INGRESS_URLS: `http://handler:${PORTS.handler}`,
        },
        [
          { host: 'handler', ipAddress: ip(handler) },
          { host: 'consumer', ipAddress: ip(consumer) },
          { host: HOST_GATEWAY_NAME, ipAddress: gateway },
        ],
      ),
    );
    const url = (part: StartedPart) => `http://127.0.0.1:${part.port}`;
    const ingressUrl = url(handler);
    const senderIngressUrl = `http://handler:${PORTS.handler}`;
    log(
      `ready in ${((Date.now() - began) / 1000).toFixed(1)} s: sender ${url(sender)}, ingress ${ingressUrl}`,
    );
    return {
      endpoints: {
        senderUrl: url(sender),
        senderApiKey: keys.sender,
        ingressUrl,
        senderIngressUrl,
        consumerUrl: url(consumer),
        receiverApiKey: keys.receiver,
        handlerUrls: [ingressUrl],
        databaseUrl: pg.databaseUrl,
        senderDatabaseUrl: pg.senderDatabaseUrl,
      },
      senderUrlFor: async (target) =>
        target.startsWith(`${ingressUrl}/`)
          ? `${senderIngressUrl}${target.slice(ingressUrl.length)}`
          : containerUrl(target, gateway, forwarders),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
