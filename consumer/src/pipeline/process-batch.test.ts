import { describe, expect, it } from 'vitest';
import { HEADERS, TOPICS, headerString, silentLogger } from '@hookpipe/lib';
import type { DeadLetterRow, EventRow, FailureRow } from '../store/pipeline-store.js';
import { makeRecord } from '../testing/records.js';
import { makeFailureInjector } from './failure-injection.js';
import type { OutgoingRecord } from './failures.js';
import { processBatch, type BatchDeps } from './process-batch.js';

const transient = () =>
  Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
const NOW = 1_735_689_600_000;

/** An in-memory stand-in for the database and the broker, with switchable faults. */
function harness(
  faults: { insert?: (rows: readonly EventRow[]) => Error | null; publish?: Error; record?: Error } = {},
) {
  const events = new Map<string, EventRow>();
  const failures: FailureRow[] = [];
  const deadLetters: DeadLetterRow[] = [];
  const published: OutgoingRecord[] = [];
  const deps: BatchDeps = {
    store: {
      insertEvents: (rows) => {
        const err = faults.insert?.(rows);
        if (err) return Promise.reject(err);
        let n = 0;
        for (const r of rows) {
          if (!events.has(r.event.webhookId)) {
            events.set(r.event.webhookId, r);
            n += 1;
          }
        }
        return Promise.resolve(n);
      },
      recordedFailures: (topic, partition, offsets) =>
        Promise.resolve(
          new Set(
            failures
              .filter((f) => f.topic === topic && f.partition === partition && offsets.includes(f.offset))
              .map((f) => f.offset),
          ),
        ),
      recordFailures: (f, d) => {
        if (faults.record) return Promise.reject(faults.record);
        failures.push(...f);
        deadLetters.push(...d);
        return Promise.resolve();
      },
    },
    publish: (records) => {
      if (faults.publish) return Promise.reject(faults.publish);
      published.push(...records);
      return Promise.resolve();
    },
    injectFailure: makeFailureInjector({ enabled: true, failRate: 0 }),
    policy: { maxRetries: 3, baseMs: 1000, capMs: 60_000 },
    consumerGroup: 'g',
    insertBatchSize: 100,
    clock: () => NOW,
    logger: silentLogger(),
  };
  return { deps, events, failures, deadLetters, published };
}

const failing = (offset: string, fail: number | 'always', retryCount = 0) =>
  makeRecord({
    offset,
    retryCount,
    body: { type: 'a', timestamp: 't', data: { simulate: { fail } } },
  });

