import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { StackContext } from './context.js';
import { processTree, spawnDetached, tail, waitUntil } from './proc.js';

const run = promisify(execFile);
const TEMPLATE = path.join('nginx', 'templates', 'hookpipe.conf.template');
const DEFAULTS = path.join('nginx', 'templates', 'defaults.env');

/** Finds nginx; as root installs Debian's package when missing, otherwise says what to install. */
export async function ensureNginx(ctx: StackContext): Promise<string> {
  for (const candidate of [ctx.env.NGINX_BIN, '/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/bin/nginx']) {
    if (candidate && existsSync(candidate)) return candidate;
  }
  if (process.getuid?.() !== 0) {
    throw new Error(
      'nginx is not installed. Install it (Debian/Ubuntu: sudo apt-get install nginx) or set NGINX_BIN.',
    );
  }
  ctx.log('nginx: not found, installing Debian package nginx…');
  try {
    await run('apt-get', ['install', '-y', '-qq', 'nginx'], {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  } catch {
    await run('apt-get', ['update', '-qq']);
    await run('apt-get', ['install', '-y', '-qq', 'nginx'], {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  }
  if (!existsSync('/usr/sbin/nginx'))
    throw new Error('apt-get installed nginx but /usr/sbin/nginx is missing');
  return '/usr/sbin/nginx';
}

// stack.env quotes a value the shell way when it has spaces: 'a b', with ' written as '\''.
const unquote = (v: string) =>
  /^'.*'$/.test(v) ? v.slice(1, -1).replace(/'\\''/g, "'") : v.replace(/^"(.*)"$/, '$1');

/** Reads KEY=value lines (comments and blanks skipped). */
export function readEnvFile(file: string): Record<string, string> {
  if (!existsSync(file)) return {};
  const out: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (m) out[m[1]!] = unquote(m[2]!);
  }
  return out;
}

/**
 * Renders the template like the official image's envsubst does: only `${HOOKPIPE_*}` names are
 * replaced (nginx's own `$variables` stay); an unknown name is an error, not an empty string.
 */
export function renderTemplate(template: string, vars: Record<string, string>): string {
  return template.replace(/\$\{(HOOKPIPE_[A-Z0-9_]+)\}/g, (_, name: string) => {
    const value = vars[name];
    if (value === undefined) throw new Error(`nginx template uses \${${name}} but no value is set for it`);
    return value;
  });
}

/**
 * The template's variables for the local stack: defaults.env, then the environment, then ports.
 * `handlerPorts`: the replicas nginx sends to (all of the stack's by default).
 */
export function localTemplateVars(
  ctx: StackContext,
  accessLog: string,
  handlerPorts: readonly number[] = ctx.state.ports.handlers,
): Record<string, string> {
  const defaults = readEnvFile(path.join(ctx.root, DEFAULTS));
  const fromEnv = Object.fromEntries(
    Object.entries(ctx.env).filter(([k, v]) => k.startsWith('HOOKPIPE_') && v !== undefined),
  ) as Record<string, string>;
  const vars = { ...defaults, ...fromEnv };
  const params = vars.HOOKPIPE_UPSTREAM_SERVER_PARAMS ?? '';
  return {
    ...vars,
    HOOKPIPE_INGRESS_PORT: `127.0.0.1:${ctx.state.ports.ingress}`,
    HOOKPIPE_UPSTREAM_SERVERS: handlerPorts
      .map((p) => `server 127.0.0.1:${p} ${params};`.replace(' ;', ';'))
      .join('\n    '),
    HOOKPIPE_ACCESS_LOG: accessLog,
  };
}

/**
 * nginx's temp files. As root nginx's workers run as nobody, which cannot enter a private
 * checkout: their temp files live in a directory of their own under the system temp dir.
 */
export function nginxTempDir(ctx: StackContext): string {
  return process.getuid?.() === 0
    ? path.join(
        os.tmpdir(),
        `hookpipe-nginx-${createHash('sha256').update(ctx.dir).digest('hex').slice(0, 12)}`,
      )
    : path.join(ctx.dir, 'nginx', 'temp');
}

/**
 * Writes the outer nginx.conf (our pid, logs and temp paths; worker user) around the rendered
 * template and checks it with `nginx -t`.
 */
export async function writeNginxConfig(
  ctx: StackContext,
  bin: string,
  handlerPorts: readonly number[] = ctx.state.ports.handlers,
): Promise<string> {
  const dir = path.join(ctx.dir, 'nginx');
  mkdirSync(dir, { recursive: true });
  const root = process.getuid?.() === 0;
  const temp = nginxTempDir(ctx);
  mkdirSync(temp, { recursive: true, mode: 0o700 });
  if (root) chownSync(temp, 65534, 65534);
  const accessLog = path.join(ctx.logsDir, 'nginx-access.log');
  const server = renderTemplate(
    readFileSync(path.join(ctx.root, TEMPLATE), 'utf8'),
    localTemplateVars(ctx, accessLog, handlerPorts),
  );
  writeFileSync(path.join(dir, 'hookpipe.conf'), server);
  const conf = path.join(dir, 'nginx.conf');
  writeFileSync(
    conf,
    [
      '# Written by the hookpipe stack launcher around nginx/templates/hookpipe.conf.template.',
      root ? 'user nobody nogroup;' : '',
      `worker_processes ${ctx.env.NGINX_WORKERS ?? '2'};`,
      `pid ${path.join(dir, 'nginx.pid')};`,
      `error_log ${path.join(ctx.logsDir, 'nginx-error.log')} warn;`,
      'daemon off;',
      'events { worker_connections 4096; }',
      'http {',
      `    client_body_temp_path ${temp}/client_body;`,
      `    proxy_temp_path ${temp}/proxy;`,
      `    fastcgi_temp_path ${temp}/fastcgi;`,
      `    uwsgi_temp_path ${temp}/uwsgi;`,
      `    scgi_temp_path ${temp}/scgi;`,
      '    default_type application/octet-stream;',
      `    include ${path.join(dir, 'hookpipe.conf')};`,
      '}',
      '',
    ].join('\n'),
  );
  try {
    await run(bin, ['-t', '-q', '-p', dir, '-c', conf]);
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`nginx rejected the rendered configuration ${conf}:\n${e.stderr ?? e.message}`);
  }
  return conf;
}

export async function startNginx(ctx: StackContext): Promise<number> {
  const bin = await ensureNginx(ctx);
  const conf = await writeNginxConfig(ctx, bin);
  const pid = spawnDetached({
    command: bin,
    args: ['-p', path.dirname(conf), '-c', conf],
    cwd: ctx.dir,
    env: process.env,
    logFile: path.join(ctx.logsDir, 'nginx.log'),
  });
  ctx.log(
    `nginx: starting on 127.0.0.1:${ctx.state.ports.ingress} in front of ${ctx.state.ports.handlers.length} handlers, pid ${pid}`,
  );
  return pid;
}

/**
 * Re-renders the running nginx's configuration with `handlerPorts` as its upstream servers and
 * reloads it (SIGHUP, as `nginx -s reload` sends): the master starts workers with the new list
 * and lets the old ones finish their requests. Resolves once the new workers run.
 */
export async function reloadNginx(
  ctx: StackContext,
  pid: number,
  handlerPorts: readonly number[],
): Promise<void> {
  const bin = await ensureNginx(ctx);
  await writeNginxConfig(ctx, bin, handlerPorts);
  const before = new Set(processTree([pid]));
  process.kill(pid, 'SIGHUP');
  await waitUntil(() => processTree([pid]).some((p) => !before.has(p)), {
    timeoutMs: 10_000,
    intervalMs: 50,
    what: `nginx (pid ${pid}) to start workers for ${handlerPorts.length} upstream replica(s)`,
    onFail: () => `last lines of nginx-error.log:\n${tail(path.join(ctx.logsDir, 'nginx-error.log'))}`,
  });
}
