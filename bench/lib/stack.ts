import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  openContext,
  stackEnv,
  startPart,
  stopPart,
  type PartName,
  type StackContext,
} from '@hookpipe/stack';
import { assertPortFree, portOpen } from '../../stack/src/ports.js';
import { commandLine, isAlive, spawnDetached, stopProcess, waitUntil } from '../../stack/src/proc.js';
import { commonServiceEnv, serviceSpecs, waitForService } from '../../stack/src/services.js';
import { startNginx } from '../../stack/src/nginx.js';

/**
 * A long bench's own stack: folder `dir` and port offset `offset` unless STACK_DIR or
 * STACK_PORT_OFFSET say otherwise, with `env` over the process's environment.
 */
export function openLongBenchContext(o: {
  dir: string;
  offset: string;
  env: NodeJS.ProcessEnv;
  log: (message: string) => void;
}): StackContext {
  return openContext({
    env: {
      ...process.env,
      STACK_DIR: process.env.STACK_DIR ?? o.dir,
      STACK_PORT_OFFSET: process.env.STACK_PORT_OFFSET ?? o.offset,
      ...o.env,
    },
    log: o.log,
  });
}

/**
 * The bench's own stack: `.stack-bench`, ports shifted by 500, so it never meets a developer's
 * stack or the test stack. Overridable like any stack (STACK_DIR, STACK_PORT_OFFSET).
 */
export function benchEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    STACK_DIR: process.env.STACK_DIR ?? '.stack-bench',
    STACK_PORT_OFFSET: process.env.STACK_PORT_OFFSET ?? '500',
    // The edge limits are policy, not capacity: raised so the bench measures what the tier can
    // take. limit_req still runs on every request (same work, it just never refuses).
    HOOKPIPE_RATE_PER_IP: process.env.HOOKPIPE_RATE_PER_IP ?? '1000000r/s',
    HOOKPIPE_BURST_PER_IP: process.env.HOOKPIPE_BURST_PER_IP ?? '1000000',
    HOOKPIPE_RATE_TOTAL: process.env.HOOKPIPE_RATE_TOTAL ?? '1000000r/s',
    HOOKPIPE_BURST_TOTAL: process.env.HOOKPIPE_BURST_TOTAL ?? '1000000',
    // Production's defaults (the local stack turns both on for demos): no failure injection,
    // no info line per event (measured: within the noise, see the tuning log).
    CONSUMER_FAILURE_INJECTION: 'off',
    LOG_EVENTS: process.env.LOG_EVENTS ?? 'off',
  };
}

/**
 * Env overrides every bench handler starts with: the per-customer token bucket (a policy) is
 * raised out of the way, so it is not what the bench measures.
 */
export const HANDLER_BENCH_ENV: Record<string, string> = {
  HANDLER_CUSTOMER_RATE: process.env.BENCH_HANDLER_CUSTOMER_RATE ?? '1000000',
  HANDLER_CUSTOMER_BURST: process.env.BENCH_HANDLER_CUSTOMER_RATE ?? '1000000',
};

export function openBenchContext(quiet = false): StackContext {
  return openContext({ env: benchEnv(), ...(quiet ? { log: () => undefined } : {}) });
}

export const handlerParts = (ctx: StackContext): PartName[] =>
  ctx.state.ports.handlers.map((_, i) => `handler-${i + 1}` as const);

/** The bench stack's stack.env values (URLs, keys), from its state. */
export const stackFile = (ctx: StackContext): Partial<Record<string, string>> => stackEnv(ctx);

/** Sets the overrides `up` starts each handler with. */
export function setHandlerOverrides(ctx: StackContext, env: Record<string, string>): void {
  for (const part of handlerParts(ctx)) ctx.state.overrides[part] = { ...env };
  ctx.save();
}

/** Restarts service parts with the given env overrides (in parallel). */
export async function restartParts(
  ctx: StackContext,
  parts: PartName[],
  env: Record<string, string>,
): Promise<void> {
  await Promise.all(parts.map((p) => stopPart(ctx, p)));
  await Promise.all(parts.map((p) => startPart(ctx, p, { env })));
}

/**
 * Restarts service parts as processes of our own, like the launcher's but with extra options:
 * `profileDir` runs them under `node --cpu-prof` (profiles are written when they exit: stopPart's
 * SIGTERM → graceful shutdown → process.exit); `distRoot` runs another build of the service
 * (`<distRoot>/<service>/dist/index.js`, e.g. a copy of the code before a tuning); `script` runs
 * a TypeScript file instead of the service (with tsx, e.g. bench/kafka-floor.ts). The launcher's
 * startService drops NODE_OPTIONS on purpose, so flags go on the command line.
 */
