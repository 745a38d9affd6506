/**
 * `hookpipe demo` (`make demo`): the main job. On the running local stack: registers a webhook for a
 * new customer (the sender installs its secret on the receiver: linked secrets), starts an emitter
 * with a small share of events
 * that fail in the consumer (so retries and the dead-letter queue show), prints a live progress
 * line, stops after DEMO_SECONDS (Ctrl-C ends earlier), waits for the pipeline to drain,
 * reconciles and prints the summary with where to look further.
 */
import { parseArgs } from 'node:util';
import pg from 'pg';
import {
  formatReport,
  openContext,
  reconcileOk,
  reconcileWhenSettled,
  sleep,
  stackEnv,
  waitUntilSecretKnown,
} from '@hookpipe/stack';
import { EXIT, UnreachableError, UsageError, type Command } from '../errors.js';

export const DEMO_USAGE = `usage: hookpipe demo [--seconds <n>] [--rate <events/s>]

On the running local stack (hookpipe up): a webhook for a new customer, an emitter whose events
partly fail in the consumer (retries and dead letters show), a live progress line, then a reconcile
and where to look further. Ctrl-C stops the emitter early; a second Ctrl-C exits at once.
env:  DEMO_SECONDS (30), DEMO_RATE (20), DEMO_RETRY_SHARE (0.05), DEMO_DEAD_SHARE (0.01); flags win
exit: 0 reconciled, 1 reconcile failed, 3 the stack is not running`;

const num = (name: string, raw: string | undefined, fallback: number, min: number, max: number): number => {
  const n = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isFinite(n) || n < min || n > max)
    throw new UsageError(`${name} must be a number in [${min}, ${max}], got "${raw}"`);
  return n;
};

function demoSettings(argv: string[], env: NodeJS.ProcessEnv) {
  const { values } = parseArgs({
    args: argv,
    options: { seconds: { type: 'string' }, rate: { type: 'string' } },
  });
  return {
    seconds: num('DEMO_SECONDS (--seconds)', values.seconds ?? env.DEMO_SECONDS, 30, 1, 86_400),
    rate: num('DEMO_RATE (--rate)', values.rate ?? env.DEMO_RATE, 20, 0.1, 5000),
    retryShare: num('DEMO_RETRY_SHARE', env.DEMO_RETRY_SHARE, 0.05, 0, 1),
    deadShare: num('DEMO_DEAD_SHARE', env.DEMO_DEAD_SHARE, 0.01, 0, 1),
  };
}

const tty = process.stdout.isTTY;
const bold = (s: string) => (tty ? `\x1b[1m${s}\x1b[0m` : s);
const green = (s: string) => (tty ? `\x1b[32m${s}\x1b[0m` : s);
const red = (s: string) => (tty ? `\x1b[31m${s}\x1b[0m` : s);

