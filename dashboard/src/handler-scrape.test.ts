import { describe, expect, it } from 'vitest';
import { makeHandlerScraper } from './handler-scrape.js';

const metrics = (id: string, accepted: number) =>
  `hookpipe_handler_requests_total{outcome="accepted",service="handler",handler_id="${id}"} ${accepted}\n`;

/** A fetch that answers /metrics from a table keyed by origin. */
function fakeFetch(answers: Record<string, string | number>) {
  const calls: string[] = [];
  const fetch: typeof globalThis.fetch = (input) => {
    const url = input instanceof Request ? input.url : input.toString();
    calls.push(url);
    const answer = answers[new URL(url).origin];
    if (answer === undefined) return Promise.reject(new Error('connect ECONNREFUSED'));
    if (typeof answer === 'number') return Promise.resolve(new Response('no', { status: answer }));
    return Promise.resolve(new Response(answer));
  };
  return { fetch, calls };
}

describe('makeHandlerScraper', () => {
  it('scrapes each URL and reads its figures; a replica that fails says why', async () => {
    const { fetch, calls } = fakeFetch({
      'http://127.0.0.1:8091': metrics('handler-1', 5),
      'http://127.0.0.1:8092': 503,
    });
    const scraper = makeHandlerScraper({
      urls: ['http://127.0.0.1:8091', 'http://127.0.0.1:8092', 'http://127.0.0.1:8093'],
      fetch,
      lookup: () => Promise.reject(new Error('no DNS for IP literals')),
    });
    const result = await scraper.scrape();
    expect(calls).toEqual([
      'http://127.0.0.1:8091/metrics',
      'http://127.0.0.1:8092/metrics',
      'http://127.0.0.1:8093/metrics',
    ]);
    expect(result[0]).toMatchObject({
      up: true,
      figures: { handler_id: 'handler-1', requests: { accepted: 5 } },
    });
    expect(result[1]).toEqual({
      target: 'http://127.0.0.1:8092',
      up: false,
      error: 'GET /metrics answered 503',
    });
    expect(result[2]).toMatchObject({ up: false, error: 'connect ECONNREFUSED' });
  });

  it('scrapes every address a service name resolves to (compose’s replicas)', async () => {
    const { fetch } = fakeFetch({
      'http://10.0.0.2:8090': metrics('handler-a', 1),
      'http://10.0.0.3:8090': metrics('handler-b', 2),
      'http://[fd00::4]:8090': metrics('handler-c', 3),
    });
    const scraper = makeHandlerScraper({
      urls: ['http://handler:8090'],
      fetch,
      lookup: (host) => Promise.resolve(host === 'handler' ? ['10.0.0.2', '10.0.0.3', 'fd00::4'] : []),
    });
    const result = await scraper.scrape();
    expect(result.map((r) => r.target)).toEqual([
      'http://10.0.0.2:8090',
      'http://10.0.0.3:8090',
      'http://[fd00::4]:8090',
    ]);
    expect(result.every((r) => r.up)).toBe(true);
  });

  it('counts one replica once when two addresses reach the same process', async () => {
    const { fetch } = fakeFetch({
      'http://10.0.0.2:8090': metrics('handler-1', 1),
      'http://[::1]:8090': metrics('handler-1', 1),
    });
    const scraper = makeHandlerScraper({
      urls: ['http://dual:8090'],
      fetch,
      lookup: () => Promise.resolve(['10.0.0.2', '::1']),
    });
    expect(await scraper.scrape()).toHaveLength(1);
  });

  it('scrapes by name when the name does not resolve, and is off without URLs', async () => {
    const { fetch } = fakeFetch({});
    const scraper = makeHandlerScraper({
      urls: ['http://gone:8090'],
      fetch,
      lookup: () => Promise.reject(new Error('ENOTFOUND')),
    });
    expect(await scraper.scrape()).toEqual([
      { target: 'http://gone:8090', up: false, error: 'connect ECONNREFUSED' },
    ]);
    expect(makeHandlerScraper({ urls: [] }).configured).toBe(false);
  });
});
