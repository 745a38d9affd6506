/**
 * Runs the Python tools of the fuzz test: schemathesis (`st run`) against an API's OpenAPI
 * document, and openapi-spec-validator on the document. Both come from the virtual environment
 * that scripts/ensure-test-packages.sh installs (`make test-integration` runs it); nothing is
 * installed here.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '@hookpipe/stack';

const PY_ENV = path.resolve(REPO_ROOT, process.env.FUZZ_PYTHON ?? '.cache/python');
/** Where the runs keep their state (schemathesis' and Hypothesis' caches): gitignored, new each run. */
export const FUZZ_DIR = path.join(REPO_ROOT, '.cache', 'fuzz');

/** Fixed, so that a run is reproducible (as far as a time budget allows). */
export const SEED = 20_251_207;

const tool = (name: string) => path.join(PY_ENV, 'bin', name);

/** Throws naming the script to run when the tools are not installed. */
export function requireTools(): void {
  for (const name of ['st', 'openapi-spec-validator']) {
    if (!existsSync(tool(name))) {
      throw new Error(
        `${tool(name)} is missing: run scripts/ensure-test-packages.sh (make test-integration does)`,
      );
    }
  }
}

/** A clean working folder for this run's tools. */
export function freshFuzzDir(): void {
  rmSync(FUZZ_DIR, { recursive: true, force: true });
  mkdirSync(FUZZ_DIR, { recursive: true });
}

interface Run {
  code: number | null;
  output: string;
}

function run(command: string, args: readonly string[], timeoutMs: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: FUZZ_DIR,
      env: { ...process.env, NO_COLOR: '1', COLUMNS: '120' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (output += d.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** Validates the document at `url` as OpenAPI 3.1; the validator's report when it is not one. */
export async function validateDocument(url: string, name: string): Promise<string | null> {
  const res = await fetch(`${url}/openapi.json`);
  const file = path.join(FUZZ_DIR, `${name}.openapi.json`);
  writeFileSync(file, await res.text());
  const result = await run(tool('openapi-spec-validator'), [file], 60_000);
  return result.code === 0 ? null : result.output;
}

export interface FuzzOptions {
  baseUrl: string;
  apiKey: string;
  /** Seconds for the whole run (every phase). */
  maxTimeS: number;
  /** Filters and check exclusions: only for the documented exception. */
  extra?: readonly string[];
  /** Warnings the run may give (their titles); any other fails it. */
  expectedWarnings?: readonly string[];
  /** A schemathesis.toml for this run (test data for parameters: see seededData in openapi.test.ts). */
  config?: string;
}

let runs = 0;

/** The titles of the warnings a run printed. */
function warningsOf(output: string): string[] {
  const block = /={3,} WARNINGS ={3,}\n([\s\S]*?)\n={3,} SUMMARY/.exec(output)?.[1] ?? '';
  return [...block.matchAll(/^(\S[^:\n]*):/gm)].map((m) => m[1]!.trim());
}

/**
 * Runs schemathesis with every check and every phase against the document at `baseUrl`.
 * Returns null when it found nothing (no failure, no error, no unexpected warning), else its
 * own report.
 */
export async function fuzz(options: FuzzOptions): Promise<string | null> {
  const args = [
    'run',
    `${options.baseUrl}/openapi.json`,
    '--header',
    `X-API-Key: ${options.apiKey}`,
    '--checks',
    'all',
    '--phases',
    'examples,coverage,fuzzing,stateful',
    '--max-time',
    String(options.maxTimeS),
    '--seed',
    String(SEED),
    // No example database: a run does not replay what an earlier one found.
    '--generation-database',
    'none',
    '--request-timeout',
    '10',
    '--no-color',
    ...(options.extra ?? []),
  ];
  if (options.config !== undefined) {
    const file = path.join(FUZZ_DIR, `schemathesis-${++runs}.toml`);
    writeFileSync(file, options.config);
    // A global option: before `run`.
    args.unshift('--config-file', file);
  }
  const result = await run(tool('st'), args, (options.maxTimeS + 120) * 1000);
  const unexpected = warningsOf(result.output).filter((w) => !options.expectedWarnings?.includes(w));
  if (result.code === 0 && unexpected.length === 0) return null;
  const why =
    result.code === 0 ? `unexpected warnings: ${unexpected.join('; ')}` : `st exited with ${result.code}`;
  return `${why}\n${result.output}`;
}
