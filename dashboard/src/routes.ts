import type { OpenAPIHono } from '@hono/zod-openapi';
import { ApiError } from '@hookpipe/lib';
import { defineRoute } from '@hookpipe/lib/api';
import type { DashboardAsset } from './assets.js';
import type { DashboardSampler } from './sampler.js';
import { DashboardStateSchema } from './schema.js';

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

/**
 * Adds the page (`/dashboard`, its files, its settings) and `GET /dashboard/state` to `app`. The
 * host app decides who may call what: DASHBOARD_OPEN_PATHS are the page, the state wants a key.
 */
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
        `the dashboard has no file ${name} (is the dashboard/ folder present, public/ included?)`,
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

  defineRoute(
    app,
    {
      method: 'get',
      path: '/dashboard/state',
      scope: 'events:read',
      summary: 'The live dashboard’s receiver-side figures: nginx, each handler replica, Kafka, the consumer',
      description:
        'Sampled on demand (at most one sample per second, shared by every caller) and kept for the sparklines. ' +
        'Each part carries its own error instead of failing the whole answer.',
      responses: {
        200: {
          description: 'Current rates, recent totals and a series per stage',
          schema: DashboardStateSchema,
        },
      },
    },
    async (c) => c.json(await deps.sampler.state(), 200, { 'Cache-Control': 'no-store' }),
  );
}
