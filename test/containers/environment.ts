/**
 * `TEST_ENV=containers`: Kafka, PostgreSQL and nginx run as containers (Testcontainers), our
 * services as local processes started by the stack launcher (`.stack-containers`, ports shifted
 * by TEST_CONTAINERS_PORT_OFFSET, default 22000), everything reached on 127.0.0.1. The global
 * setup starts it all once and writes `containers.json` beside the launcher's state; every test
 * worker rebuilds the same TestEnv from those two files.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_PARTITIONS, makeKafka, ensureTopics, silentLogger, waitForDatabase } from '@hookpipe/lib';
import {
  allParts,
  down,
  openContext,
  readEnvFile,
  REPO_ROOT,
  startPart,
  stackEnv,
  stopPart,
  waitUntil,
  type PartName,
  type StackContext,
} from '@hookpipe/stack';
import { imagesFrom } from 'hookpipe/testing';
import type { TestEnv } from '../env.js';
import {
  leftoverContainers,
  removeContainers,
  startContainer,
  startKafka,
  startNginxContainer,
  startPostgres,
  stopContainer,
  type ContainerRef,
} from './containers.js';

type ContainerPart = 'kafka' | 'postgres' | 'nginx';
type Containers = Partial<Record<ContainerPart, ContainerRef>> & {
  database?: { databaseUrl: string; senderDatabaseUrl: string };
};

const CONTAINER_PARTS: readonly ContainerPart[] = ['kafka', 'postgres', 'nginx'];
const isContainerPart = (part: PartName): part is ContainerPart =>
  (CONTAINER_PARTS as readonly PartName[]).includes(part);

/**
 * The launcher's options for this environment; PG_PORT is a placeholder the launcher never binds.
 *
 * The default offset keeps every port (30080–31093, PostgreSQL 27432) below Linux's ephemeral range
 * (32768–60999 by default). A container the suites stop and start must get its port back, and a
 * port inside that range is not safe while it is free: any outgoing connection may be given it as
 * its source port, and a client that keeps reconnecting to 127.0.0.1:<port> (our services during
 * the outage) is eventually given that very port and connects to itself, holding it. The restart
 * then fails with "bind: address already in use".
 */
export function containersStackOptions(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const offset = Number(env.TEST_CONTAINERS_PORT_OFFSET ?? 22000);
  if (!Number.isInteger(offset) || offset < 0 || offset > 56000)
    throw new Error('TEST_CONTAINERS_PORT_OFFSET must be an integer in 0..56000');
  return {
    ...env,
    STACK_DIR: env.TEST_CONTAINERS_STACK_DIR ?? '.stack-containers',
    STACK_PORT_OFFSET: String(offset),
    PG_PORT: '5431',
    // The suites pick their own failure modes; the launcher's default for the local stack is on.
    CONSUMER_FAILURE_INJECTION: env.CONSUMER_FAILURE_INJECTION ?? 'on',
  };
}

const stateFile = (ctx: StackContext) => path.join(ctx.dir, 'containers.json');
const readContainers = (ctx: StackContext): Containers =>
  existsSync(stateFile(ctx)) ? (JSON.parse(readFileSync(stateFile(ctx), 'utf8')) as Containers) : {};
const writeContainers = (ctx: StackContext, c: Containers) =>
  writeFileSync(stateFile(ctx), JSON.stringify(c, null, 2) + '\n', { mode: 0o600 });

/**
 * The launcher's context for this environment. openContext() keeps no external database across
 * opens (the launcher sets it again on each `up`), so it is restored from containers.json: our
 * processes, started or restarted from any worker, must get the container's URLs.
 */
function openStack(log: (m: string) => void = () => undefined): StackContext {
  const ctx = openContext({ env: containersStackOptions(), log });
  const { database } = readContainers(ctx);
  if (database) {
    ctx.state.externalDatabase = database;
    ctx.save();
  }
  return ctx;
}

