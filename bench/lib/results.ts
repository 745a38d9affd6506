import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '@hookpipe/stack';

/** Where results go: bench/results, or BENCH_RESULTS_DIR (the smoke run writes elsewhere). */
export const resultsDir = (): string =>
  path.resolve(REPO_ROOT, process.env.BENCH_RESULTS_DIR ?? 'bench/results');

/** Writes `<name>` into the results directory; returns its path relative to the repository. */
export function writeResult(name: string, content: unknown): string {
  const file = path.join(resultsDir(), name);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, typeof content === 'string' ? content : `${JSON.stringify(content, null, 2)}\n`);
  return path.relative(REPO_ROOT, file);
}

/** A positive number from the environment, else the default. */
export function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got "${raw}"`);
  return n;
}

/** A comma-separated list of positive numbers from the environment, else the default. */
export function envList(name: string, fallback: number[]): number[] {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const list = raw.split(',').map((s) => Number(s.trim()));
  if (list.some((n) => !Number.isFinite(n) || n <= 0)) throw new Error(`${name} must list positive numbers`);
  return list;
}

export const ratio = (a: number, b: number): number => (b > 0 ? Math.round((a / b) * 1000) / 1000 : 0);
