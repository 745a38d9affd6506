import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { DEFAULT_PARTITIONS, makeKafka, ensureTopics, replicationFor, silentLogger } from '@hookpipe/lib';
import { kafkaParts, partKind, type PartName, type StackContext } from './context.js';
import { spawnDetached, tail, waitUntil } from './proc.js';

const run = promisify(execFile);

const libsDir = (ctx: StackContext) => path.join(ctx.cacheDir, 'kafka', 'libs');
const pomFile = (ctx: StackContext) => path.join(ctx.root, 'stack', 'kafka', 'pom.xml');

/** Fails with an install hint when a command is missing. */
async function requireCommand(cmd: string, args: string[], hint: string): Promise<void> {
  try {
    await run(cmd, args);
  } catch {
    throw new Error(`${cmd} is required: ${hint}`);
  }
}

/**
 * Copies the broker's runtime jars from Maven Central into .cache/kafka/libs once; a marker with
 * the pom's hash makes later runs download nothing. The jars land in a directory of this process's
 * own and are moved into place whole, so two stacks starting at once (the integration suites' two
 * groups on a fresh clone) never start a broker on a half-copied jar.
 */
export async function ensureKafkaJars(ctx: StackContext): Promise<void> {
  const pom = readFileSync(pomFile(ctx));
  const hash = createHash('sha256').update(pom).digest('hex');
  const dir = libsDir(ctx);
  const fetched = () => {
    const marker = path.join(dir, '.pom-sha256');
    return existsSync(marker) && readFileSync(marker, 'utf8') === hash;
  };
  if (fetched()) return;
  await requireCommand(
    'java',
    ['-version'],
    'install a JDK 17+ (Debian: apt-get install openjdk-17-jre-headless)',
  );
  await requireCommand('mvn', ['-v'], 'install Maven (Debian: apt-get install maven)');
  ctx.log('kafka: fetching the Kafka 3.9 jars from Maven Central (first run only)…');
  const staging = `${dir}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  mkdirSync(staging, { recursive: true });
  try {
    await run(
      'mvn',
      [
        '-q',
        '-B',
        '-f',
        pomFile(ctx),
        'dependency:copy-dependencies',
        `-DoutputDirectory=${staging}`,
        '-DincludeScope=runtime',
      ],
      { maxBuffer: 16 * 1024 * 1024 },
    );
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    const e = err as { stdout?: string; stderr?: string };
    throw new Error(
      `mvn could not fetch the Kafka jars (is Maven Central reachable?)\n${e.stdout ?? ''}${e.stderr ?? ''}`,
    );
  }
  writeFileSync(path.join(staging, '.pom-sha256'), hash);
  if (fetched()) {
    // Another stack finished first: its jars are the same ones.
    rmSync(staging, { recursive: true, force: true });
  } else {
    rmSync(dir, { recursive: true, force: true });
    renameSync(staging, dir);
  }
  ctx.log(
    `kafka: ${readdirSync(dir).filter((f) => f.endsWith('.jar')).length} jars in ${path.relative(ctx.root, dir)}`,
  );
}

function kafkaVersion(ctx: StackContext): string {
  const jar = readdirSync(libsDir(ctx)).find((f) => /^kafka_2\.13-.*\.jar$/.test(f));
  return jar?.replace(/^kafka_2\.13-|\.jar$/g, '') ?? 'unknown';
}

/** One broker+controller node of the stack's cluster: its id, ports and directory. */
export interface KafkaNode {
  part: PartName;
  id: number;
  broker: number;
  controller: number;
  /** Its config and data: `kafka/` unscaled, `kafka-<n>/` in a cluster. */
  dir: string;
}

export function kafkaNode(ctx: StackContext, part: PartName): KafkaNode {
  const { instance } = partKind(part);
  const ports = ctx.state.instances.kafkaNodes[instance - 1];
  if (!ports) throw new Error(`unknown part ${part}: the stack has ${ctx.state.kafkaBrokers} broker(s)`);
  return { part, id: instance, ...ports, dir: path.join(ctx.dir, part) };
}

/** Every broker's client address, as producers and consumers are given them. */
export const brokerList = (ctx: StackContext): string[] =>
  ctx.state.instances.kafkaNodes.map((n) => `127.0.0.1:${n.broker}`);

function writeConfig(
  ctx: StackContext,
  node: KafkaNode,
): { properties: string; log4j: string; dataDir: string } {
  const base = node.dir;
  const dataDir = path.join(base, 'data');
  mkdirSync(dataDir, { recursive: true });
  const nodes = ctx.state.instances.kafkaNodes;
  const p = DEFAULT_PARTITIONS;
  const r = replicationFor(nodes.length);
  const properties = path.join(base, 'server.properties');
  writeFileSync(
    properties,
    [
      nodes.length === 1
        ? '# Written by the hookpipe stack launcher: one combined broker+controller in KRaft mode.'
        : `# Written by the hookpipe stack launcher: node ${node.id} of ${nodes.length} combined broker+controllers (KRaft quorum of ${nodes.length}).`,
      'process.roles=broker,controller',
      `node.id=${node.id}`,
      `controller.quorum.voters=${nodes.map((n, i) => `${i + 1}@127.0.0.1:${n.controller}`).join(',')}`,
      `listeners=PLAINTEXT://127.0.0.1:${node.broker},CONTROLLER://127.0.0.1:${node.controller}`,
      `advertised.listeners=PLAINTEXT://127.0.0.1:${node.broker}`,
      'controller.listener.names=CONTROLLER',
      'inter.broker.listener.name=PLAINTEXT',
      'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
      `log.dirs=${dataDir}`,
      `num.partitions=${p.events}`,
      `default.replication.factor=${r.factor}`,
      `offsets.topic.replication.factor=${r.factor}`,
      'offsets.topic.num.partitions=10',
      `transaction.state.log.replication.factor=${r.factor}`,
      `transaction.state.log.min.isr=${r.minInsync}`,
      `min.insync.replicas=${r.minInsync}`,
      'group.initial.rebalance.delay.ms=0',
      'auto.create.topics.enable=false',
      'num.network.threads=2',
      'num.io.threads=2',
      'num.recovery.threads.per.data.dir=1',
      'log.retention.hours=72',
      'log.segment.bytes=67108864',
      '',
    ].join('\n'),
  );
  const log4j = path.join(base, 'log4j.properties');
  writeFileSync(
    log4j,
    [
      'log4j.rootLogger=WARN, stdout',
      'log4j.logger.kafka=INFO',
      'log4j.logger.kafka.server.KafkaServer=INFO',
      'log4j.logger.org.apache.kafka=WARN',
      'log4j.logger.state.change.logger=WARN',
      'log4j.logger.kafka.log=WARN',
      'log4j.logger.kafka.coordinator=WARN',
      'log4j.appender.stdout=org.apache.log4j.ConsoleAppender',
      'log4j.appender.stdout.layout=org.apache.log4j.PatternLayout',
      'log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n',
      '',
    ].join('\n'),
  );
  return { properties, log4j, dataDir };
}

