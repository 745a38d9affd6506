import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getTestEnv, type TestEnv } from '../env.js';
import {
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
const restore: (() => Promise<void>)[] = [];

beforeAll(async () => {
  env = await getTestEnv();
  await waitReady(env.handlerUrls);
  secrets = secretsTable(env.databaseUrl);
});

afterAll(async () => {
  for (const undo of restore.reverse()) await undo();
  await waitReady(env.handlerUrls);
  await secrets?.end();
});

describe('rate limits', () => {
  it('per customer on a replica: 429 + Retry-After + JSON past the burst, other customers unaffected', async () => {
    const url = env.handlerUrls[2]!;
    await env.stopPart('handler-3');
    restore.push(async () => {
      await env.stopPart('handler-3');
      await env.startPart('handler-3');
    });
    // One replica serving a 0.5/s, burst-3 tier: after three events the bucket is empty.
    await env.startPart('handler-3', {
      env: { HANDLER_CUSTOMER_RATE: '0.5', HANDLER_CUSTOMER_BURST: '3', HANDLER_REPLICAS: '1' },
    });
    await waitReady([url]);
    const busy = await secrets.add(unique('cust-busy'));
    const quiet = await secrets.add(unique('cust-quiet'));
    await waitUntilKnown([url], busy.secret);
    await waitUntilKnown([url], quiet.secret);

    const sent = Array.from({ length: 5 }, () => signedRequest(busy.secret));
    const answers = [];
    for (const req of sent) answers.push(await postWebhook(url, req));
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202, 429, 429]);
    for (const limited of answers.slice(3)) {
      expect(limited.json.error).toBe('rate_limited');
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }
    expect((await postWebhook(url, signedRequest(quiet.secret))).status).toBe(202);

    const collector = await startCollector(env.kafkaBrokers);
    try {
      await collector.caughtUp();
      expect(sent.map((r) => collector.records(r.id).length)).toEqual([1, 1, 1, 0, 0]);
    } finally {
      await collector.stop();
    }
  });

  it('at the edge: nginx answers 429 + Retry-After + JSON past its total limit', async () => {
    const key = await secrets.add(unique('cust-edge'));
    await waitUntilKnown(env.handlerUrls, key.secret);
    // The launcher renders the template with HOOKPIPE_* from the environment over defaults.env.
    const saved = { rate: process.env.HOOKPIPE_RATE_TOTAL, burst: process.env.HOOKPIPE_BURST_TOTAL };
    await env.stopPart('nginx');
    process.env.HOOKPIPE_RATE_TOTAL = '1r/m';
    process.env.HOOKPIPE_BURST_TOTAL = '2';
    restore.push(async () => {
      if (saved.rate === undefined) delete process.env.HOOKPIPE_RATE_TOTAL;
      else process.env.HOOKPIPE_RATE_TOTAL = saved.rate;
      if (saved.burst === undefined) delete process.env.HOOKPIPE_BURST_TOTAL;
      else process.env.HOOKPIPE_BURST_TOTAL = saved.burst;
      await env.stopPart('nginx');
      await env.startPart('nginx');
    });
    await env.startPart('nginx');

    const sent = Array.from({ length: 5 }, () => signedRequest(key.secret));
    const answers = [];
    for (const req of sent) answers.push(await postWebhook(env.ingressUrl, req));
    // 1 request/minute with a burst of 2: three pass, the rest are refused at the edge.
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202, 429, 429]);
    for (const limited of answers.slice(3)) {
      expect(limited.json).toEqual({
        error: 'rate_limited',
        message: 'the ingress rate limit is exceeded; retry later',
      });
      expect(limited.headers.get('retry-after')).toBe('1');
    }
  });
});
