/**
 * Kafka, PostgreSQL and nginx as containers, each on a fixed 127.0.0.1 port chosen by the caller so
 * the port stays the same when a test stops and starts the container; Kafka and PostgreSQL are
 * the testing kit's (hookpipe/testing). Stop and start go through the Docker API by container id
 * (Testcontainers' own stop() removes the container), so data and ports survive a restart, as
 * with a real outage.
 */
import { GenericContainer, Wait, getContainerRuntimeClient } from 'testcontainers';
import { startKafkaContainer, startPostgresContainer } from 'hookpipe/testing';

/** Every container of a test environment carries this label (value: the stack directory). */
export const LABEL = 'dev.hookpipe.test-env';

export interface ContainerRef {
  id: string;
  port: number;
}

const labels = (stackDir: string) => ({ [LABEL]: stackDir });

/** Kafka for clients on this machine at 127.0.0.1:port. */
export async function startKafka(options: {
  image: string;
  port: number;
  stackDir: string;
}): Promise<ContainerRef> {
  const kafka = await startKafkaContainer({
    image: options.image,
    port: options.port,
    labels: labels(options.stackDir),
  });
  return { id: kafka.id, port: options.port };
}

/** PostgreSQL on 127.0.0.1:port, with the URLs of the receiver's and the sender's databases. */
export async function startPostgres(options: {
  image: string;
  port: number;
  password: string;
  stackDir: string;
}): Promise<ContainerRef & { databaseUrl: string; senderDatabaseUrl: string }> {
  const { id, port, databaseUrl, senderDatabaseUrl } = await startPostgresContainer({
    image: options.image,
    port: options.port,
    password: options.password,
    labels: labels(options.stackDir),
  });
  return { id, port, databaseUrl, senderDatabaseUrl };
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
