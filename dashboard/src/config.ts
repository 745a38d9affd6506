import { z } from 'zod';
import { env, loadConfig } from '@hookpipe/lib';

function isHttpUrl(value: string): boolean {
  try {
    return ['http:', 'https:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

// Set on the consumer that serves the dashboard, hence the CONSUMER_ names (docs/dashboard.md and
// docs/consumer.md document them; keep the three in step).
const schema = z.object({
  CONSUMER_HANDLER_URLS: env.list().refine((l) => l.every(isHttpUrl), 'each entry must be an http(s) URL'),
  CONSUMER_NGINX_ACCESS_LOG: z.string().optional(),
  CONSUMER_DASHBOARD_SENDER_URL: z
    .string()
    .refine(isHttpUrl, 'must be an http(s) URL')
    .default('http://127.0.0.1:8080'),
  CONSUMER_DASHBOARD_POLL_MS: env.int(1500, 250, 2000),
});

export type DashboardConfig = z.infer<typeof schema>;

/** Reads the dashboard's settings from the consumer's environment; a bad value names its variable. */
export const parseDashboardConfig = (vars: Record<string, string | undefined>): DashboardConfig =>
  loadConfig(schema, vars, 'consumer');
