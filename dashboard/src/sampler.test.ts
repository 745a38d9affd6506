import { describe, expect, it } from 'vitest';
import type { HandlerFigures } from './handler-figures.js';
import type { HandlerScrape } from './handler-scrape.js';
import { emptyWindow, type NginxWindow } from './nginx-log.js';
import { makeDashboardSampler, type PartitionOffsets, type SamplerDeps } from './sampler.js';

const figures = (
  id: string,
  accepted: number,
  produce = { seconds: 0, count: 0 },
  injected_faults: Record<string, number> = {},
): HandlerFigures => ({
  handler_id: id,
  requests: { accepted, unauthorized: 1 },
  statuses: { '2xx': accepted, '4xx': 1, '5xx': 0 },
  rate_limited: 0,
  verification_failures: { no_matching_signature: 1 },
  verified: { 'standard-webhooks': accepted },
  injected_faults,
  produce,
  in_flight: 0,
  keyring_secrets: 1,
  producer_ready: true,
});

const part = (topic: string, partition: number, end: number, lag: number | null = 0): PartitionOffsets => ({
  topic,
  partition,
  end,
  committed: lag === null ? null : end - lag,
  lag,
});

/** A steerable world: each field is what the next sample reads. */
function world() {
  const w = {
    now: 1_000_000,
    handlers: [] as HandlerScrape[],
    nginx: emptyWindow() as NginxWindow | Error,
    partitions: [] as PartitionOffsets[] | Error | 'hang',
    counters: { persisted: 0, retried: 0, dead_lettered: 0 } as Record<string, number>,
    samples: 0,
    kafkaReads: 0,
  };
  const deps: SamplerDeps = {
    clock: () => w.now,
    handlers: {
      configured: true,
      scrape: () => {
        w.samples += 1;
        return Promise.resolve(w.handlers);
      },
    },
    nginx: {
      path: '/x',
      read: () => (w.nginx instanceof Error ? Promise.reject(w.nginx) : Promise.resolve(w.nginx)),
    },
    kafka: () => {
      w.kafkaReads += 1;
      const p = w.partitions;
      if (p === 'hang') return new Promise<PartitionOffsets[]>(() => undefined);
      return p instanceof Error ? Promise.reject(p) : Promise.resolve(p);
    },
    counters: () => w.counters,
    dbTotals: () =>
      Promise.resolve({ persisted: 5, retried: 1, dead_lettered: 1, dead_letters_open: 1, replayed: 0 }),
    persistLatency: () => Promise.resolve({ count: 3, p50_ms: 12, max_ms: 40 }),
    timeoutMs: 50,
  };
  return { w, deps };
}

