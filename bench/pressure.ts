/**
 * `make pressure`: bounded under pressure. Its own stack (.stack-pressure, ports +2200), from
 * empty databases. Signed events (bench/lib/signed.ts) of several customers go straight at the
 * ingress at PRESSURE_RATE (1,000/s) while first Kafka, then PostgreSQL, is stopped for
 * PRESSURE_OUTAGE_S (60): how fast the handlers answer 503 and how their memory moves while
 * Kafka is away, how the consumer's lag and memory move while PostgreSQL is, and how long each
 * takes to recover. Writes bench/results/pressure.json and pressure.svg (docs/reliability.md).
 *
 * Knobs: PRESSURE_RATE, PRESSURE_OUTAGE_S, PRESSURE_BEFORE_S (20), PRESSURE_AFTER_S (40),
 * PRESSURE_CUSTOMERS (8), PRESSURE_MAX_IN_FLIGHT (256), PRESSURE_PHASES (kafka,postgres),
 * PRESSURE_RESULTS_DIR, PRESSURE_KEEP_STACK=1, STACK_DIR, STACK_PORT_OFFSET.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, clean, down, openContext, stackEnv, up, type StackContext } from '@hookpipe/stack';
import { machineInfo } from './lib/machine.js';
import { runPressurePhase, type PhaseResult } from './lib/pressure/phase.js';
import { plotPressure, summaryLines } from './lib/pressure/report.js';
import { installSecrets } from './lib/receiver.js';
import { envNumber } from './lib/results.js';
import { makeCustomers, makeSignedSource } from './lib/signed.js';
import { makeKafkaLag } from './lib/soak/sample.js';
import { handlerParts } from './lib/stack.js';

const settings = {
  rate: envNumber('PRESSURE_RATE', 1000),
  outageS: envNumber('PRESSURE_OUTAGE_S', 60),
  beforeS: envNumber('PRESSURE_BEFORE_S', 20),
  afterS: envNumber('PRESSURE_AFTER_S', 40),
  customers: envNumber('PRESSURE_CUSTOMERS', 8),
  // A sender's concurrency (SENDER_DELIVERY_CONCURRENCY's default): past it, requests wait their turn.
  maxInFlight: envNumber('PRESSURE_MAX_IN_FLIGHT', 256),
  phases: (process.env.PRESSURE_PHASES ?? 'kafka,postgres').split(',').map((s) => s.trim()),
};

const log = (m: string) => console.log(`pressure: ${m}`);

function openPressureContext(quiet = false): StackContext {
  return openContext({
    env: {
      ...process.env,
      STACK_DIR: process.env.STACK_DIR ?? '.stack-pressure',
      STACK_PORT_OFFSET: process.env.STACK_PORT_OFFSET ?? '2200',
      // The services' own defaults: no failure injection, no line per event.
      CONSUMER_FAILURE_INJECTION: 'off',
      LOG_EVENTS: 'off',
    },
    log: quiet ? () => undefined : (m) => console.log(`[stack] ${m}`),
  });
}

async function main(): Promise<void> {
  const unknown = settings.phases.filter((p) => p !== 'kafka' && p !== 'postgres');
  if (unknown.length) throw new Error(`PRESSURE_PHASES: unknown ${unknown.join(', ')} (kafka, postgres)`);
  await clean(openPressureContext(true));
  const ctx = openPressureContext();
  log(
    `stack in ${path.relative(REPO_ROOT, ctx.dir)} (ports +${ctx.env.STACK_PORT_OFFSET}); ${JSON.stringify(settings)}`,
  );
  try {
    await up(ctx);
    const env = stackEnv(ctx);
    const machine = await machineInfo(ctx, env.DATABASE_URL!);
    const runId = Date.now().toString(36);
    const customers = makeCustomers(runId, settings.customers);
    await installSecrets(env.CONSUMER_URL!, env.RECEIVER_API_KEY!, customers);
    const source = makeSignedSource(runId, customers);
    const lag = makeKafkaLag(env.KAFKA_BROKERS!);
    const phases: PhaseResult[] = [];
    // Handlers pick a new secret up within about a second.
    await new Promise((r) => setTimeout(r, 2500));
    for (const part of settings.phases as ('kafka' | 'postgres')[]) {
      log(`== ${part} stopped for ${settings.outageS} s under ${settings.rate} events/s ==`);
      const result = await runPressurePhase({
        ctx,
        part,
        ingressUrl: env.INGRESS_URL!,
        rate: settings.rate,
        beforeS: settings.beforeS,
        outageS: settings.outageS,
        afterS: settings.afterS,
        maxInFlight: settings.maxInFlight,
        next: () => source.next(),
        watch: [...handlerParts(ctx), 'consumer', 'nginx'],
        lag: () => lag.read(),
        log,
      });
      phases.push(result);
      console.log(summaryLines(result).join('\n'));
    }
    await lag.close();
    const result = { date: new Date().toISOString(), machine, settings, phases };
    const dir = path.resolve(REPO_ROOT, process.env.PRESSURE_RESULTS_DIR ?? path.join('bench', 'results'));
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'pressure.json'), `${JSON.stringify(result, null, 2)}\n`);
    writeFileSync(path.join(dir, 'pressure.svg'), plotPressure(result));
    log(`wrote ${path.relative(REPO_ROOT, path.join(dir, 'pressure.json'))} and pressure.svg`);
  } finally {
    if (process.env.PRESSURE_KEEP_STACK === '1') log('leaving the stack up');
    else await down(openPressureContext());
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
