/**
 * Kafka, PostgreSQL and nginx as containers (Testcontainers' GenericContainer), each on a fixed
 * 127.0.0.1 port chosen by the caller so the port stays the same when a test stops and starts the
 * container. Stop and start go through the Docker API by container id (Testcontainers' own
 * stop() removes the container), so data and ports survive a restart, as with a real outage.
 */
import { GenericContainer, Wait, getContainerRuntimeClient } from 'testcontainers';

/** Every container of a test environment carries this label (value: the stack directory). */
export const LABEL = 'dev.hookpipe.test-env';

export interface ContainerRef {
  id: string;
  port: number;
}

const labels = (stackDir: string) => ({ [LABEL]: stackDir });

/**
 * A single-node KRaft broker configured through the apache/kafka image's KAFKA_* variables.
 * Clients on this machine use 127.0.0.1:port (PLAINTEXT); the broker talks to itself on BROKER.
 */
export async function startKafkaContainer(options: {
  image: string;
  port: number;
  stackDir: string;
}): Promise<ContainerRef> {
  const container = await new GenericContainer(options.image)
    .withLabels(labels(options.stackDir))
    .withExposedPorts({ container: 9092, host: options.port })
    .withEnvironment({
      CLUSTER_ID: 'aG9va3BpcGUtdGVzdGVudg',
      KAFKA_NODE_ID: '1',
      KAFKA_PROCESS_ROLES: 'broker,controller',
      KAFKA_LISTENERS: 'PLAINTEXT://:9092,BROKER://:9094,CONTROLLER://:9093',
      KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://127.0.0.1:${options.port},BROKER://localhost:9094`,
      KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,BROKER:PLAINTEXT',
      KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
      KAFKA_INTER_BROKER_LISTENER_NAME: 'BROKER',
      KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
      KAFKA_OFFSETS_TOPIC_NUM_PARTITIONS: '10',
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
      KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
      KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
      KAFKA_LOG_DIRS: '/var/lib/kafka/data',
      KAFKA_NUM_NETWORK_THREADS: '2',
      KAFKA_NUM_IO_THREADS: '2',
      KAFKA_HEAP_OPTS: process.env.KAFKA_HEAP_OPTS ?? '-Xms256m -Xmx512m',
    })
    .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
    .withStartupTimeout(180_000)
    .start();
  return { id: container.getId(), port: options.port };
}

/** PostgreSQL through the postgres image's POSTGRES_* variables; returns the receiver DB's URL. */
export async function startPostgresContainer(options: {
  image: string;
  port: number;
  password: string;
  stackDir: string;
}): Promise<ContainerRef & { databaseUrl: string; senderDatabaseUrl: string }> {
  const container = await new GenericContainer(options.image)
    .withLabels(labels(options.stackDir))
    .withExposedPorts({ container: 5432, host: options.port })
    .withEnvironment({
      POSTGRES_USER: 'hookpipe',
      POSTGRES_PASSWORD: options.password,
      POSTGRES_DB: 'hookpipe_receiver',
    })
    .withCommand(['postgres', '-c', 'max_connections=200', '-c', 'log_error_verbosity=terse'])
    // The first "ready" comes from the image's temporary init server, the second from the real one.
    .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
    .withStartupTimeout(120_000)
    .start();
  const base = `postgres://hookpipe:${encodeURIComponent(options.password)}@127.0.0.1:${options.port}`;
  return {
    id: container.getId(),
    port: options.port,
    databaseUrl: `${base}/hookpipe_receiver`,
    senderDatabaseUrl: `${base}/hookpipe_sender`,
  };
}

/**
 * nginx from the shared template through the nginx image's /etc/nginx/templates mechanism. It
 * joins the host's network: the handlers run on this machine, bound to 127.0.0.1, and with
 * Podman a bridged container reaches the host only at host.containers.internal (the bridge
 * gateway), where loopback-bound processes are not listening.
 */
export async function startNginxContainer(options: {
  image: string;
  port: number;
  template: string;
  vars: Record<string, string>;
  stackDir: string;
}): Promise<ContainerRef> {
  const container = await new GenericContainer(options.image)
    .withLabels(labels(options.stackDir))
    .withNetworkMode('host')
    .withEnvironment({ ...options.vars, NGINX_ENVSUBST_FILTER: '^HOOKPIPE_' })
    .withCopyContentToContainer([
      { content: options.template, target: '/etc/nginx/templates/hookpipe.conf.template' },
    ])
    .withWaitStrategy(Wait.forLogMessage(/start worker process/))
    .withStartupTimeout(60_000)
    .start();
  return { id: container.getId(), port: options.port };
}

const isStatus = (err: unknown, ...codes: number[]) =>
  codes.includes((err as { statusCode?: number }).statusCode ?? 0);

/** Stops a container (its image's stop signal, then SIGKILL after 20 s), or sends `signal`. */
export async function stopContainer(id: string, options: { signal?: NodeJS.Signals } = {}): Promise<void> {
  const client = await getContainerRuntimeClient();
  const container = client.container.getById(id);
  try {
    if (options.signal && options.signal !== 'SIGTERM') await container.kill({ signal: options.signal });
    else await container.stop({ t: 20 });
  } catch (err) {
    if (!isStatus(err, 304, 409)) throw err; // already stopped
  }
  await container.wait({ condition: 'not-running' }).catch(() => undefined);
}

export async function startContainer(id: string): Promise<void> {
  const client = await getContainerRuntimeClient();
  try {
    await client.container.getById(id).start();
  } catch (err) {
    if (!isStatus(err, 304)) throw err; // already running
  }
}

/** Removes the containers (and their anonymous volumes); missing ones are fine. */
export async function removeContainers(ids: readonly string[]): Promise<void> {
  const client = await getContainerRuntimeClient();
  await Promise.all(
    ids.map((id) =>
      client.container
        .getById(id)
        .remove({ force: true, v: true })
        .catch((err: unknown) => {
          if (!isStatus(err, 404)) throw err;
        }),
    ),
  );
}

/** Ids of containers a previous run left behind for this stack directory (a killed test run). */
export async function leftoverContainers(stackDir: string): Promise<string[]> {
  const client = await getContainerRuntimeClient();
  const found = await client.container.dockerode.listContainers({
    all: true,
    filters: { label: [`${LABEL}=${stackDir}`] },
  });
  return found.map((c) => c.Id);
}
