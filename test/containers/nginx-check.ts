import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Debian's nginx, where `scripts/ensure-test-packages.sh` installs it; undefined without one. */
export const NGINX_BIN = ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/bin/nginx'].find((p) =>
  existsSync(p),
);

/**
 * `nginx -t` on the server blocks in `dir/<include>`, wrapped in a minimal nginx.conf, inside a
 * private mount namespace whose /etc/hosts gives `hosts` 127.0.0.1 (nginx resolves upstream names
 * when it loads a file, as compose's DNS answers them inside the network). Rejects with nginx's
 * report when it refuses the file; resolves with why it could not run (no nginx, no mount
 * namespace) or null when nginx accepted it.
 */
export async function nginxTestWithHosts(
  dir: string,
  include: string,
  hosts: readonly string[],
): Promise<string | null> {
  if (!NGINX_BIN) return 'no nginx binary (Debian: apt-get install nginx)';
  mkdirSync(path.join(dir, 'temp'), { recursive: true });
  writeFileSync(
    path.join(dir, 'nginx.conf'),
    [
      `pid ${dir}/nginx.pid;`,
      `error_log ${dir}/error.log;`,
      'events { worker_connections 64; }',
      'http {',
      `    client_body_temp_path ${dir}/temp/body;`,
      `    proxy_temp_path ${dir}/temp/proxy;`,
      `    include ${dir}/${include};`,
      '}',
      '',
    ].join('\n'),
  );
  writeFileSync(path.join(dir, 'hosts'), ['localhost', ...hosts].map((h) => `127.0.0.1 ${h}\n`).join(''));
  const script = `mount --bind ${dir}/hosts /etc/hosts && exec ${NGINX_BIN} -t -q -p ${dir} -c ${dir}/nginx.conf`;
  const unshare = process.getuid?.() === 0 ? ['--mount'] : ['--mount', '--map-root-user'];
  const canUnshare = await run('unshare', [...unshare, 'true']).then(
    () => true,
    () => false,
  );
  if (!canUnshare)
    return `unshare cannot make a mount namespace here (needed to resolve ${hosts.join(', ')})`;
  await run('unshare', [...unshare, 'sh', '-c', script]);
  return null;
}
