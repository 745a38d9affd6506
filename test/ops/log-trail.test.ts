/**
 * One event followed through the logs by its webhook-id: nginx's JSON access log, the log of the
 * handler replica that took it and the consumer's log, all with the request id nginx gave it.
 * Reads the local stack's `$STACK_DIR/logs` (the stack runs the services with LOG_EVENTS=on).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateSecret, signatureHeaders } from '@hookpipe/lib';
import { getTestEnv, openLocalStack, testEnvKind, type TestEnv } from '../env.js';
import { installReceiverSecret, waitReady, waitUntilKnown } from '../support/http.js';
import { pollUntil, unique } from '../support/poll.js';

type Line = Record<string, unknown>;

/** The JSON lines of a log file (plain lines are skipped). */
function jsonLines(file: string): Line[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => {
      try {
        return JSON.parse(l) as Line;
      } catch {
        return {};
      }
    });
}

// The containers environment runs nginx in a container: its access log is not in a stack dir.
describe.runIf(testEnvKind() === 'local')('one event, followed by its webhook-id through the logs', () => {
  let env: TestEnv;
  let logs: string;
  const customer = unique('cust-trail');
  const secret = generateSecret();

  beforeAll(async () => {
    env = await getTestEnv();
    logs = openLocalStack().logsDir;
    await waitReady([env.consumerUrl, ...env.handlerUrls]);
    await installReceiverSecret(env, customer, secret);
    await waitUntilKnown(env.handlerUrls, secret);
  });

  it('shows in nginx access log, one handler log and the consumer log with the same request id', async () => {
    const webhookId = unique('msg_trail');
    // Failed once on purpose: the consumer logs a retry, then the persist, both with the ids.
    const body = JSON.stringify({
      type: 'order.created',
      timestamp: new Date().toISOString(),
      data: { simulate: { fail: 1 } },
    });
    const res = await fetch(`${env.ingressUrl}/webhook`, {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/json',
        ...signatureHeaders({
          id: webhookId,
          timestamp: Math.floor(Date.now() / 1000),
          body,
          secrets: secret,
        }),
      },
    });
    expect(res.status, await res.text()).toBe(202);
    const requestId = res.headers.get('x-request-id');
    expect(requestId).toMatch(/^[0-9a-f]{32}$/); // nginx's own $request_id

    const access = await pollUntil(
      () =>
        jsonLines(path.join(logs, 'nginx-access.log')).find(
          (l) => l.webhook_id === webhookId && l.uri === '/webhook',
        ),
      { timeoutMs: 10_000, what: 'the webhook-id in nginx-access.log' },
    );
    expect(access).toMatchObject({ request_id: requestId, status: 202 });

    const handlerFiles = readdirSync(logs).filter((f) => /^handler-\d+\.log$/.test(f));
    const accepted = await pollUntil(
      () =>
        handlerFiles
          .flatMap((f) => jsonLines(path.join(logs, f)).map((l) => ({ file: f, l })))
          .filter(({ l }) => l.webhookId === webhookId),
      { timeoutMs: 10_000, what: 'the webhook-id in a handler log' },
    );
    expect(accepted).toHaveLength(1);
    expect(accepted[0]!.l).toMatchObject({
      service: 'handler',
      level: 'info',
      msg: 'event accepted',
      requestId,
      customerId: customer,
    });
    // nginx's upstream is the replica that logged it.
    const replica = accepted[0]!.file.replace('.log', '');
    expect(accepted[0]!.l.handlerId).toBe(replica);

    const consumer = await pollUntil(
      () => {
        const lines = jsonLines(path.join(logs, 'consumer.log')).filter((l) => l.webhookId === webhookId);
        return lines.some((l) => l.msg === 'event persisted') ? lines : null;
      },
      { timeoutMs: 30_000, what: 'the webhook-id persisted in consumer.log' },
    );
    expect(consumer.map((l) => l.msg)).toEqual(['event requeued for retry', 'event persisted']);
    for (const l of consumer) expect(l).toMatchObject({ service: 'consumer', requestId, level: 'info' });
    expect(consumer[1]).toMatchObject({
      customerId: customer,
      retryCount: 1,
      topic: 'webhooks.events.retry',
    });
  });
});