describe('makeDashboardSampler', () => {
  it('turns two samples into rates per stage', async () => {
    const { w, deps } = world();
    const sampler = makeDashboardSampler(deps);
    w.handlers = [
      { target: 'http://h1', up: true, figures: figures('handler-1', 10, { seconds: 1, count: 10 }) },
    ];
    w.partitions = [
      part('webhooks.events', 0, 60),
      part('webhooks.events', 1, 40),
      part('webhooks.events.dlq', 0, 3, null),
    ];
    const first = await sampler.state();
    expect(first.interval_ms).toBeNull();
    expect(first.handlers.replicas[0]!.per_second).toBe(0);

    w.now += 2000;
    w.handlers = [
      { target: 'http://h1', up: true, figures: figures('handler-1', 30, { seconds: 1.5, count: 20 }) },
    ];
    w.partitions = [
      part('webhooks.events', 0, 80, 2),
      part('webhooks.events', 1, 60, 3),
      part('webhooks.events.dlq', 0, 5, null),
    ];
    w.counters = { persisted: 40, retried: 4, dead_lettered: 2 };
    w.nginx = {
      ...emptyWindow(),
      requests: 40,
      statuses: { '2xx': 38, '3xx': 0, '4xx': 1, '5xx': 1 },
      request_time: { seconds: 0.2, count: 40 },
    };
    const s = await sampler.state();

    expect(s.interval_ms).toBe(2000);
    expect(s.window_seconds).toBe(2);
    const r = s.handlers.replicas[0]!;
    expect(r.handler_id).toBe('handler-1');
    expect(r.per_second).toBe(10); // (31 - 11) requests over 2 s
    expect(r.produce_ms).toBe(50); // 0.5 s over 10 sends
    expect(r.series).toEqual([{ t: w.now, rate: 10, ms: 50 }]);
    expect(s.handlers.series).toEqual([{ t: w.now, rate: 10, ms: 50 }]);
    expect(s.nginx.per_second).toMatchObject({ requests: 20, '2xx': 19, '4xx': 0.5, '5xx': 0.5 });
    expect(s.nginx.latency_ms).toBe(5);
    expect(s.nginx.recent.requests).toBe(40);
    const events = s.kafka.topics.find((t) => t.topic === 'webhooks.events')!;
    expect(events).toMatchObject({ end_offset: 140, per_second: 20 });
    expect(s.kafka.topics.find((t) => t.topic === 'webhooks.events.dlq')).toMatchObject({
      end_offset: 5,
      per_second: 1,
    });
    expect(s.kafka.lag.total).toBe(5); // the DLQ has no group: not counted
    expect(s.consumer.per_second).toEqual({ persisted: 20, retried: 2, dead_lettered: 1 });
    expect(s.consumer.latency).toEqual({ p50_ms: 12, max_ms: 40 });
    expect(s.consumer.totals?.persisted).toBe(5);
    expect(s.consumer.series).toEqual([{ t: w.now, rate: 20, ms: 12 }]);
  });

  it('adds up the replicas’ signature schemes and injected faults, leaving out a replica that is down', async () => {
    const { w, deps } = world();
    const sampler = makeDashboardSampler(deps);
    const github = figures('handler-2', 4, undefined, { status: 3, pass: 1 });
    w.handlers = [
      { target: 'http://h1', up: true, figures: figures('handler-1', 10, undefined, { status: 2, drop: 1 }) },
      { target: 'http://h2', up: true, figures: { ...github, verified: { github: 4 } } },
      { target: 'http://h3', up: false, error: 'connect ECONNREFUSED' },
    ];
    const s = await sampler.state();
    expect(s.handlers.verified).toEqual({ 'standard-webhooks': 10, github: 4 });
    expect(s.handlers.injected_faults).toEqual({ status: 5, drop: 1, pass: 1 });
    expect(s.handlers.replicas[1]!.figures?.verified).toEqual({ github: 4 });
  });

  it('takes a restarted replica’s counters as starting from zero', async () => {
    const { w, deps } = world();
    const sampler = makeDashboardSampler(deps);
    w.handlers = [{ target: 'http://h1', up: true, figures: figures('handler-1', 100) }];
    await sampler.state();
    w.now += 2000;
    w.handlers = [{ target: 'http://h1', up: true, figures: figures('handler-1', 5) }];
    expect((await sampler.state()).handlers.replicas[0]!.per_second).toBe(3); // 6 requests since the restart
  });

  it('samples at most once per minIntervalMs, once for concurrent callers', async () => {
    const { w, deps } = world();
    const sampler = makeDashboardSampler({ ...deps, minIntervalMs: 1000 });
    await Promise.all([sampler.state(), sampler.state(), sampler.state()]);
    expect(w.samples).toBe(1);
    w.now += 999;
    await sampler.state();
    expect(w.samples).toBe(1);
    w.now += 1;
    await sampler.state();
    expect(w.samples).toBe(2);
  });

  it('draws no point across a long gap (nobody looked) and keeps a bounded history', async () => {
    const { w, deps } = world();
    const sampler = makeDashboardSampler({ ...deps, historySize: 3 });
    await sampler.state();
    w.now += 60_000;
    w.counters = { persisted: 600 };
    const s = await sampler.state();
    expect(s.consumer.series).toEqual([]);
    expect(s.consumer.per_second.persisted).toBe(0);
    expect(s.window_seconds).toBe(0); // the window starts again after the gap
    for (let i = 0; i < 10; i++) {
      w.now += 1000;
      await sampler.state();
    }
    expect((await sampler.state()).consumer.series).toHaveLength(3);
  });

  it('answers with each part’s error instead of failing: Kafka down or slow, no access log', async () => {
    const { w, deps } = world();
    const sampler = makeDashboardSampler(deps);
    w.partitions = new Error('connect ECONNREFUSED 127.0.0.1:9092');
    w.nginx = new Error('ENOENT: no such file');
    w.handlers = [{ target: 'http://h1', up: false, error: 'fetch failed' }];
    const s = await sampler.state();
    expect(s.kafka.error).toBe('connect ECONNREFUSED 127.0.0.1:9092');
    expect(s.nginx.error).toBe('ENOENT: no such file');
    expect(s.handlers.replicas[0]).toMatchObject({ up: false, error: 'fetch failed', figures: null });
    expect(s.consumer.totals?.persisted).toBe(5);

    w.now += 2000;
    w.partitions = 'hang';
    expect((await sampler.state()).kafka.error).toBe('Kafka did not answer within 50 ms');
    // The hung read is waited on again, not started once more per sample.
    const before = w.kafkaReads;
    w.now += 2000;
    expect((await sampler.state()).kafka.error).toBe('Kafka did not answer within 50 ms');
    expect(w.kafkaReads).toBe(before);
  });

  it('says which parts are not configured', async () => {
    const { deps } = world();
    const sampler = makeDashboardSampler({
      ...deps,
      nginx: null,
      handlers: { configured: false, scrape: () => Promise.resolve([]) },
    });
    const s = await sampler.state();
    expect(s.nginx.configured).toBe(false);
    expect(s.handlers.configured).toBe(false);
  });
});
