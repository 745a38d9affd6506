/**
 * `make bench`: brings the bench's own stack up (.stack-bench, ports +500), runs the four
 * scenarios, each against its baseline in the same run (the keyring scenario against itself at
 * 10 customers' secrets), prints and writes the summary (bench/results/*.json,
 * bench/results/summary.md, the generated section of docs/benchmarks.md) and brings the stack
 * down. About 20 minutes with the defaults; every scenario has env knobs (see the head of each
 * script). BENCH_SCENARIOS=ingest,consume,e2e,keyring,scaled picks scenarios (storage, after e2e,
 * also measures the bytes an event takes in PostgreSQL and Kafka). `scaled` runs last, on a stack
 * of its own (<STACK_DIR>-scaled, same ports, once the single stack is down): 2 senders, 2
 * consumers, 3 brokers, 3 handlers, the e2e scenario with shorter steps (BENCH_SCALED_STEPS,
 * BENCH_SCALED_STEP_S = 8, BENCH_SCALED_SECONDS = 30 at BENCH_E2E_RATE), into e2e-scaled.json;
 * BENCH_KEEP_STACK=1 leaves the stack up; BENCH_DOCS=off leaves docs/benchmarks.md alone;
 * BENCH_FRESH=0 keeps the previous run's data (by default each run starts from empty databases).
 * `--summary` only rewrites the summary and the docs section from the results already there.
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, down, openContext, stackEnv, up, type StackContext } from '@hookpipe/stack';
import { resultsDir, writeResult } from './lib/results.js';
import {
  HANDLER_BENCH_ENV,
  benchEnv,
  openBenchContext,
  setHandlerOverrides,
  stopLeftoverBaseline,
} from './lib/stack.js';
import { summarise, updateDoc } from './lib/summary.js';

const SCENARIOS: Record<string, string[]> = {
  ingest: ['bench/ingest.ts'],
  consume: ['bench/consume.ts', '--events', process.env.BENCH_CONSUME_EVENTS ?? '200000'],
  e2e: ['bench/e2e.ts'],
  keyring: ['bench/keyring.ts'],
  storage: ['bench/storage.ts'],
  scaled: ['bench/e2e.ts'],
};

/** The scaled stack (docs/scaling.md): its own folder, the same ports as the single one. */
const scaledEnv = (): NodeJS.ProcessEnv => ({
  ...benchEnv(),
  STACK_DIR: `${benchEnv().STACK_DIR}-scaled`,
  STACK_SENDERS: '2',
  STACK_CONSUMERS: '2',
  STACK_KAFKA_BROKERS: '3',
  HANDLER_REPLICAS: '3',
});

/** The e2e scenario on the scaled stack: the pipeline alone, shorter steps, no profile. */
const scaledScenarioEnv = (): NodeJS.ProcessEnv => ({
  BENCH_E2E_NAME: 'e2e-scaled',
  BENCH_E2E_BASELINE: 'off',
  BENCH_E2E_PROFILE: 'off',
  BENCH_E2E_CONFIRM: 'off',
  BENCH_E2E_STEPS: process.env.BENCH_SCALED_STEPS ?? '250,500,1000,1500,2000,3000',
  BENCH_E2E_STEP_S: process.env.BENCH_SCALED_STEP_S ?? '8',
  BENCH_E2E_SECONDS: process.env.BENCH_SCALED_SECONDS ?? '30',
});

function runScript(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
      cwd: REPO_ROOT,
      env,
      stdio: 'inherit',
    });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

/**
 * Starts from nothing: stops a bench stack left running and deletes its state, Kafka log and
 * PostgreSQL data, so every run begins with empty tables and topics (as from a fresh clone).
 */
async function freshStack(ctx: StackContext): Promise<void> {
  await stopLeftoverBaseline(ctx);
  await down(ctx);
  for (const dir of [ctx.state.pgDataDir, ctx.dir]) if (dir) rmSync(dir, { recursive: true, force: true });
}

/** Rewrites summary.md and the generated section of docs/benchmarks.md from the results. */
function writeSummary(): string {
  const summary = summarise(resultsDir());
  writeResult('summary.md', summary);
  if (process.env.BENCH_DOCS !== 'off') {
    const doc = path.join(REPO_ROOT, 'docs', 'benchmarks.md');
    updateDoc(doc, summary);
    console.log(`bench: updated ${path.relative(REPO_ROOT, doc)}`);
  }
  return summary;
}

/**
 * Brings a stack up (fresh unless BENCH_FRESH=0), runs `names` against it, each as a child
 * process with `extraEnv`, and brings it down unless `keep`; returns the scenarios that failed.
 */
async function onStack(
  open: (quiet?: boolean) => StackContext,
  names: string[],
  extraEnv: NodeJS.ProcessEnv,
  keep: boolean,
): Promise<string[]> {
  if (process.env.BENCH_FRESH !== '0') await freshStack(open(true));
  const ctx = open();
  const failed: string[] = [];
  try {
    console.log(
      `bench: bringing up the bench stack in ${path.relative(REPO_ROOT, ctx.dir)} (ports +${ctx.env.STACK_PORT_OFFSET})`,
    );
    setHandlerOverrides(ctx, HANDLER_BENCH_ENV);
    await up(ctx);
    const childEnv = { ...ctx.env, ...stackEnv(ctx), NODE_OPTIONS: '', ...extraEnv };
    for (const name of names) {
      const t = Date.now();
      console.log(`\n== ${name} ==`);
      const code = await runScript(SCENARIOS[name]!, childEnv);
      console.log(
        `== ${name}: ${code === 0 ? 'done' : `FAILED (exit ${code})`} in ${((Date.now() - t) / 1000).toFixed(0)} s ==`,
      );
      if (code !== 0) failed.push(name);
    }
  } finally {
    if (keep) console.log('\nbench: leaving the stack up (BENCH_KEEP_STACK=1)');
    else {
      console.log(`\nbench: bringing ${path.relative(REPO_ROOT, ctx.dir)} down`);
      // The scenarios restart parts from their own processes: read the pids they saved.
      const last = open(true);
      await stopLeftoverBaseline(last);
      await down(last);
    }
  }
  return failed;
}

async function main(): Promise<number> {
  if (process.argv.includes('--summary')) {
    writeSummary();
    return 0;
  }
  const started = Date.now();
  const wanted = (process.env.BENCH_SCENARIOS ?? 'ingest,consume,e2e,storage,keyring,scaled')
    .split(',')
    .map((s) => s.trim());
  const unknown = wanted.filter((s) => !(s in SCENARIOS));
  if (unknown.length)
    throw new Error(`unknown scenario(s) ${unknown.join(', ')}; known: ${Object.keys(SCENARIOS).join(', ')}`);
  const keep = process.env.BENCH_KEEP_STACK === '1';
  const single = wanted.filter((s) => s !== 'scaled');
  const failed: string[] = [];
  // The scaled stack takes the same ports: the single one goes down first, whatever `keep` says.
  if (single.length)
    failed.push(...(await onStack(openBenchContext, single, {}, keep && !wanted.includes('scaled'))));
  if (wanted.includes('scaled')) {
    const open = (quiet = false) =>
      openContext({ env: scaledEnv(), ...(quiet ? { log: () => undefined } : {}) });
    failed.push(...(await onStack(open, ['scaled'], scaledScenarioEnv(), keep)));
  }
  console.log(`\n${writeSummary()}`);
  console.log(
    `bench: ${((Date.now() - started) / 60_000).toFixed(1)} min${failed.length ? `; FAILED: ${failed.join(', ')}` : ''}`,
  );
  return failed.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
