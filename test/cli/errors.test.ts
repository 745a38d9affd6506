import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { getTestEnv, type TestEnv } from '../env.js';
import { apiClient } from '../support/http.js';
import { pollUntil } from '../support/poll.js';
import { cliEnv, readReport, runCli, scenarioPath, startCli, tempDir } from './support.js';

let env: TestEnv;
beforeAll(async () => {
  env = await getTestEnv();
});

describe('hookpipe run, when things go wrong', () => {
  it('exits 2 on an invalid scenario, naming the line, the field and the reason', async () => {
    const file = path.join(tempDir('invalid'), 'broken.yaml');
    writeFileSync(
      file,
      'target: stack\nwebhooks:\n  - name: shop\nphases:\n  - name: one\n    rate: -3\n    duration: 10s\nexpect:\n  exactly_once: true\n',
    );
    const run = await runCli(['run', file], cliEnv(env));
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${file}:6:11: phases[0].rate: must be > 0`);
    expect(run.stderr).toContain('nothing was started');
  });

  it('exits 3 when the sender does not answer', async () => {
    const run = await runCli(['run', scenarioPath('steady-load')], {
      ...cliEnv(env),
      SENDER_URL: 'http://127.0.0.1:9',
    });
    expect(run.code, run.stderr).toBe(3);
    expect(run.stderr).toMatch(/the sender at http:\/\/127\.0\.0\.1:9 did not answer/);
  });

  it('on Ctrl-C stops its emitters, prints what was measured and exits 130', async () => {
    const report = path.join(tempDir('sigint'), 'report.json');
    const run = startCli(['run', scenarioPath('steady-load'), '--report', report], cliEnv(env));
    // A progress line of the first phase with something sent: the run is under way.
    await pollUntil(() => /\] ramp-up[^\n]*sent [1-9]/.test(run.stderr()), {
      timeoutMs: 30_000,
      what: `progress from the run:\n${run.stderr()}`,
    });
    run.child.kill('SIGINT');
    expect(await run.exit, run.stderr()).toBe(130);
    expect(run.stdout()).toContain('interrupted after');
    expect(run.stdout()).toContain('every event delivered (2xx) within');
    const r = readReport(report);
    expect(r.outcome).toBe('interrupted');
    expect(r.measurements.emitted).toBeGreaterThan(0);
    const sender = apiClient(env.senderUrl, env.senderApiKey);
    for (const w of r.webhooks) {
      const running = await sender.get(`/emitters?status=running&webhook_id=${w.webhook_id}`);
      expect(running.json.data).toEqual([]);
    }
  });
});
