/**
 * `make soak`: hours, not minutes. Brings up its own stack (.stack-soak, ports +2100), registers
 * webhooks of several customers, runs the sender's emitters at SOAK_RATE (300/s) with retry and
 * dead-letter shares for SOAK_MINUTES (30), and meanwhile follows a seeded chaos plan (every
 * 60–120 s: SIGKILL a handler or the consumer, stop Kafka or PostgreSQL, restart the sender, nginx
 * on one replica). It samples every process every 10 s, the lag and throughput every 2 s, and
 * ends with a reconcile, a scan of every log the stack wrote, a verdict (exit 0 only when every
 * goal holds) and a report: bench/results/soak/soak.json and soak.svg. Settings: the head of
 * bench/lib/soak/settings.ts and docs/reliability.md.
 *
 *   node --import tsx bench/soak.ts      (make soak; make test runs a 3-minute one)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  REPO_ROOT,
  allParts,
  clean,
  down,
  openContext,
  stackEnv,
  up,
  type StackContext,
} from '@hookpipe/stack';
import { makeApi } from '../cli/src/scenario/api.js';
import { makeRunId } from '../cli/src/scenario/setup.js';
import { machineInfo } from './lib/machine.js';
import { chaosPlan, describeStep, type ChaosEvent } from './lib/soak/chaos.js';
import { finish } from './lib/soak/finish.js';
import { every, runChaos } from './lib/soak/loops.js';
import { makeRecorder } from './lib/soak/recorder.js';
import { progressLine } from './lib/soak/report.js';
import { replayEnv, soakSettings } from './lib/soak/settings.js';
import { registerSoakWebhooks, startEmitters, stopEmitters } from './lib/soak/traffic.js';

const log = (message: string) => console.log(`soak: ${message}`);

function openSoakContext(logEvents: boolean, quiet = false): StackContext {
  return openContext({
    env: {
      ...process.env,
      STACK_DIR: process.env.STACK_DIR ?? '.stack-soak',
      // Not +2000: the sender would be on 10080, a port fetch() refuses to connect to.
      STACK_PORT_OFFSET: process.env.STACK_PORT_OFFSET ?? '2100',
      // The retry and dead-letter shares need the consumer's failure injection.
      CONSUMER_FAILURE_INJECTION: 'on',
      // One line per event per hop would make the logs the soak's biggest growth.
      LOG_EVENTS: logEvents ? 'on' : 'off',
    },
    log: quiet ? () => undefined : (m) => console.log(`[stack] ${m}`),
  });
}

async function main(): Promise<number> {
  const settings = soakSettings();
  const replay = Object.entries(replayEnv(settings))
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  log(`replay with: ${replay} make soak`);
  if (settings.fresh) await clean(openSoakContext(settings.logEvents, true));
  const ctx = openSoakContext(settings.logEvents);
  log(`stack in ${path.relative(REPO_ROOT, ctx.dir)} (ports +${ctx.env.STACK_PORT_OFFSET})`);
  const stopped = new AbortController();
  let interrupts = 0;
  process.on('SIGINT', () => {
    interrupts += 1;
    if (interrupts > 1) process.exit(130);
    log('interrupted: stopping the emitters and finishing (Ctrl-C again to quit at once)');
    stopped.abort();
  });
  try {
    await up(ctx);
    const env = stackEnv(ctx);
    const sender = makeApi('sender', env.SENDER_URL!, env.SENDER_API_KEY!);
    const receiver = makeApi('receiver', env.CONSUMER_URL!, env.RECEIVER_API_KEY!);
    const machine = await machineInfo(ctx, env.DATABASE_URL!);
    const runId = makeRunId(Date.now());
    const hooks = await registerSoakWebhooks({
      sender,
      receiver,
      ingressUrl: env.INGRESS_URL!,
      handlerUrls: env.HANDLER_URLS!.split(' '),
      settings,
      runId,
    });
    log(`${hooks.length} webhooks of ${settings.customers} customers, ${settings.rate} events/s in all`);
    const plan = chaosPlan(settings, ctx.state.replicas);
    log(`chaos plan (seed ${settings.seed}; each gap counts from the end of the previous action):`);
    for (const s of plan) console.log(`  #${s.index}  after ${s.gapS} s: ${describeStep(s)}`);

    await startEmitters(sender, hooks, settings);
    const startedAt = Date.now();
    const until = startedAt + settings.minutes * 60_000;
    const recorder = makeRecorder({
      ctx,
      parts: () => allParts(ctx),
      sender: makeApi('sender', env.SENDER_URL!, env.SENDER_API_KEY!, { timeoutMs: 1500 }),
      hooks,
      consumerUrl: env.CONSUMER_URL!,
      receiverApiKey: env.RECEIVER_API_KEY!,
      senderDatabaseUrl: env.SENDER_DATABASE_URL!,
      kafkaBrokers: env.KAFKA_BROKERS!,
      startedAt,
    });
    const events: ChaosEvent[] = [];
    const loop = { startedAt, until, signal: stopped.signal };
    await Promise.all([
      every(settings.probeS * 1000, loop, () => recorder.probe()),
      every(settings.sampleS * 1000, loop, async () => {
        const row = await recorder.sample(settings.sampleS);
        const last = events.at(-1);
        const lastText = last
          ? `${last.what} (${Math.round((Date.now() - last.endedAt) / 1000)} s ago)`
          : undefined;
        console.log(progressLine(row, settings.rate, lastText));
      }),
      runChaos({ ctx, plan, settings, until, signal: stopped.signal, log, onEvent: (e) => events.push(e) }),
    ]);
    const sendingEnd = (Date.now() - startedAt) / 1000;
    log('stopping the emitters');
    await stopEmitters(sender, hooks);
    await recorder.close();
    const result = await finish({
      ctx,
      env,
      settings,
      machine,
      hooks,
      sender,
      recorder,
      events,
      plan,
      startedAt,
      sendingEnd,
      replay,
      log,
    });
    const dir = settings.resultsDir;
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'soak.json'), `${JSON.stringify(result.report, null, 2)}\n`);
    writeFileSync(path.join(dir, 'soak.svg'), result.svg);
    log(`wrote ${path.relative(REPO_ROOT, path.join(dir, 'soak.json'))} and soak.svg`);
    console.log(`\nverdict (${result.pass ? 'PASS' : 'FAIL'}):\n${result.verdictText}\n`);
    return result.pass ? 0 : 1;
  } finally {
    if (settings.keepStack) log('leaving the stack up (SOAK_KEEP_STACK=1)');
    else await down(openSoakContext(settings.logEvents));
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
