import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PartName } from '@hookpipe/stack';
import { getTestEnv, type TestEnv } from '../env.js';
import {
  pollUntil,
  postWebhook,
  secretsTable,
  signedRequest,
  startCollector,
  unique,
  waitReady,
  waitUntilKnown,
} from './support.js';

let env: TestEnv;
let secrets: ReturnType<typeof secretsTable>;
let collector: Awaited<ReturnType<typeof startCollector>>;
let secret: string;
const stopped = new Set<PartName>();

beforeAll(async () => {
  env = await getTestEnv();
  await waitReady(env.handlerUrls);
  secrets = secretsTable(env.databaseUrl);
  secret = (await secrets.add(unique('cust-replica'))).secret;
  await waitUntilKnown(env.handlerUrls, secret);
  collector = await startCollector(env.kafkaBrokers);
});

afterAll(async () => {
  for (const part of stopped) await env.startPart(part);
  await waitReady(env.handlerUrls);
  await collector?.stop();
  await secrets?.end();
});

/**
 * Streams signed events through nginx (6 at a time), stops `part` once `stopAfter` of them were
 * answered, and goes on until `after` more were answered once the stop completed: a graceful stop
 * (drain, flush, producer close) takes as long as it takes, and the stream must outlast it.
 * Returns what each request got.
 */
async function streamAndStop(part: PartName, signal: NodeJS.Signals, stopAfter = 100, after = 100) {
  const results: {
    req: ReturnType<typeof signedRequest>;
    answer: Awaited<ReturnType<typeof postWebhook>>;
  }[] = [];
  let stoppedDone = false;
  let answeredAfterStop = 0;
  let stopping: Promise<void> | undefined;
  const cap = 20_000; // a stop that never completes fails below, it does not stream for ever
  let sent = 0;
  const worker = async () => {
    while (!(stoppedDone && answeredAfterStop >= after) && sent < cap) {
      sent += 1;
      const req = signedRequest(secret);
      const answer = await postWebhook(env.ingressUrl, req);
      results.push({ req, answer });
      if (stoppedDone) answeredAfterStop += 1;
      if (results.length === stopAfter) {
        stopped.add(part);
        stopping = env.stopPart(part, { signal }).then(() => {
          stoppedDone = true;
        });
      }
    }
  };
  await Promise.all(Array.from({ length: 6 }, worker));
  await stopping;
  // The stream went on after the replica was gone, so the routing around it was exercised.
  expect(answeredAfterStop).toBeGreaterThanOrEqual(after);
  return results;
}

const RETRY_LATER = ['kafka_unavailable', 'kafka_timeout', 'overloaded', 'shutting_down'];

/**
 * What a sender would do with the answers: a 202 is done; a 503 with Retry-After (a replica whose
 * producer is reconnecting, say) is sent again, same webhook-id, until accepted. Anything else is
 * a failure of the tier. Returns the statuses of the first answers.
 */
async function settle(results: Awaited<ReturnType<typeof streamAndStop>>): Promise<number[]> {
  for (const { req, answer } of results) {
    if (answer.status === 202) continue;
    expect(answer.status, `${req.id}: ${JSON.stringify(answer.json)}`).toBe(503);
    expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(RETRY_LATER).toContain(answer.json.error);
    await pollUntil(async () => (await postWebhook(env.ingressUrl, req)).status === 202, {
      timeoutMs: 30_000,
      what: `${req.id} to be accepted on a retry`,
    });
  }
  return results.map((r) => r.answer.status);
}

async function expectEveryAcceptedRecorded(results: { req: { id: string } }[]) {
  await collector.caughtUp();
  for (const { req } of results) {
    // A 2xx only after Kafka acknowledged: each id (all accepted by now) is there. A retry by
    // nginx after a crash may add a duplicate record, which the consumer dedupes on webhook-id.
    expect(collector.records(req.id).length, req.id).toBeGreaterThanOrEqual(1);
  }
}

describe('one replica stopped mid-stream', () => {
  it('crash (SIGKILL): nginx routes around it and every 2xx has its record', async () => {
    const results = await streamAndStop('handler-2', 'SIGKILL');
    const first = await settle(results);
    // The crashed replica itself costs nothing: nginx moves its requests to another one.
    expect(first.filter((s) => s !== 202).length, `first answers: ${first.join(',')}`).toBeLessThan(
      results.length / 10,
    );
    await expectEveryAcceptedRecorded(results);
    await env.startPart('handler-2');
    stopped.delete('handler-2');
  });

  it('graceful stop (SIGTERM): in-flight requests finish, the rest go elsewhere, each recorded once', async () => {
    await waitReady(env.handlerUrls);
    const results = await streamAndStop('handler-3', 'SIGTERM');
    const first = await settle(results);
    expect(first.filter((s) => s !== 202).length, `first answers: ${first.join(',')}`).toBeLessThan(
      results.length / 10,
    );
    await expectEveryAcceptedRecorded(results);
    // A drain loses nothing and sends nothing twice: an event accepted at once is one record.
    for (const { req, answer } of results) {
      if (answer.status === 202) expect(collector.records(req.id), req.id).toHaveLength(1);
    }
    await env.startPart('handler-3');
    stopped.delete('handler-3');
  });
});
