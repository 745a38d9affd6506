import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { waitForDatabase } from '@hookpipe/lib';
import {
  consumerParts,
  handlerParts,
  kafkaParts,
  partKind,
  senderParts,
  type PartName,
  type StackContext,
} from './context.js';
import { brokerList, createTopics, kafkaNode, startKafka, waitForKafka } from './kafka.js';
import { nginxTempDir, reloadNginx, startNginx } from './nginx.js';
import { assertPortFree, portOpen } from './ports.js';
import { databaseUrls, preparePostgres, removePostgresData, startPostgres } from './postgres.js';
import { commandLine, isAlive, sleep, stopProcess, tail, waitUntil } from './proc.js';
import { serviceSpecs, startService, waitForService } from './services.js';

/** What a live pid's command line must contain to still be the part we started. */
function marker(part: PartName): string {
  const { kind } = partKind(part);
  if (kind === 'kafka') return part === 'kafka' ? 'kafka.Kafka' : `/${part}/server.properties`;
  if (kind === 'postgres' || kind === 'nginx') return kind;
  return `${kind}/dist/index.js`;
}

/** The part's pid when it is running (and is still ours), else undefined. */
export function livePid(ctx: StackContext, part: PartName): number | undefined {
  const pid = ctx.state.pids[part];
  if (!isAlive(pid)) return undefined;
  return commandLine(pid).includes(marker(part)) ? pid : undefined;
}

const alive = (pid: number) => isAlive(pid);

export function allParts(ctx: StackContext): PartName[] {
  const s = ctx.state;
  return ['postgres', ...kafkaParts(s), ...handlerParts(s), ...consumerParts(s), ...senderParts(s), 'nginx'];
}

function portOf(ctx: StackContext, part: PartName): { port: number; variable: string } {
  const p = ctx.state.ports;
  const { kind, instance } = partKind(part);
  const i = instance - 1;
  if (kind === 'postgres') return { port: p.postgres, variable: 'PG_PORT' };
  if (kind === 'kafka') return { port: ctx.state.instances.kafkaNodes[i]!.broker, variable: 'KAFKA_PORT' };
  if (kind === 'nginx') return { port: p.ingress, variable: 'INGRESS_PORT' };
  if (kind === 'consumer') return { port: ctx.state.instances.consumers[i]!, variable: 'CONSUMER_PORT' };
  if (kind === 'sender') return { port: ctx.state.instances.senders[i]!, variable: 'SENDER_PORT' };
  return { port: p.handlers[i]!, variable: 'HANDLER_BASE_PORT' };
}

/**
 * Waits a moment for a port to come free: right after a part is killed the kernel may still be
 * releasing its socket. Past the moment, the error names the part and the variable to change.
 */
async function portFreeSoon(port: number, part: string, variable: string): Promise<void> {
  const deadline = Date.now() + 5000;
  for (;;) {
    try {
      return await assertPortFree(port, part, variable);
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(100);
    }
  }
}

/**
 * Starts one part (if not running) and waits until it is healthy. A broker started on its own
 * creates the topics once every broker runs; `up` starts the brokers together and creates them
 * after (`topics: false` here).
 */
export async function startPart(
  ctx: StackContext,
  part: PartName,
  options: { env?: Record<string, string>; topics?: boolean } = {},
): Promise<void> {
  if (!allParts(ctx).includes(part))
    throw new Error(`unknown part ${part}; parts: ${allParts(ctx).join(', ')}`);
  if (livePid(ctx, part)) return;
  delete ctx.state.pids[part];
  if (part === 'postgres' && ctx.state.externalDatabase) return;
  const { port, variable } = portOf(ctx, part);
  await portFreeSoon(port, part, variable);
  const { kind } = partKind(part);
  if (kind === 'kafka')
    await portFreeSoon(kafkaNode(ctx, part).controller, `the controller of ${part}`, 'KAFKA_CONTROLLER_PORT');
  let pid: number | undefined;
  if (part === 'postgres') {
    pid = await startPostgres(ctx);
    if (pid) ctx.state.pids.postgres = pid;
    ctx.save();
    await preparePostgres(ctx, pid, alive);
    return;
  }
  if (kind === 'kafka') {
    pid = await startKafka(ctx, part);
    ctx.state.pids[part] = pid;
    ctx.save();
    await waitForKafka(ctx, part, pid, alive);
    if (options.topics !== false && kafkaParts(ctx.state).every((p) => livePid(ctx, p)))
      await createTopics(ctx);
    return;
  }
  if (part === 'nginx') {
    pid = await startNginx(ctx);
    ctx.state.pids.nginx = pid;
    ctx.save();
    const logFile = path.join(ctx.logsDir, 'nginx-error.log');
    await waitUntil(async () => isAlive(pid) && (await portOpen(ctx.state.ports.ingress)), {
      timeoutMs: 15_000,
      what: `nginx to listen on ${ctx.state.ports.ingress}`,
      onFail: () => `last lines of ${logFile}:\n${tail(logFile)}`,
    });
    return;
  }
  const spec = serviceSpecs(ctx).find((s) => s.part === part);
  if (!spec) throw new Error(`no service spec for ${part}`);
  const overrides = options.env ?? {};
  pid = startService(ctx, spec, overrides);
  ctx.state.pids[part] = pid;
  ctx.state.overrides[part] = overrides;
  ctx.save();
  await waitForService(ctx, spec, pid, alive);
}

