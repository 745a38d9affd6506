import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { waitForDatabase } from '@hookpipe/lib';
import { handlerParts, type PartName, type StackContext } from './context.js';
import { startKafka, waitForKafka } from './kafka.js';
import { nginxTempDir, reloadNginx, startNginx } from './nginx.js';
import { assertPortFree, portOpen } from './ports.js';
import { databaseUrls, preparePostgres, removePostgresData, startPostgres } from './postgres.js';
import { commandLine, isAlive, sleep, stopProcess, tail, waitUntil } from './proc.js';
import { serviceSpecs, startService, waitForService } from './services.js';

/** What a live pid's command line must contain to still be the part we started. */
function marker(part: PartName): string {
  if (part === 'kafka') return 'kafka.Kafka';
  if (part === 'postgres') return 'postgres';
  if (part === 'nginx') return 'nginx';
  return `${part.startsWith('handler-') ? 'handler' : part}/dist/index.js`;
}

/** The part's pid when it is running (and is still ours), else undefined. */
export function livePid(ctx: StackContext, part: PartName): number | undefined {
  const pid = ctx.state.pids[part];
  if (!isAlive(pid)) return undefined;
  return commandLine(pid).includes(marker(part)) ? pid : undefined;
}

const alive = (pid: number) => isAlive(pid);

export function allParts(ctx: StackContext): PartName[] {
  return ['postgres', 'kafka', ...handlerParts(ctx.state), 'consumer', 'sender', 'nginx'];
}

function portOf(ctx: StackContext, part: PartName): { port: number; variable: string } {
  const p = ctx.state.ports;
  if (part === 'postgres') return { port: p.postgres, variable: 'PG_PORT' };
  if (part === 'kafka') return { port: p.kafka, variable: 'KAFKA_PORT' };
  if (part === 'nginx') return { port: p.ingress, variable: 'INGRESS_PORT' };
  if (part === 'consumer') return { port: p.consumer, variable: 'CONSUMER_PORT' };
  if (part === 'sender') return { port: p.sender, variable: 'SENDER_PORT' };
  const i = Number(part.slice('handler-'.length)) - 1;
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

/** Starts one part (if not running) and waits until it is healthy. */
export async function startPart(
  ctx: StackContext,
  part: PartName,
  options: { env?: Record<string, string> } = {},
): Promise<void> {
  if (livePid(ctx, part)) return;
  delete ctx.state.pids[part];
  if (part === 'postgres' && ctx.state.externalDatabase) return;
  const { port, variable } = portOf(ctx, part);
  await portFreeSoon(port, part, variable);
  if (part === 'kafka')
    await portFreeSoon(ctx.state.ports.kafkaController, 'the Kafka controller', 'KAFKA_CONTROLLER_PORT');
  let pid: number | undefined;
  if (part === 'postgres') {
    pid = await startPostgres(ctx);
    if (pid) ctx.state.pids.postgres = pid;
    ctx.save();
    await preparePostgres(ctx, pid, alive);
    return;
  }
  if (part === 'kafka') {
    pid = await startKafka(ctx);
    ctx.state.pids.kafka = pid;
    ctx.save();
    await waitForKafka(ctx, pid, alive);
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
  if (!spec) throw new Error(`unknown part ${part}; parts: ${allParts(ctx).join(', ')}`);
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
  // PostgreSQL and Kafka are the slow starters: bring them up side by side.
  await Promise.all([startPart(ctx, 'postgres'), startPart(ctx, 'kafka')]);
  await Promise.all(
    [...handlerParts(ctx.state), 'consumer' as const, 'sender' as const].map((p) =>
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
  const order: PartName[] = ['nginx', 'sender', ...handlerParts(ctx.state), 'consumer', 'kafka', 'postgres'];
  for (const part of order) {
    const pid = livePid(ctx, part);
    if (pid) {
      ctx.log(`stopping ${part} (pid ${pid})`);
      await stopPart(ctx, part);
    }
  }
  ctx.state.pids = {};
  ctx.state.overrides = {};
  ctx.save();
  const ours = allParts(ctx).filter((p) => !options.external?.includes(p));
  const ports = ours.map((p) => portOf(ctx, p).port);
  if (ours.includes('kafka')) ports.push(ctx.state.ports.kafkaController);
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
      } else if (part === 'kafka' || part === 'nginx') {
        healthy = !!pid && (await portOpen(port));
        if (part === 'nginx' && healthy) healthy = await httpOk(`http://127.0.0.1:${port}/ping`);
      } else {
        healthy = !!pid && (await httpOk(`http://127.0.0.1:${port}/healthz`));
      }
      return { part, ...(pid ? { pid } : {}), port, healthy, detail };
    }),
  );
}

/** The contract's stack.env keys. */
export function stackEnv(ctx: StackContext): Record<string, string> {
  const { ports } = ctx.state;
  const { databaseUrl, senderDatabaseUrl } = databaseUrls(ctx);
  return {
    SENDER_URL: `http://127.0.0.1:${ports.sender}`,
    INGRESS_URL: `http://127.0.0.1:${ports.ingress}`,
    CONSUMER_URL: `http://127.0.0.1:${ports.consumer}`,
    KAFKA_BROKERS: `127.0.0.1:${ports.kafka}`,
    DATABASE_URL: databaseUrl,
    SENDER_DATABASE_URL: senderDatabaseUrl,
    SENDER_API_KEY: ctx.state.senderApiKey,
    RECEIVER_API_KEY: ctx.state.receiverApiKey,
    RECEIVER_SECRET: ctx.state.receiverSecret,
    HANDLER_URLS: ports.handlers.map((p) => `http://127.0.0.1:${p}`).join(' '),
  };
}

const shellQuote = (v: string) => (/^[\w@%+=:,./-]*$/.test(v) ? v : `'${v.replace(/'/g, `'\\''`)}'`);

function writeStackEnv(ctx: StackContext): Record<string, string> {
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