function javaArgs(ctx: StackContext, log4j: string): string[] {
  // Three JVMs share 2 cores and the services: smaller heaps each (docs/scaling.md, measured).
  const heap =
    ctx.env.KAFKA_HEAP_OPTS ?? (ctx.state.kafkaBrokers > 1 ? '-Xms192m -Xmx320m' : '-Xms256m -Xmx512m');
  return [
    ...heap.split(/\s+/).filter(Boolean),
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-XX:+ExitOnOutOfMemoryError',
    '-Djava.awt.headless=true',
    `-Dlog4j.configuration=file:${log4j}`,
    '-cp',
    `${libsDir(ctx)}/*`,
  ];
}

/** What `StorageTool random-uuid` prints: 16 random bytes, base64url, never starting with '-'. */
function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/**
 * Formats the node's storage once (one cluster id for every node, kept in the state) and starts
 * it; returns its pid.
 */
export async function startKafka(ctx: StackContext, part: PartName): Promise<number> {
  await ensureKafkaJars(ctx);
  const node = kafkaNode(ctx, part);
  const { properties, log4j, dataDir } = writeConfig(ctx, node);
  if (!existsSync(path.join(dataDir, 'meta.properties'))) {
    // A cluster's nodes share one id: the first node formatted picks it, a fresh single broker
    // always gets a new one.
    const clusterId = (ctx.state.kafkaBrokers > 1 ? ctx.state.kafkaClusterId : undefined) ?? newClusterId();
    ctx.state.kafkaClusterId = clusterId;
    ctx.save();
    try {
      await run('java', [
        ...javaArgs(ctx, log4j),
        'kafka.tools.StorageTool',
        'format',
        '-t',
        clusterId,
        '-c',
        properties,
        '--ignore-formatted',
      ]);
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; message: string };
      throw new Error(`kafka: storage format failed: ${e.stderr || e.stdout || e.message}`);
    }
  }
  const logFile = path.join(ctx.logsDir, `${part}.log`);
  const pid = spawnDetached({
    command: 'java',
    args: [...javaArgs(ctx, log4j), 'kafka.Kafka', properties],
    cwd: ctx.dir,
    env: { ...process.env, LOG_DIR: ctx.logsDir },
    logFile,
  });
  ctx.log(
    `${part}: starting Apache Kafka ${kafkaVersion(ctx)} (KRaft${ctx.state.kafkaBrokers > 1 ? `, node ${node.id} of ${ctx.state.kafkaBrokers}` : ''}) on 127.0.0.1:${node.broker}, pid ${pid}`,
  );
  return pid;
}