export async function restartCustom(
  ctx: StackContext,
  parts: PartName[],
  env: Record<string, string>,
  options: { profileDir?: string; distRoot?: string; script?: string },
): Promise<void> {
  if (options.profileDir) mkdirSync(options.profileDir, { recursive: true });
  await Promise.all(parts.map((p) => stopPart(ctx, p)));
  await Promise.all(
    parts.map(async (part) => {
      const spec = serviceSpecs(ctx).find((s) => s.part === part);
      if (!spec) throw new Error(`not a service part: ${part}`);
      const childEnv = { ...process.env, ...ctx.env, ...commonServiceEnv(ctx), ...spec.env, ...env };
      delete childEnv.NODE_OPTIONS;
      const profile = options.profileDir
        ? ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`, `--cpu-prof-name=${part}.cpuprofile`]
        : [];
      const pid = spawnDetached({
        command: process.execPath,
        args: [
          ...profile,
          '--enable-source-maps',
          ...(options.script
            ? // The launcher knows its parts by their command line (livePid): name what it stands in for.
              [
                '--import',
                'tsx',
                path.resolve(ctx.root, options.script),
                `--stands-in-for=${spec.service}/dist/index.js`,
              ]
            : [path.join(options.distRoot ?? ctx.root, spec.service, 'dist', 'index.js')]),
        ],
        cwd: ctx.root,
        env: childEnv,
        logFile: path.join(ctx.logsDir, `${part}.log`),
      });
      ctx.state.pids[part] = pid;
      ctx.state.overrides[part] = env;
      ctx.save();
      await waitForService(ctx, spec, pid, (p) => isAlive(p));
    }),
  );
}

/** Restarts service parts under `node --cpu-prof`, profiles written to `dir` when they exit. */
export const restartProfiled = (
  ctx: StackContext,
  parts: PartName[],
  env: Record<string, string>,
  dir: string,
) => restartCustom(ctx, parts, env, { profileDir: dir });

/**
 * The ingest baseline: 3 bare Node servers answering 202 (bench/bare-server.ts) behind a second
 * nginx rendered from the same template and the same outer config as the stack's, on the
 * ports just below the stack's ingress (ingress-11 for nginx, ingress-10.. for the servers).
 */
export interface Baseline {
  origin: string;
  nginxPid: number;
  serverPids: number[];
  stop(): Promise<void>;
}

const baselineContext = (ctx: StackContext) =>
  openContext({ env: ctx.env, dir: path.join(ctx.dir, 'baseline'), log: () => undefined });
const barePidsFile = (base: StackContext) => path.join(base.dir, 'bare-pids.json');

/** Stops a baseline a crashed run left behind (its nginx, and bare servers that are still ours). */
export async function stopLeftoverBaseline(ctx: StackContext): Promise<void> {
  const base = baselineContext(ctx);
  await stopPart(base, 'nginx');
  if (!existsSync(barePidsFile(base))) return;
  for (const pid of JSON.parse(readFileSync(barePidsFile(base), 'utf8')) as number[]) {
    if (commandLine(pid).includes('bare-server.ts')) await stopProcess(pid, { graceMs: 5000 });
  }
  rmSync(barePidsFile(base), { force: true });
}

export async function startBaseline(ctx: StackContext): Promise<Baseline> {
  const replicas = ctx.state.ports.handlers.length;
  const nginxPort = ctx.state.ports.ingress - 11;
  const ports = Array.from({ length: replicas }, (_, i) => nginxPort + 1 + i);
  await stopLeftoverBaseline(ctx);
  for (const p of [nginxPort, ...ports]) await assertPortFree(p, 'the ingest baseline', 'STACK_PORT_OFFSET');
  const base = baselineContext(ctx);
  base.state.ports = { ...base.state.ports, ingress: nginxPort, handlers: ports };
  base.state.pids = {};
  base.save();
  const pids: number[] = [];
  const stop = async () => {
    await stopPart(base, 'nginx');
    await Promise.all(pids.map((pid) => stopProcess(pid, { graceMs: 5000 })));
    rmSync(barePidsFile(base), { force: true });
  };
  try {
    for (const port of ports) {
      pids.push(
        spawnDetached({
          command: process.execPath,
          args: ['--import', 'tsx', path.join(ctx.root, 'bench', 'bare-server.ts'), String(port)],
          cwd: ctx.root,
          env: { ...process.env, NODE_OPTIONS: '' },
          logFile: path.join(base.logsDir, `bare-${port}.log`),
        }),
      );
    }
    writeFileSync(barePidsFile(base), JSON.stringify(pids));
    base.state.pids.nginx = await startNginx(base);
    base.save();
    for (const port of [nginxPort, ...ports]) {
      await waitUntil(() => portOpen(port), { timeoutMs: 15_000, what: `baseline port ${port}` });
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { origin: `http://127.0.0.1:${nginxPort}`, nginxPid: base.state.pids.nginx, serverPids: pids, stop };
}
