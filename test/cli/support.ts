/**
 * Running the built `hookpipe` CLI against the test stack: the stack's URLs and keys go to the
 * child through the environment, as they would from a CI job's.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '@hookpipe/stack';
import type { RunReport } from 'hookpipe';
import type { TestEnv } from '../env.js';

export const BIN = path.join(REPO_ROOT, 'cli', 'dist', 'bin.js');
export const scenarioPath = (name: string) => path.join(REPO_ROOT, 'scenarios', `${name}.yaml`);

export function cliEnv(env: TestEnv): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NO_COLOR: '1',
    SENDER_URL: env.senderUrl,
    SENDER_API_KEY: env.senderApiKey,
    INGRESS_URL: env.ingressUrl,
    CONSUMER_URL: env.consumerUrl,
    RECEIVER_API_KEY: env.receiverApiKey,
    HANDLER_URLS: env.handlerUrls.join(' '),
    DATABASE_URL: env.databaseUrl,
    SENDER_DATABASE_URL: env.senderDatabaseUrl,
  };
}

export interface CliRun {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exit: Promise<number>;
}

export function startCli(args: string[], env: NodeJS.ProcessEnv): CliRun {
  const child = spawn(process.execPath, [BIN, ...args], {
    env,
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number>((resolve) =>
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : 1))),
  );
  return { child, stdout: () => out, stderr: () => err, exit };
}

export async function runCli(args: string[], env: NodeJS.ProcessEnv) {
  const run = startCli(args, env);
  const code = await run.exit;
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}

export function tempDir(label: string): string {
  return mkdtempSync(path.join(os.tmpdir(), `hookpipe-${label}-`));
}

export const readReport = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as RunReport;
