import { Registry, collectDefaultMetrics } from 'prom-client';
import type { Context } from 'hono';

export { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** A Prometheus registry for one service, with Node's default process metrics. */
export function makeRegistry(service: string, labels: Record<string, string> = {}): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service, ...labels });
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** A Hono handler serving the registry in Prometheus text format. */
export function metricsHandler(registry: Registry) {
  return async (c: Context): Promise<Response> =>
    c.body(await registry.metrics(), 200, { 'Content-Type': registry.contentType });
}
