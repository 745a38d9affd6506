import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { getTestEnv, type TestEnv } from '../env.js';
import { cliEnv, readReport, runCli, scenarioPath, tempDir } from './support.js';

let env: TestEnv;
beforeAll(async () => {
  env = await getTestEnv();
});

/** Runs a shipped scenario at a fifth of its length; asserts exit 0, the report and the JUnit file. */
async function runShipped(name: string) {
  const dir = tempDir(name);
  const report = path.join(dir, 'report.json');
  const junit = path.join(dir, 'junit.xml');
  const args = ['run', scenarioPath(name), '--time-scale', '0.2', '--report', report, '--junit', junit];
  const run = await runCli(args, cliEnv(env));
  const summary = `exit ${run.code}\n${run.stdout}\n${run.stderr}`;
  expect(run.code, summary).toBe(0);
  const r = readReport(report);
  expect(r.outcome, summary).toBe('passed');
  expect(
    r.verdict.filter((l) => !l.pass),
    summary,
  ).toEqual([]);
  expect(run.stdout).toContain(`PASSED: ${r.verdict.length} of ${r.verdict.length} expectations hold`);
  const xml = readFileSync(junit, 'utf8');
  expect(xml.match(/<testcase /g)).toHaveLength(r.verdict.length);
  expect(xml).toContain('failures="0"');
  return r;
}

describe('the shipped scenarios against the local stack', () => {
  it('steady-load: ramp then steady, every event once at the first attempt', async () => {
    const r = await runShipped('steady-load');
    expect(r.phases.map((p) => [p.name, p.steps])).toEqual([
      ['ramp-up', 3],
      ['steady', 1],
    ]);
    expect(r.webhooks).toHaveLength(2);
    expect(r.measurements.emitted).toBeGreaterThan(100);
    expect(r.measurements.reconcile).toMatchObject({ missing: 0, duplicated: 0, unexpected: 0 });
  });

  it('retry-storm: injected 503s are retried as told and every 5xx was injected', async () => {
    const r = await runShipped('retry-storm');
    expect(r.measurements.answers!.injected5xx).toBeGreaterThan(0);
    expect(r.measurements.answers!.outsideInjected5xx).toBe(0);
    expect(r.measurements.attempts.maxPerMessage).toBe(3);
  });

  it('dead-letters-and-replay: dead letters appear, are replayed and end stored', async () => {
    const r = await runShipped('dead-letters-and-replay');
    expect(r.measurements.replayed).toBeGreaterThan(0);
    expect(r.measurements.deadLettersOpen).toBe(0);
    expect(r.phases[1]).toMatchObject({ name: 'replay', action: 'replay_dead_letters', settled: true });
  });

  it('slow-receiver: delayed answers show in the latency, nothing is retried', async () => {
    const r = await runShipped('slow-receiver');
    expect(r.measurements.latencyMs.max).toBeGreaterThanOrEqual(2000);
    expect(r.measurements.attempts.maxPerMessage).toBe(1);
  });

  it('bad-signatures: every fault is refused with its 4xx, every good event delivered', async () => {
    const r = await runShipped('bad-signatures');
    expect(r.measurements.faults.sent).toBeGreaterThan(0);
    expect(r.measurements.faults.byKind.bad_signature).toEqual({ '401': expect.any(Number) });
  });
});