describe('processBatch', () => {
  it('persists good events, requeues a failure, dead-letters poison, and resolves the whole batch', async () => {
    const h = harness();
    const out = await processBatch(
      [
        makeRecord({ offset: '0' }),
        failing('1', 2),
        makeRecord({ offset: '2', rawBody: Buffer.from('nope') }),
      ],
      h.deps,
    );
    expect(out.lastDone).toBe('2');
    expect(out.hold).toBeNull();
    expect(out.counts).toEqual({ persisted: 1, duplicates: 0, retried: 1, deadLettered: 1, poison: 1 });
    expect([...h.events.keys()]).toEqual(['msg_0']);

    const [retry, dlq] = h.published;
    expect(retry?.topic).toBe(TOPICS.retry);
    expect(headerString(retry?.headers, HEADERS.retryCount)).toBe('1');
    expect(headerString(retry?.headers, HEADERS.notBefore)).toBe(String(NOW + 1000));
    expect(retry?.key?.toString()).toBe('cust-1');
    expect(dlq?.topic).toBe(TOPICS.dlq);
    expect(dlq?.value?.toString()).toBe('nope');
    expect(headerString(dlq?.headers, HEADERS.errorClass)).toBe('InvalidJson');
    expect(h.failures.map((f) => [f.offset, f.outcome])).toEqual([
      ['1', 'retry'],
      ['2', 'dead_letter'],
    ]);
    expect(h.deadLetters).toHaveLength(1);
    expect(h.deadLetters[0]).toMatchObject({ webhookId: 'msg_2', errorClass: 'InvalidJson', offset: '2' });
  });

  it('dead-letters a failure whose retries are spent', async () => {
    const h = harness();
    const out = await processBatch([failing('5', 'always', 3)], h.deps);
    expect(out.counts.deadLettered).toBe(1);
    expect(h.published[0]?.topic).toBe(TOPICS.dlq);
    expect(headerString(h.published[0]?.headers, HEADERS.retryCount)).toBe('3');
    expect(h.deadLetters[0]?.retryCount).toBe(3);
  });

  it('counts a redelivered event as a duplicate, not a new row', async () => {
    const h = harness();
    await processBatch([makeRecord({ offset: '0', webhookId: 'same' })], h.deps);
    const out = await processBatch([makeRecord({ offset: '1', webhookId: 'same' })], h.deps);
    expect(out.counts).toMatchObject({ persisted: 0, duplicates: 1 });
    expect(out.lastDone).toBe('1');
    expect(h.events.size).toBe(1);
  });

  it('holds at the first record when the database is down: nothing resolved, published or dead-lettered', async () => {
    const h = harness({ insert: () => transient() });
    const out = await processBatch([failing('10', 'always'), makeRecord({ offset: '11' })], h.deps);
    expect(out.lastDone).toBeNull();
    expect(out.hold).toMatchObject({ reason: 'db_unavailable', offset: '10' });
    expect(h.published).toHaveLength(0);
    expect(h.failures).toHaveLength(0);
  });

  it('stores the rest and dead-letters only the row the database rejects', async () => {
    const bad = Object.assign(new Error('value too long'), { code: '22001' });
    const h = harness({ insert: (rows) => (rows.some((r) => r.event.webhookId === 'msg_21') ? bad : null) });
    const out = await processBatch(
      [makeRecord({ offset: '20' }), makeRecord({ offset: '21' }), makeRecord({ offset: '22' })],
      h.deps,
    );
    expect(out.lastDone).toBe('22');
    expect([...h.events.keys()].sort()).toEqual(['msg_20', 'msg_22']);
    expect(h.deadLetters.map((d) => [d.webhookId, d.errorClass])).toEqual([['msg_21', 'UnstorableEvent']]);
  });

  it('processes the due prefix of a retry batch and holds at the first record not due', async () => {
    const h = harness();
    const later = NOW + 5000;
    const out = await processBatch(
      [
        makeRecord({ offset: '0', topic: TOPICS.retry, headers: { [HEADERS.notBefore]: String(NOW - 1) } }),
        makeRecord({ offset: '1', topic: TOPICS.retry, headers: { [HEADERS.notBefore]: String(later) } }),
        makeRecord({ offset: '2', topic: TOPICS.retry }),
      ],
      h.deps,
    );
    expect(out.lastDone).toBe('0');
    expect(out.hold).toEqual({ reason: 'not_due', offset: '1', until: later });
    expect([...h.events.keys()]).toEqual(['msg_0']);
  });

  it('holds at the first failure when Kafka does not take the requeue, keeping the good prefix', async () => {
    const h = harness({ publish: new Error('broker down') });
    const out = await processBatch(
      [makeRecord({ offset: '0' }), failing('1', 1), makeRecord({ offset: '2' })],
      h.deps,
    );
    expect(out.lastDone).toBe('0');
    expect(out.hold).toMatchObject({ reason: 'kafka_unavailable', offset: '1' });
    expect(h.events.size).toBe(2);
    expect(h.failures).toHaveLength(0);
  });

  it('does not publish a failure again when a redo finds it already recorded', async () => {
    const h = harness();
    await processBatch([failing('3', 1)], h.deps);
    expect(h.published).toHaveLength(1);
    const again = await processBatch([failing('3', 1)], h.deps);
    expect(h.published).toHaveLength(1);
    expect(again).toMatchObject({ lastDone: '3', hold: null });
  });

  it('holds when recording the failure fails after the publish', async () => {
    const h = harness({ record: transient() });
    const out = await processBatch([failing('4', 1)], h.deps);
    expect(out).toMatchObject({ lastDone: null, hold: { reason: 'db_unavailable', offset: '4' } });
  });
});
