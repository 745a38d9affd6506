/**
 * `make bench`: brings the bench's own stack up (.stack-bench, ports +500), runs the four
 * scenarios, each against its baseline in the same run (the keyring scenario against itself at
 * 10 customers' secrets), prints and writes the summary (bench/results/*.json,
 * bench/results/summary.md, the generated section of docs/benchmarks.md) and brings the stack
 * down. About 12 minutes with the defaults; every scenario has env knobs (see the head of each
 * script). BENCH_SCENARIOS=ingest,consume,e2e,keyring picks scenarios (storage, after e2e, also
 * measures the bytes an event takes in PostgreSQL and Kafka);
 * BENCH_KEEP_STACK=1 leaves the stack up; BENCH_DOCS=off leaves docs/benchmarks.md alone;
 * BENCH_FRESH=0 keeps the previous run's data (by default each run starts from empty databases).
 * `--summary` only rewrites the summary and the docs section from the results already there.
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, down, stackEnv, up } from '@hookpipe/stack';
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
};

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
async function freshStack(): Promise<void> {
  const ctx = openBenchContext(true);
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

async function main(): Promise<number> {
  if (process.argv.includes('--summary')) {
    writeSummary();
    return 0;
  }
  const started = Date.now();
  const wanted = (process.env.BENCH_SCENARIOS ?? 'ingest,consume,e2e,storage,keyring')
    .split(',')
    .map((s) => s.trim());
  const unknown = wanted.filter((s) => !(s in SCENARIOS));
  if (unknown.length)
    throw new Error(`unknown scenario(s) ${unknown.join(', ')}; known: ${Object.keys(SCENARIOS).join(', ')}`);
  if (process.env.BENCH_FRESH !== '0') await freshStack();
  const ctx = openBenchContext();
  const failed: string[] = [];
  try {
    console.log(
      `bench: bringing up the bench stack in ${path.relative(REPO_ROOT, ctx.dir)} (ports +${ctx.env.STACK_PORT_OFFSET})`,
    );
    setHandlerOverrides(ctx, HANDLER_BENCH_ENV);
    await up(ctx);
    const childEnv = { ...benchEnv(), ...stackEnv(ctx), NODE_OPTIONS: '' };
    for (const name of wanted) {
      const t = Date.now();
      console.log(`\n== ${name} ==`);
      const code = await runScript(SCENARIOS[name]!, childEnv);
      console.log(
        `== ${name}: ${code === 0 ? 'done' : `FAILED (exit ${code})`} in ${((Date.now() - t) / 1000).toFixed(0)} s ==`,
      );
      if (code !== 0) failed.push(name);
    }
  } finally {
    if (process.env.BENCH_KEEP_STACK === '1')
      console.log('\nbench: leaving the stack up (BENCH_KEEP_STACK=1)');
    else {
      console.log('\nbench: bringing the bench stack down');
      // The scenarios restart parts from their own processes: read the pids they saved.
      const last = openBenchContext();
      await stopLeftoverBaseline(last);
      await down(last);
    }
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
