import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { ApiError } from '@hookpipe/lib';
import { API_KEY_SECURITY, STANDARD_ERRORS } from '@hookpipe/lib/api';
import type { DashboardSampler } from './sampler.js';
import { DashboardStateSchema } from './schema.js';

export interface DashboardAsset {
  body: Buffer;
  type: string;
}

export interface DashboardDeps {
  sampler: Pick<DashboardSampler, 'state'>;
  /** The page's files by name (index.html, *.js, *.css); empty when the folder is missing. */
  assets: ReadonlyMap<string, DashboardAsset>;
  /** The sender's URL as the browser reaches it (the page calls its API with the sender key). */
  senderUrl: string;
  /** How often the page polls (ms). */
  pollMs: number;
}

/** Paths of the page itself: no key needed to load it (keys are typed into it, then sent as headers). */
export const DASHBOARD_OPEN_PATHS = [
  '/dashboard',
  '/dashboard/',
  '/dashboard/config.json',
  '/dashboard/assets/*',
];

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

const state = createRoute({
  method: 'get',
  path: '/dashboard/state',
  summary: 'The live dashboard’s receiver-side figures: nginx, each handler replica, Kafka, the consumer',
  description:
    'Sampled on demand (at most one sample per second, shared by every caller) and kept for the sparklines. ' +
    'Each part carries its own error instead of failing the whole answer.',
  security: API_KEY_SECURITY,
  responses: {
    200: {
      description: 'Current rates, recent totals and a series per stage',
      content: { 'application/json': { schema: DashboardStateSchema } },
    },
    401: STANDARD_ERRORS[401],
  },
});

export function registerDashboardRoutes(app: OpenAPIHono, deps: DashboardDeps): void {
  const sender = new URL(deps.senderUrl).origin;
  // The page talks to its own origin and to the sender; nothing inline, nothing else.
  const csp = [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src 'self' ${sender}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');

  const serve = (name: string, extra: Record<string, string> = {}) => {
    const asset = deps.assets.get(name);
    if (!asset) {
      throw new ApiError(
        404,
        'not_found',
        `the dashboard has no file ${name} (is the dashboard/ folder present?)`,
      );
    }
    return new Response(new Uint8Array(asset.body), {
      headers: {
        'Content-Type': asset.type,
        'Cache-Control': 'no-cache',
        'X-Content-Type-Options': 'nosniff',
        'Referrer-Policy': 'no-referrer',
        ...extra,
      },
    });
  };

  app.get('/dashboard', () => serve('index.html', { 'Content-Security-Policy': csp }));
  app.get('/dashboard/', (c) => c.redirect('/dashboard', 301));
  app.get('/dashboard/config.json', (c) =>
    c.json({ sender_url: sender, poll_ms: deps.pollMs }, 200, { 'Cache-Control': 'no-store' }),
  );
  app.get('/dashboard/assets/:name', (c) => {
    const name = c.req.param('name');
    if (name === 'index.html') throw new ApiError(404, 'not_found', 'the page is at /dashboard');
    return serve(name);
  });

  app.openapi(state, async (c) => c.json(await deps.sampler.state(), 200, { 'Cache-Control': 'no-store' }));
}