/** Stops one part: SIGTERM (SIGINT for PostgreSQL: fast shutdown) then SIGKILL after a grace period. */
export async function stopPart(
  ctx: StackContext,
  part: PartName,
  options: { signal?: NodeJS.Signals; graceMs?: number } = {},
): Promise<void> {
  const pid = livePid(ctx, part);
  if (pid) {
    const signal = options.signal ?? (part === 'postgres' ? 'SIGINT' : 'SIGTERM');
    await stopProcess(pid, { signal, graceMs: options.graceMs ?? (part === 'kafka' ? 30_000 : 20_000) });
  }
  delete ctx.state.pids[part];
  ctx.save();
}

/**
 * Points the running nginx at the first `replicas` handler replicas, or at all of them when
 * omitted, without a restart (a reload: requests in flight finish). A later start of nginx
 * renders every replica again.
 */
export async function setNginxReplicas(ctx: StackContext, replicas?: number): Promise<void> {
  const all = ctx.state.ports.handlers;
  const count = replicas ?? all.length;
  if (!Number.isInteger(count) || count < 1 || count > all.length)
    throw new Error(`nginx can send to 1..${all.length} replicas, not ${count}`);
  const pid = livePid(ctx, 'nginx');
  if (!pid) throw new Error('nginx is not running');
  await reloadNginx(ctx, pid, all.slice(0, count));
}

/**
 * Brings the whole stack up (idempotent: running parts are kept, dead ones restarted), then
 * writes stack.env. Throws with the failing part and its log's last lines.
 */
