import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface DashboardAsset {
  body: Buffer;
  type: string;
}

/** The page's files: `dashboard/public/`, beside `src/` and `dist/` (the image copies it too). */
export const DEFAULT_ASSETS_DIR = fileURLToPath(new URL('../public', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/**
 * Reads the page's files once at start-up: a handful of small files, served from memory, and no
 * request path ever reaches the file system.
 */
export function loadDashboardAssets(dir: string): Map<string, DashboardAsset> {
  const assets = new Map<string, DashboardAsset>();
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return assets;
  }
  for (const name of names) {
    const type = TYPES[path.extname(name)];
    if (type) assets.set(name, { body: readFileSync(path.join(dir, name)), type });
  }
  return assets;
}