async function api(base: string, key: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { 'X-API-Key': key, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  const json = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${text}`);
  return json;
}

interface Counters {
  sent: number;
  delivered: number;
  pending: number;
  failed: number;
}

/** `hookpipe demo`: the main job, on a stack that is up. */
export const demoCommand: Command = async (_command, argv) => {
  const settings = demoSettings(argv, process.env);
  const ctx = openContext({ log: () => undefined });
  const env = stackEnv(ctx);
  const ping = await fetch(`${env.SENDER_URL}/ping`, { signal: AbortSignal.timeout(3000) }).catch(() => null);
  await ping?.body?.cancel();
  if (!ping?.ok)
    throw new UnreachableError(
      `the sender at ${env.SENDER_URL} does not answer: start the stack (hookpipe up)`,
    );
  const sender = (method: string, path: string, body?: unknown) =>
    api(env.SENDER_URL!, env.SENDER_API_KEY!, method, path, body);
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const customer = `demo-${stamp}`;

  console.log(
    bold(`hookpipe demo: ${settings.seconds} s at ${settings.rate} events/s for customer ${customer}`),
  );
  // The per-customer path: the handlers check only this customer's secrets (docs/handler.md).
  const hook = await sender('POST', '/register', {
    customer_id: customer,
    webhook_url: `${env.INGRESS_URL}/webhook/${encodeURIComponent(customer)}`,
  });
  const webhookId = String(hook.webhook_id);
  console.log(`  registered webhook ${webhookId} → ${String(hook.webhook_url)}`);
  console.log('  the sender installed its secret on the receiver (linked secrets: no POST /secrets)');
  await waitUntilSecretKnown(env.HANDLER_URLS!.split(' '), String(hook.secret_token));

  const query = `customer_id=${encodeURIComponent(customer)}&webhook_id=${encodeURIComponent(webhookId)}`;
  await sender('POST', `/emitter/start?${query}`, {
    rate: settings.rate,
    duration: settings.seconds,
    simulate: { retry: settings.retryShare, dead: settings.deadShare },
  });
  console.log(
    `  emitter started: ${Math.round(settings.retryShare * 100)} % of events fail once or twice in the consumer, ${Math.round(settings.deadShare * 100)} % always (Ctrl-C stops early)`,
  );
  console.log(`  watch it live: ${env.CONSUMER_URL}/dashboard (API keys in ${ctx.dir}/stack.env)\n`);

  let interrupted = false;
  const onSignal = () => {
    if (interrupted) process.exit(130);
    interrupted = true;
  };
  process.on('SIGINT', onSignal);

  const db = new pg.Pool({ connectionString: env.DATABASE_URL, max: 1 });
  db.on('error', () => undefined);
  const receiverCounts = async () => {
    const { rows } = await db.query<{ persisted: string; retried: string; dead: string }>(
      `SELECT (SELECT count(*) FROM events WHERE customer_id = $1) AS persisted,
              (SELECT count(*) FROM events WHERE customer_id = $1 AND retry_count > 0)
                + (SELECT count(*) FROM dead_letters WHERE customer_id = $1) AS retried,
              (SELECT count(*) FROM dead_letters WHERE customer_id = $1 AND replayed_at IS NULL) AS dead`,
      [customer],
    );
    const r = rows[0]!;
    return { persisted: Number(r.persisted), retried: Number(r.retried), dead: Number(r.dead) };
  };
  const emitter = async (): Promise<{ status: string; counters: Counters }> => {
    const list = (await sender(
      'GET',
      `/emitters?status=all&webhook_id=${encodeURIComponent(webhookId)}`,
    )) as {
      data: { status: string; counters: Counters }[];
    };
    return list.data[0]!;
  };

  const started = Date.now();
  let last = { at: started, persisted: 0 };
  const progress = async (phase: string) => {
    const [e, r] = await Promise.all([emitter(), receiverCounts()]);
    const now = Date.now();
    const rate = ((r.persisted - last.persisted) * 1000) / Math.max(1, now - last.at);
    last = { at: now, persisted: r.persisted };
    const line = `[${String(Math.round((now - started) / 1000)).padStart(3)} s ${phase}] sent ${e.counters.sent}  delivered ${e.counters.delivered}  persisted ${r.persisted}  retried ${r.retried}  dead-lettered ${r.dead}  ${rate.toFixed(1)} events/s`;
    process.stdout.write(tty ? `\r\x1b[2K${line}` : `${line}\n`);
    return { e, r };
  };

  while (!interrupted) {
    const { e } = await progress('sending');
    if (e.status !== 'running') break;
    await sleep(1000);
  }
  await sender('POST', `/emitter/stop?${query}`).catch(() => undefined);
  // Drain: the sender's retries, the consumer's requeues (a few seconds of backoff each).
  for (;;) {
    const { e, r } = await progress('draining');
    if (e.counters.pending === 0 && r.persisted + r.dead >= e.counters.delivered) break;
    if (Date.now() - started > (settings.seconds + 120) * 1000) break;
    await sleep(1000);
  }
  process.stdout.write('\n\n');
  const report = await reconcileWhenSettled(
    { databaseUrl: env.DATABASE_URL!, senderDatabaseUrl: env.SENDER_DATABASE_URL! },
    { customers: [customer] },
    { timeoutMs: 60_000 },
  );
  await db.end();
  const final = await emitter();
  console.log(bold('Summary'));
  console.log(
    `  sent           ${final.counters.sent} (by the emitter; ${final.counters.delivered} got a 2xx)`,
  );
  console.log(formatReport(report).replace(/^/gm, '  '));
  const ok = reconcileOk(report);
  console.log(`  reconcile: ${ok ? green('OK — nothing lost, nothing duplicated') : red('FAILED')}`);
  const k = `-H "X-API-Key: $RECEIVER_API_KEY"`;
  // As set for this run (make passes the environment to `up` and to the demo); else the default.
  const retentionHours = process.env.CONSUMER_RETENTION_HOURS || '72';
  console.log(`\n${bold('Look further')} (keys in ${ctx.dir}/stack.env; the stack keeps running: make down stops it)
  sender API (Swagger UI)     ${env.SENDER_URL}/docs
  live dashboard              ${env.CONSUMER_URL}/dashboard   (enter SENDER_API_KEY and RECEIVER_API_KEY once)
  receiver API (Swagger UI)   ${env.CONSUMER_URL}/docs
  events of this run          curl -s ${k} "${env.CONSUMER_URL}/events?customer_id=${customer}"
  its dead letters            curl -s ${k} "${env.CONSUMER_URL}/dead-letters?customer_id=${customer}&status=open"
  replay them                 curl -s ${k} -X POST -H 'content-type: application/json' -d '{"filter":{"customer_id":"${customer}"}}' ${env.CONSUMER_URL}/dead-letters/replay
  consumer stats              curl -s ${k} ${env.CONSUMER_URL}/stats
  reconcile again             npx hookpipe reconcile --customer ${customer}
  follow one event            make logs GREP=<webhook_id of one of this run's events>   (plain make logs: every part, live)
  retention                   data older than ${retentionHours} h is deleted; to change it: make down, then SENDER_RETENTION_HOURS=<h> CONSUMER_RETENTION_HOURS=<h> make up (0 keeps all)`);
  return ok ? EXIT.ok : EXIT.failed;
};
