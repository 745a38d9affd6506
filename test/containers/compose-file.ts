/**
 * Reading docker-compose.yml, .env.example and the services' config schemas for the static
 * topology test, without a container engine: YAML parsed with merge keys, `${VAR:-default}`
 * interpolated the way compose does it, config variable names taken from the zod schemas.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from '@hookpipe/stack';

export interface ComposeService {
  image?: string;
  command?: string[];
  environment?: Record<string, string | number | null>;
  env_file?: string | string[];
  ports?: string[];
  volumes?: string[];
  profiles?: string[];
  deploy?: { replicas?: number };
  healthcheck?: { test?: string[]; disable?: boolean; interval?: string };
  depends_on?: Record<string, { condition: string }>;
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

export const repoFile = (...parts: string[]) => path.join(REPO_ROOT, ...parts);

export function loadCompose(): ComposeFile {
  return parse(readFileSync(repoFile('docker-compose.yml'), 'utf8'), { merge: true }) as ComposeFile;
}

/** .env.example: the values it sets, and every name it lists (set, or commented out as `# NAME=`). */
export function loadEnvExample(): { values: Record<string, string>; listed: Set<string> } {
  const values: Record<string, string> = {};
  const listed = new Set<string>();
  for (const line of readFileSync(repoFile('.env.example'), 'utf8').split('\n')) {
    const m = /^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (!m) continue;
    listed.add(m[2]!);
    if (!m[1]) values[m[2]!] = m[3]!;
  }
  return { values, listed };
}

/** Compose's interpolation: ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}; `$$` is a `$`. */
export function interpolate(text: string, vars: Record<string, string>): string {
  return text.replace(
    /\$\$|\$\{([A-Z0-9_]+)(?:(:?[-?])([^}]*))?\}/g,
    (whole, name?: string, op?: string, arg?: string) => {
      if (whole === '$$') return '$';
      const value = vars[name!];
      const empty = value === undefined || (op?.startsWith(':') === true && value === '');
      if (!empty) return value;
      if (op?.endsWith('?')) throw new Error(`compose would stop: ${name} ${arg ?? ''}`);
      return op ? (arg ?? '') : '';
    },
  );
}

/** The variable names a zod env schema declares (the keys of its object literal). */
export function schemaVariables(file: string): string[] {
  const source = readFileSync(repoFile(file), 'utf8');
  const body = source.slice(source.indexOf('z.object({') >= 0 ? source.indexOf('z.object({') : 0);
  return [...new Set([...body.matchAll(/^\s+([A-Z][A-Z0-9_]+):/gm)].map((m) => m[1]!))];
}

/** Which compose service runs which schema. */
export const SERVICE_SCHEMAS: Record<string, string> = {
  sender: 'sender/src/config.ts',
  handler: 'handler/src/config.ts',
  consumer: 'consumer/src/config.ts',
  init: 'lib/src/init-cli.ts',
};

/** Environment of a compose service after interpolation with `vars` (env_file not included). */
export function serviceEnv(service: ComposeService, vars: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(service.environment ?? {}).map(([k, v]) => [k, interpolate(String(v ?? ''), vars)]),
  );
}
