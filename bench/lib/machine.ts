import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { StackContext } from '@hookpipe/stack';

export interface MachineInfo {
  cpu_model: string;
  cores: number;
  memory_gib: number;
  os: string;
  node: string;
  kafka: string;
  postgres: string;
  nginx: string;
  /** 1-minute load average when the bench started: other work on a shared machine shows here. */
  loadavg_1m_at_start: number;
}

/** What the bench ran on; the versions are read from the running parts, not assumed. */
export async function machineInfo(ctx: StackContext, databaseUrl: string): Promise<MachineInfo> {
  const cpu = os.cpus();
  const jar = readdirSync(path.join(ctx.cacheDir, 'kafka', 'libs')).find((f) =>
    /^kafka_2\.13-.*\.jar$/.test(f),
  );
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const pgVersion = (await client.query<{ server_version: string }>('SHOW server_version')).rows[0]!
    .server_version;
  await client.end();
  let nginx = 'unknown';
  try {
    // nginx -v prints to stderr.
    const bin = ctx.env.NGINX_BIN ?? (existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx');
    const out = spawnSync(bin, ['-v'], { encoding: 'utf8' });
    nginx = out.stderr.replace(/^nginx version: nginx\//, '').trim() || 'unknown';
  } catch {
    /* keep unknown */
  }
  let osName = `${os.type()} ${os.release()}`;
  try {
    const pretty = /^PRETTY_NAME="?(.*?)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'));
    if (pretty) osName = `${pretty[1]} (${os.release()})`;
  } catch {
    /* keep the kernel name */
  }
  return {
    cpu_model: cpu[0]?.model.trim() ?? 'unknown',
    cores: cpu.length,
    memory_gib: Math.round(os.totalmem() / 1024 ** 3),
    os: osName,
    node: process.version,
    kafka: jar?.replace(/^kafka_2\.13-|\.jar$/g, '') ?? 'unknown',
    postgres: pgVersion,
    nginx,
    loadavg_1m_at_start: Math.round(os.loadavg()[0]! * 100) / 100,
  };
}