export async function up(ctx: StackContext): Promise<Record<string, string>> {
  const started = Date.now();
  const stale = allParts(ctx).filter((p) => ctx.state.pids[p] !== undefined && !livePid(ctx, p));
  if (stale.length > 0) {
    ctx.log(`cleaning stale state of ${stale.join(', ')} (not running)`);
    for (const p of stale) delete ctx.state.pids[p];
    ctx.save();
  }
  // PostgreSQL and Kafka are the slow starters: bring them up side by side (a cluster's nodes
  // must start together: none answers before a majority of the quorum runs).
  const brokers = kafkaParts(ctx.state);
  await Promise.all([
    startPart(ctx, 'postgres'),
    ...brokers.map((p) => startPart(ctx, p, { topics: false })),
  ]);
  await createTopics(ctx);
  const s = ctx.state;
  await Promise.all(
    [...handlerParts(s), ...consumerParts(s), ...senderParts(s)].map((p) =>
      startPart(ctx, p, { env: ctx.state.overrides[p] ?? {} }),
    ),
  );
  await startPart(ctx, 'nginx');
  const env = writeStackEnv(ctx);
  ctx.log(`stack ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return env;
}

/**
 * Stops every part we started, front to back, and checks none of our ports still listens.
 * `external`: parts run by someone else on our ports (the containers of `TEST_ENV=containers`),
 * left out of that check.
 */
export async function down(
  ctx: StackContext,
  options: { external?: readonly PartName[] } = {},
): Promise<void> {
  const s = ctx.state;
  // Brokers stop together: one by one, the last ones would wait for a quorum that is gone.
  const order: PartName[][] = [
    ['nginx'],
    ...senderParts(s).map((p) => [p]),
    ...handlerParts(s).map((p) => [p]),
    ...consumerParts(s).map((p) => [p]),
    kafkaParts(s),
    ['postgres'],
  ];
  for (const group of order) {
    await Promise.all(
      group.map(async (part) => {
        const pid = livePid(ctx, part);
        if (!pid) return;
        ctx.log(`stopping ${part} (pid ${pid})`);
        await stopPart(ctx, part);
      }),
    );
  }
  ctx.state.pids = {};
  ctx.state.overrides = {};
  ctx.save();
  const ours = allParts(ctx).filter((p) => !options.external?.includes(p));
  const ports = ours.map((p) => portOf(ctx, p).port);
  for (const p of ours) if (partKind(p).kind === 'kafka') ports.push(kafkaNode(ctx, p).controller);
  const open: number[] = [];
  for (const port of ports) if (await portOpen(port)) open.push(port);
  if (open.length > 0)
    ctx.log(`warning: something still listens on port(s) ${open.join(', ')} (not started by this stack?)`);
}

/** Stops everything, then deletes the stack's state, logs and PostgreSQL data (not the jar cache). */
export async function clean(ctx: StackContext): Promise<void> {
  await down(ctx);
  removePostgresData(ctx);
  rmSync(nginxTempDir(ctx), { recursive: true, force: true });
  rmSync(ctx.dir, { recursive: true, force: true });
}

export interface PartStatus {
  part: PartName;
  pid?: number;
  port: number;
  healthy: boolean;
  detail: string;
}

async function httpOk(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await res.body?.cancel();
    return res.ok;
  } catch {
    return false;
  }
}

export async function status(ctx: StackContext): Promise<PartStatus[]> {
  return Promise.all(
    allParts(ctx).map(async (part): Promise<PartStatus> => {
      const pid = livePid(ctx, part);
      const { port } = portOf(ctx, part);
      let healthy = false;
      let detail = pid ? 'running' : 'stopped';
      if (part === 'postgres') {
        const external = !!ctx.state.externalDatabase;
        healthy = await waitForDatabase(databaseUrls(ctx).databaseUrl, 1500).then(
          () => true,
          () => false,
        );
        detail = external ? 'external (DATABASE_URL)' : detail;
      } else if (partKind(part).kind === 'kafka' || part === 'nginx') {
        healthy = !!pid && (await portOpen(port));
        if (part === 'nginx' && healthy) healthy = await httpOk(`http://127.0.0.1:${port}/ping`);
      } else {
        healthy = !!pid && (await httpOk(`http://127.0.0.1:${port}/healthz`));
      }
      return { part, ...(pid ? { pid } : {}), port, healthy, detail };
    }),
  );
}

const urls = (ports: number[]) => ports.map((p) => `http://127.0.0.1:${p}`).join(' ');

/** The contract's stack.env keys (`*_URL` the first instance, `*_URLS` every one). */
export function stackEnv(ctx: StackContext): Record<string, string> {
  const { ports, instances } = ctx.state;
  const { databaseUrl, senderDatabaseUrl } = databaseUrls(ctx);
  return {
    SENDER_URL: `http://127.0.0.1:${ports.sender}`,
    INGRESS_URL: `http://127.0.0.1:${ports.ingress}`,
    CONSUMER_URL: `http://127.0.0.1:${ports.consumer}`,
    SENDER_URLS: urls(instances.senders),
    CONSUMER_URLS: urls(instances.consumers),
    KAFKA_BROKERS: brokerList(ctx).join(','),
    DATABASE_URL: databaseUrl,
    SENDER_DATABASE_URL: senderDatabaseUrl,
    SENDER_API_KEY: ctx.state.senderApiKey,
    RECEIVER_API_KEY: ctx.state.receiverApiKey,
    RECEIVER_SECRET: ctx.state.receiverSecret,
    HANDLER_URLS: urls(ports.handlers),
  };
}

const shellQuote = (v: string) => (/^[\w@%+=:,./-]*$/.test(v) ? v : `'${v.replace(/'/g, `'\\''`)}'`);

export function writeStackEnv(ctx: StackContext): Record<string, string> {
  const env = stackEnv(ctx);
  const body = Object.entries(env)
    .map(([k, v]) => `${k}=${shellQuote(v)}`)
    .join('\n');
  writeFileSync(
    path.join(ctx.dir, 'stack.env'),
    `# Written by \`make up\`; source it: set -a; . ${path.relative(ctx.root, ctx.dir)}/stack.env; set +a\n${body}\n`,
    {
      mode: 0o600,
    },
  );
  return env;
}
