import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseScenario, runScenario } from 'hookpipe';
import { getTestEnv, type TestEnv } from '../env.js';
import { throwawayReceiver } from '../support/throwaway-receiver.js';

let env: TestEnv;
const receiver = throwawayReceiver();
let port: number;
beforeAll(async () => {
  env = await getTestEnv();
  port = await receiver.listen();
});
afterAll(() => receiver.close());

const endpoints = () => ({ senderUrl: env.senderUrl, senderApiKey: env.senderApiKey });

describe('a scenario against a URL target', () => {
  it('drives the sender to a receiver of its own and judges from what the sender recorded', async () => {
    const scenario = parseScenario(
      `name: throwaway
target:
  url: http://127.0.0.1:${port}/hooks
webhooks:
  - name: hooks
phases:
  - name: burst
    rate: 10
    count: 24
expect:
  delivered: { within: 30s }
  attempts_per_message: { max: 4 }
  success_rate: { min: 0.5 }
  answers: { max_4xx: 0, max_no_answer: 0 }
`,
      { file: 'throwaway.yaml' },
    );
    const report = await runScenario(scenario, {
      endpoints: endpoints(),
      // The sender made the secret: hand it to the receiver before anything is sent.
      onWebhook: (w) => {
        receiver.setSecret(w.secret);
      },
    });
    const summary = JSON.stringify(report.verdict, null, 2);
    expect(report.outcome, summary).toBe('passed');
    expect(report.target).toBe(`http://127.0.0.1:${port}/hooks`);
    expect(report.measurements).toMatchObject({ emitted: 24, delivered: 24, pending: 0, failed: 0 });
    expect(receiver.seen.refused).toBe(0);
    expect(receiver.seen.ids.size).toBe(24);
    // Every 500 the receiver gave (to the first attempt of every third message) is one the sender
    // recorded, and was retried.
    expect(receiver.seen.answered500).toBe(8);
    expect(report.measurements.answers!['5xx']).toBe(receiver.seen.answered500);
    expect(report.measurements.attempts.total).toBe(24 + receiver.seen.answered500);
  });

  it('ends at its deadline with a failed delivery line when the target never answers', async () => {
    const closed = throwawayReceiver();
    const deadPort = await closed.listen();
    await closed.close();
    const scenario = parseScenario(
      `target: { url: "http://127.0.0.1:${deadPort}/hooks" }
webhooks: [{ name: nobody }]
phases: [{ name: knock, rate: 5, count: 3 }]
expect: { delivered: { within: 4s } }
`,
      { file: 'nobody.yaml' },
    );
    const started = Date.now();
    const report = await runScenario(scenario, { endpoints: endpoints() });
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(report.outcome).toBe('failed');
    const [line] = report.verdict;
    expect(line).toMatchObject({ key: 'delivered', measured: '0/3 (3 pending)', pass: false });
    expect(line!.detail).toMatch(/last error .*no answer/);
    expect(report.notes.join('\n')).toContain('webhooks were disabled');
  });
});