/** The template's variables for nginx in a container on the host network, in front of our handlers. */
function nginxVars(ctx: StackContext): Record<string, string> {
  const vars = readEnvFile(path.join(REPO_ROOT, 'nginx', 'templates', 'defaults.env'));
  const params = vars.HOOKPIPE_UPSTREAM_SERVER_PARAMS ?? '';
  return {
    ...vars,
    HOOKPIPE_INGRESS_PORT: `127.0.0.1:${ctx.state.ports.ingress}`,
    HOOKPIPE_UPSTREAM_SERVERS: ctx.state.ports.handlers
      .map((p) => `server 127.0.0.1:${p} ${params};`.replace(' ;', ';'))
      .join('\n    '),
    HOOKPIPE_ACCESS_LOG: '/var/log/nginx/access.log',
  };
}

async function waitForKafka(port: number): Promise<void> {
  const kafka = makeKafka({
    clientId: 'hookpipe-test-env',
    brokers: [`127.0.0.1:${port}`],
    logger: silentLogger(),
    config: { retry: { retries: 0 }, connectionTimeout: 1000 },
  });
  await waitUntil(
    async () => {
      const admin = kafka.admin();
      try {
        await admin.connect();
        return (await admin.describeCluster()).brokers.length > 0;
      } finally {
        await admin.disconnect();
      }
    },
    { timeoutMs: 120_000, intervalMs: 500, what: `Kafka on 127.0.0.1:${port} to answer metadata requests` },
  );
}

async function waitForIngress(port: number): Promise<void> {
  await waitUntil(
    async () => {
      const res = await fetch(`http://127.0.0.1:${port}/ping`, { signal: AbortSignal.timeout(2000) });
      await res.body?.cancel();
      return res.ok;
    },
    { timeoutMs: 60_000, intervalMs: 250, what: `nginx on 127.0.0.1:${port} to route GET /ping` },
  );
}

/** Waits until a restarted container's part serves again. */
async function waitForPart(ctx: StackContext, part: ContainerPart): Promise<void> {
  if (part === 'kafka') return waitForKafka(ctx.state.ports.kafka);
  if (part === 'nginx') return waitForIngress(ctx.state.ports.ingress);
  const url = ctx.state.externalDatabase?.databaseUrl;
  if (url) await waitForDatabase(url, 60_000);
}

/** Stops our processes, then removes the containers: always, even after a failed setup. */
async function teardown(log: (m: string) => void): Promise<void> {
  const ctx = openStack(log);
  await down(ctx, { external: CONTAINER_PARTS }).catch((err: unknown) =>
    log(`stopping the services failed: ${String(err)}`),
  );
  const { kafka, postgres, nginx } = readContainers(ctx);
  const ids = new Set([
    ...[kafka, postgres, nginx].flatMap((c) => (c ? [c.id] : [])),
    ...(await leftoverContainers(ctx.dir)),
  ]);
  await removeContainers([...ids]);
  writeContainers(ctx, {});
  delete ctx.state.externalDatabase;
  ctx.save();
  log(`removed ${ids.size} container(s)`);
}

/** Linux's range of ephemeral (automatic source) ports, when the machine says. */
function ephemeralPorts(): [number, number] | undefined {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    return low && high ? [low, high] : undefined;
  } catch {
    return undefined;
  }
}

