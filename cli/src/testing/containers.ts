/**
 * Kafka and PostgreSQL as Testcontainers, for the kit's containers mode and for the repository's
 * own `TEST_ENV=containers` suites. A container is reached from this machine on a port published
 * on 127.0.0.1 (fixed when given, else one the engine picks) and, when it joins a network, from
 * the other containers there.
 */
import { GenericContainer, Wait, getContainerRuntimeClient, type StartedTestContainer } from 'testcontainers';

/**
 * A GenericContainer whose published ports listen on 127.0.0.1 only: Testcontainers leaves the
 * address empty, which publishes on every address of the machine. Every port the image declares
 * is published too (on a port the engine picks): Podman reports a declared port as a binding even
 * when nothing publishes it, and Testcontainers then waits for it to be bound until it gives up.
 */
export class LoopbackContainer extends GenericContainer {
  protected override async beforeContainerCreated(): Promise<void> {
    const client = await getContainerRuntimeClient();
    const declared = Object.keys((await client.image.inspect(this.imageName)).Config?.ExposedPorts ?? {});
    const bindings = (this.hostConfig.PortBindings ??= {}) as Record<
      string,
      { HostIp?: string; HostPort?: string }[]
    >;
    for (const port of declared) bindings[port] ??= [{ HostPort: '0' }];
    for (const list of Object.values(bindings)) for (const binding of list) binding.HostIp = '127.0.0.1';
  }
}

/** A network to join: its name, and the host name the other containers use for this one. */
export interface NetworkSeat {
  network: string;
  host: string;
}

/** A started container and its port on 127.0.0.1 (when published). */
export interface StartedPart {
  container: StartedTestContainer;
  id: string;
  port?: number;
}

/** The listener containers on a network use (`<host>:19092`); 9092 stays the host's. */
export const KAFKA_NETWORK_PORT = 19092;

/**
 * A single-node KRaft broker configured through the apache/kafka image's KAFKA_* variables.
 * `port`: clients on this machine use 127.0.0.1:port. `seat`: containers on that network use
 * `<host>:19092`. The broker talks to itself on localhost:9094.
 */
export async function startKafkaContainer(options: {
  image: string;
  port?: number;
  seat?: NetworkSeat;
  labels?: Record<string, string>;
}): Promise<StartedPart> {
  const listeners = ['BROKER://:9094', 'CONTROLLER://:9093'];
  const advertised = ['BROKER://localhost:9094'];
  const protocols = ['CONTROLLER:PLAINTEXT', 'BROKER:PLAINTEXT'];
  if (options.port !== undefined) {
    listeners.unshift('PLAINTEXT://:9092');
    advertised.unshift(`PLAINTEXT://127.0.0.1:${options.port}`);
    protocols.push('PLAINTEXT:PLAINTEXT');
  }
  if (options.seat) {
    listeners.push(`NETWORK://:${KAFKA_NETWORK_PORT}`);
    advertised.push(`NETWORK://${options.seat.host}:${KAFKA_NETWORK_PORT}`);
    protocols.push('NETWORK:PLAINTEXT');
  }
  let kafka = new LoopbackContainer(options.image).withLabels(options.labels ?? {}).withEnvironment({
    CLUSTER_ID: 'aG9va3BpcGUtdGVzdGVudg',
    KAFKA_NODE_ID: '1',
    KAFKA_PROCESS_ROLES: 'broker,controller',
    KAFKA_LISTENERS: listeners.join(','),
    KAFKA_ADVERTISED_LISTENERS: advertised.join(','),
    KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: protocols.join(','),
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
  });
  if (options.port !== undefined) kafka = kafka.withExposedPorts({ container: 9092, host: options.port });
  if (options.seat) kafka = kafka.withNetworkMode(options.seat.network);
  const container = await kafka
    .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
    .withStartupTimeout(180_000)
    .start();
  return { container, id: container.getId(), ...(options.port === undefined ? {} : { port: options.port }) };
}

/** The URLs of the receiver's and the sender's databases on a PostgreSQL server. */
export const databaseUrlsAt = (hostPort: string, password: string) => {
  const base = `postgres://hookpipe:${encodeURIComponent(password)}@${hostPort}`;
  return { databaseUrl: `${base}/hookpipe_receiver`, senderDatabaseUrl: `${base}/hookpipe_sender` };
};

/**
 * PostgreSQL through the postgres image's POSTGRES_* variables (user `hookpipe`, database
 * `hookpipe_receiver`), published on 127.0.0.1:port (`port` 0 or absent: one the engine picks).
 * Returns the URLs of the two databases as seen from this machine; the sender's is created by
 * whoever migrates (the stack launcher, the init job).
 */
export async function startPostgresContainer(options: {
  image: string;
  password: string;
  port?: number;
  network?: string;
  labels?: Record<string, string>;
}): Promise<StartedPart & { port: number; databaseUrl: string; senderDatabaseUrl: string }> {
  let pg = new LoopbackContainer(options.image)
    .withLabels(options.labels ?? {})
    .withExposedPorts(options.port ? { container: 5432, host: options.port } : 5432)
    .withEnvironment({
      POSTGRES_USER: 'hookpipe',
      POSTGRES_PASSWORD: options.password,
      POSTGRES_DB: 'hookpipe_receiver',
    })
    .withCommand(['postgres', '-c', 'max_connections=200', '-c', 'log_error_verbosity=terse'])
    // The first "ready" comes from the image's temporary init server, the second from the real one.
    .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
    .withStartupTimeout(120_000);
  if (options.network) pg = pg.withNetworkMode(options.network);
  const container = await pg.start();
  const port = container.getMappedPort(5432);
  return {
    container,
    id: container.getId(),
    port,
    ...databaseUrlsAt(`127.0.0.1:${port}`, options.password),
  };
}
