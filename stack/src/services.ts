import { existsSync } from 'node:fs';
import path from 'node:path';
import { consumerParts, senderParts, type PartName, type StackContext } from './context.js';
import { brokerList } from './kafka.js';
import { databaseUrls } from './postgres.js';
import { spawnDetached, tail, waitUntil } from './proc.js';

export interface ServiceSpec {
  part: PartName;
  service: 'sender' | 'handler' | 'consumer';
  port: number;
  env: Record<string, string>;
}

/** The service processes of the stack and the env each gets. */
export function serviceSpecs(ctx: StackContext): ServiceSpec[] {
  const { ports, instances } = ctx.state;
  const senders = senderParts(ctx.state);
  return [
    ...ports.handlers.map((port, i) => ({
      part: `handler-${i + 1}` as const,
      service: 'handler' as const,
      port,
      env: { HANDLER_PORT: String(port), HANDLER_ID: `handler-${i + 1}` },
    })),
    ...consumerParts(ctx.state).map((part, i) => {
      const port = instances.consumers[i]!;
      return {
        part,
        service: 'consumer' as const,
        port,
        env: {
          CONSUMER_PORT: String(port),
          // One group; the client id tells the members apart in the group's description.
          CONSUMER_CLIENT_ID: `hookpipe-${part}`,
          // The dashboard (docs/dashboard.md): the replicas to scrape, nginx's JSON access log, and
          // the sender as the browser reaches it.
          CONSUMER_HANDLER_URLS: ports.handlers.map((p) => `http://127.0.0.1:${p}`).join(' '),
          CONSUMER_NGINX_ACCESS_LOG: path.join(ctx.logsDir, 'nginx-access.log'),
          CONSUMER_DASHBOARD_SENDER_URL: `http://127.0.0.1:${ports.sender}`,
        },
      };
    }),
    ...senders.map((part, i) => {
      const port = instances.senders[i]!;
      return {
        part,
        service: 'sender' as const,
        port,
        env: {
          SENDER_PORT: String(port),
          // Named after its part, so a restarted sender takes its own emitters back at once
          // instead of waiting for their leases to run out.
          SENDER_INSTANCE_ID: part,
          // The dashboard's page, served by any consumer, calls the sender's API from that origin.
          SENDER_CORS_ORIGINS: instances.consumers
            .flatMap((p) => [`http://127.0.0.1:${p}`, `http://localhost:${p}`])
            .join(','),
          ...linkedSecretsEnv(ctx),
        },
      };
    }),
  ];
}

/**
 * Linked secrets: the sender installs the secret of a webhook aimed at this stack's ingress (or
 * straight at a handler replica) on this stack's receiver, so the seed's curl flow needs no
 * `/secrets` call. The first receiver API key serves.
 */
export function linkedSecretsEnv(ctx: StackContext): Record<string, string> {
  const { ports } = ctx.state;
  return {
    SENDER_RECEIVER_API_URL: `http://127.0.0.1:${ports.consumer}`,
    SENDER_RECEIVER_API_KEY: ctx.state.receiverApiKey.split(',')[0]!.trim(),
    SENDER_LINKED_INGRESS_URLS: [ports.ingress, ...ports.handlers]
      .flatMap((p) => [`http://127.0.0.1:${p}`, `http://localhost:${p}`])
      .join(','),
  };
}

/** What every service of the stack is told (besides its own port). */
export function commonServiceEnv(ctx: StackContext): Record<string, string> {
  const { databaseUrl, senderDatabaseUrl } = databaseUrls(ctx);
  return {
    HOST: '127.0.0.1',
    LOG_LEVEL: ctx.env.LOG_LEVEL ?? 'info',
    // A harness people watch: one line per event at each hop, so `make logs GREP=<id>` finds it.
    LOG_EVENTS: ctx.env.LOG_EVENTS ?? 'on',
    KAFKA_BROKERS: brokerList(ctx).join(','),
    DATABASE_URL: databaseUrl,
    SENDER_DATABASE_URL: senderDatabaseUrl,
    SENDER_API_KEY: ctx.state.senderApiKey,
    RECEIVER_API_KEY: ctx.state.receiverApiKey,
    CONSUMER_FAILURE_INJECTION: ctx.env.CONSUMER_FAILURE_INJECTION ?? 'on',
    // The stack's own URLs, for services that show or link them.
    INGRESS_URL: `http://127.0.0.1:${ctx.state.ports.ingress}`,
    SENDER_URL: `http://127.0.0.1:${ctx.state.ports.sender}`,
    CONSUMER_URL: `http://127.0.0.1:${ctx.state.ports.consumer}`,
  };
}

export function startService(
  ctx: StackContext,
  spec: ServiceSpec,
  overrides: Record<string, string> = {},
): number {
  const entry = path.join(ctx.root, spec.service, 'dist', 'index.js');
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` first`);
  // The launching process's NODE_OPTIONS (vitest's or tsx's loaders) must not leak into the
  // services; one given as an override for this part (say --cpu-prof) is kept.
  const { NODE_OPTIONS: _inherited, ...inherited } = { ...process.env, ...ctx.env };
  const env = { ...inherited, ...commonServiceEnv(ctx), ...spec.env, ...overrides };
  return spawnDetached({
    command: process.execPath,
    args: ['--enable-source-maps', entry],
    cwd: ctx.root,
    env,
    logFile: path.join(ctx.logsDir, `${spec.part}.log`),
  });
}

/** Waits for `GET /healthz` to answer 200, with the log's tail on failure. */
export async function waitForService(
  ctx: StackContext,
  spec: ServiceSpec,
  pid: number,
  isAlive: (pid: number) => boolean,
  timeoutMs = 30_000,
): Promise<void> {
  const logFile = path.join(ctx.logsDir, `${spec.part}.log`);
  await waitUntil(
    async () => {
      if (!isAlive(pid)) throw new Error(`${spec.part} exited`);
      const res = await fetch(`http://127.0.0.1:${spec.port}/healthz`, { signal: AbortSignal.timeout(1000) });
      await res.body?.cancel();
      return res.ok;
    },
    {
      timeoutMs,
      intervalMs: 150,
      what: `${spec.part} to answer GET /healthz on port ${spec.port}`,
      onFail: () => `last lines of ${logFile}:\n${tail(logFile)}`,
    },
  );
}