/** Global setup for `TEST_ENV=containers`; returns the teardown. */
export async function setupContainers(log: (m: string) => void): Promise<() => Promise<void>> {
  const started = Date.now();
  const images = imagesFrom();
  const probe = openStack(log);
  const stale = await leftoverContainers(probe.dir);
  if (stale.length > 0) {
    log(`removing ${stale.length} container(s) left by an earlier run`);
    await removeContainers(stale);
  }
  // Processes a killed run left behind hold our ports; its database settings are stale.
  await down(probe);
  delete probe.state.externalDatabase;
  probe.save();
  const ports = probe.state.ports;
  const pgPort = ports.postgres + 1;
  const [low, high] = ephemeralPorts() ?? [];
  const exposed = [ports.kafka, pgPort, ports.ingress].filter((p) => low && high && p >= low && p <= high);
  if (exposed.length > 0) {
    log(
      `warning: port(s) ${exposed.join(', ')} lie in this machine's ephemeral range ${low}–${high}: ` +
        `restarting a container may fail with "address already in use"; ` +
        `choose TEST_CONTAINERS_PORT_OFFSET so that they do not`,
    );
  }
  const containers: Containers = {};
  try {
    log(`starting ${images.kafka} on :${ports.kafka} and ${images.postgres} on :${pgPort}`);
    const [kafka, pg] = await Promise.all([
      startKafka({ image: images.kafka, port: ports.kafka, stackDir: probe.dir }),
      startPostgres({
        image: images.postgres,
        port: pgPort,
        password: randomBytes(18).toString('base64url'),
        stackDir: probe.dir,
      }),
    ]);
    containers.kafka = kafka;
    containers.postgres = { id: pg.id, port: pg.port };
    containers.database = { databaseUrl: pg.databaseUrl, senderDatabaseUrl: pg.senderDatabaseUrl };
    writeContainers(probe, containers);

    // An external database for the launcher: it creates both databases, migrates and installs the
    // `demo` secret, and starts no PostgreSQL of its own.
    const ctx = openContext({
      env: {
        ...containersStackOptions(),
        DATABASE_URL: pg.databaseUrl,
        SENDER_DATABASE_URL: pg.senderDatabaseUrl,
      },
      log,
    });
    await Promise.all([startPart(ctx, 'postgres'), waitForKafka(kafka.port)]);
    const kafkaClient = makeKafka({
      clientId: 'hookpipe-test-env',
      brokers: [`127.0.0.1:${kafka.port}`],
      logger: silentLogger(),
    });
    await ensureTopics(kafkaClient, DEFAULT_PARTITIONS);

    const services = allParts(ctx).filter((p) => !isContainerPart(p));
    await Promise.all(services.map((p) => startPart(ctx, p)));

    log(`starting ${images.nginx} on :${ports.ingress} (host network)`);
    const template = readFileSync(
      path.join(REPO_ROOT, 'nginx', 'templates', 'hookpipe.conf.template'),
      'utf8',
    );
    containers.nginx = await startNginxContainer({
      image: images.nginx,
      port: ports.ingress,
      template,
      vars: nginxVars(ctx),
      stackDir: ctx.dir,
    });
    writeContainers(ctx, containers);
    await waitForIngress(ports.ingress);
    log(`container environment ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } catch (err) {
    await teardown(log).catch(() => undefined);
    throw err;
  }
  return async () => {
    if (process.env.KEEP_STACK === '1') return;
    await teardown(log);
  };
}

/** The TestEnv of a running container environment (inside a test worker). */
export function containersEnv(): TestEnv {
  const ctx = openStack();
  const containers = readContainers(ctx);
  if (!containers.kafka || !containers.postgres || !containers.nginx || !containers.database)
    throw new Error(`no container environment in ${ctx.dir}: run the suites with TEST_ENV=containers`);
  const e = stackEnv(ctx);
  const byPart = (part: ContainerPart): ContainerRef => {
    const ref = readContainers(ctx)[part];
    if (!ref) throw new Error(`no ${part} container recorded in ${stateFile(ctx)}`);
    return ref;
  };
  return {
    kind: 'containers',
    senderUrl: e.SENDER_URL!,
    ingressUrl: e.INGRESS_URL!,
    consumerUrl: e.CONSUMER_URL!,
    handlerUrls: e.HANDLER_URLS!.split(' '),
    kafkaBrokers: e.KAFKA_BROKERS!.split(','),
    databaseUrl: e.DATABASE_URL!,
    senderDatabaseUrl: e.SENDER_DATABASE_URL!,
    senderApiKey: e.SENDER_API_KEY!,
    receiverApiKey: e.RECEIVER_API_KEY!,
    receiverSecret: e.RECEIVER_SECRET!,
    stopPart: async (part, options) => {
      if (isContainerPart(part)) await stopContainer(byPart(part).id, options ?? {});
      else await stopPart(openStack(), part, options ?? {});
    },
    startPart: async (part, options) => {
      if (!isContainerPart(part)) return startPart(openStack(), part, options ?? {});
      // A container restarts with the settings it was created with; `env` applies to our processes.
      await startContainer(byPart(part).id);
      await waitForPart(openStack(), part);
    },
  };
}
