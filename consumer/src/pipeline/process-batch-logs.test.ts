import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { makeLogger } from '@hookpipe/lib';
import { makeRecord } from '../testing/records.js';
import { makeFailureInjector } from './failure-injection.js';
import { processBatch, type BatchDeps } from './process-batch.js';

/** A consumer logger at `level` whose JSON lines are collected. */
function capture(level: 'info' | 'debug') {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: makeLogger('consumer', { level, destination }) };
}

function deps(logger: BatchDeps['logger'], logEvents: boolean): BatchDeps {
  const stored = new Set<string>();
  return {
    store: {
      insertEvents: (rows) => {
        const fresh = rows.filter((r) => !stored.has(r.event.webhookId));
        for (const r of fresh) stored.add(r.event.webhookId);
        return Promise.resolve(fresh.length);
      },
      recordedFailures: () => Promise.resolve(new Set<string>()),
      recordFailures: () => Promise.resolve(),
    },
    publish: () => Promise.resolve(),
    injectFailure: makeFailureInjector({ enabled: true, failRate: 0 }),
    policy: { maxRetries: 0, baseMs: 1000, capMs: 1000 },
    consumerGroup: 'g',
    insertBatchSize: 100,
    clock: () => 1_735_689_600_000,
    logger,
    logEvents,
  };
}

const records = [
  makeRecord({ offset: '1', webhookId: 'msg_ok', headers: { 'request-id': 'req-ok' } }),
  makeRecord({
    offset: '2',
    webhookId: 'msg_dead',
    headers: { 'request-id': 'req-dead' },
    body: { type: 'a', timestamp: 't', data: { simulate: { fail: 'always' } } },
  }),
  makeRecord({
    offset: '3',
    webhookId: 'msg_poison',
    headers: { 'request-id': 'req-poison' },
    rawBody: null,
  }),
];

describe('per-event log lines', () => {
  it('carry webhookId and requestId on persists, dead letters and poison; persists at info with LOG_EVENTS', async () => {
    const { lines, logger } = capture('info');
    await processBatch(records, deps(logger, true));
    const byId = (id: string) => lines.find((l) => l.webhookId === id);
    expect(byId('msg_ok')).toMatchObject({
      level: 'info',
      msg: 'event persisted',
      requestId: 'req-ok',
      customerId: 'cust-1',
      topic: 'webhooks.events',
      offset: '1',
    });
    expect(byId('msg_dead')).toMatchObject({ msg: 'event dead-lettered', requestId: 'req-dead' });
    // A poison record never decoded into an event: its request id comes from the header.
    expect(lines.find((l) => l.offset === '3')).toMatchObject({
      msg: 'event dead-lettered',
      requestId: 'req-poison',
      errorClass: 'InvalidPayload',
    });
  });

  it('logs persists at debug without LOG_EVENTS, so an info logger writes none of them', async () => {
    const info = capture('info');
    await processBatch(records, deps(info.logger, false));
    expect(info.lines.filter((l) => l.msg === 'event persisted')).toEqual([]);
    expect(info.lines.filter((l) => l.msg === 'event dead-lettered')).toHaveLength(2);

    const debug = capture('debug');
    await processBatch(records, deps(debug.logger, false));
    expect(debug.lines.find((l) => l.msg === 'event persisted')).toMatchObject({
      level: 'debug',
      webhookId: 'msg_ok',
      requestId: 'req-ok',
    });
  });
});