/** Waits until the node answers metadata requests as a registered broker of the cluster. */
export async function waitForKafka(
  ctx: StackContext,
  part: PartName,
  pid: number,
  isAlive: (pid: number) => boolean,
): Promise<void> {
  const node = kafkaNode(ctx, part);
  const kafka = makeKafka({
    clientId: 'hookpipe-stack',
    brokers: [`127.0.0.1:${node.broker}`],
    logger: silentLogger(),
    config: { retry: { retries: 0 }, connectionTimeout: 1000 },
  });
  const logFile = path.join(ctx.logsDir, `${part}.log`);
  await waitUntil(
    async () => {
      if (!isAlive(pid)) throw new Error('the broker exited');
      const admin = kafka.admin();
      try {
        await admin.connect();
        const cluster = await admin.describeCluster();
        return cluster.brokers.some((b) => b.nodeId === node.id);
      } finally {
        await admin.disconnect();
      }
    },
    {
      timeoutMs: 90_000,
      intervalMs: 500,
      what: `${part} to answer metadata requests`,
      onFail: () => `last lines of ${logFile}:\n${tail(logFile)}`,
    },
  );
}

/**
 * Creates the contract's topics when missing: RF 1 on one broker, RF 3 with
 * `min.insync.replicas=2` on three. Needs every broker up when it creates anything.
 */
export async function createTopics(ctx: StackContext): Promise<void> {
  const partitions = {
    events: Number(ctx.env.KAFKA_PARTITIONS_EVENTS ?? DEFAULT_PARTITIONS.events),
    retry: Number(ctx.env.KAFKA_PARTITIONS_RETRY ?? DEFAULT_PARTITIONS.retry),
    dlq: Number(ctx.env.KAFKA_PARTITIONS_DLQ ?? DEFAULT_PARTITIONS.dlq),
  };
  const replication = replicationFor(kafkaParts(ctx.state).length);
  const kafka = makeKafka({ clientId: 'hookpipe-stack', brokers: brokerList(ctx), logger: silentLogger() });
  // A fresh cluster may still be electing partition leaders or unfencing a broker: try again.
  const created = await waitUntil(
    async () => {
      try {
        return await ensureTopics(kafka, partitions, replication);
      } catch (err) {
        ctx.log(`kafka: creating the topics failed (${(err as Error).message}); trying again`);
        throw err;
      }
    },
    { timeoutMs: 60_000, intervalMs: 1000, what: 'the topics to be created' },
  );
  if (created.length > 0)
    ctx.log(
      `kafka: created topics ${created.join(', ')} (replication factor ${replication.factor}, min.insync.replicas ${replication.minInsync})`,
    );
}
