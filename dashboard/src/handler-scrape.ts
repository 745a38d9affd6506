import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { errorMessage } from '@hookpipe/lib';
import { handlerFigures, type HandlerFigures } from './handler-figures.js';
import { parsePrometheusText } from './prometheus.js';

export type HandlerScrape =
  { target: string; up: true; figures: HandlerFigures } | { target: string; up: false; error: string };

export interface HandlerScraperDeps {
  /** Replica base URLs (CONSUMER_HANDLER_URLS). A host name stands for every address it resolves to. */
  urls: readonly string[];
  fetch?: typeof fetch;
  /** All addresses of a host name (compose's DNS answers a service name with each replica). */
  lookup?: (host: string) => Promise<string[]>;
  timeoutMs?: number;
}

// Bounded work per sample whatever DNS answers.
const MAX_TARGETS = 32;

const defaultLookup = async (host: string) => (await dnsLookup(host, { all: true })).map((a) => a.address);

/** Scrapes each handler replica's `/metrics` and reads the dashboard's figures from it. */
export function makeHandlerScraper(deps: HandlerScraperDeps) {
  const doFetch = deps.fetch ?? fetch;
  const lookup = deps.lookup ?? defaultLookup;
  const timeoutMs = deps.timeoutMs ?? 1500;

  async function expand(raw: string): Promise<string[]> {
    const url = new URL(raw);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host) || host === 'localhost') return [url.origin];
    try {
      const addresses = [...new Set(await lookup(host))];
      if (addresses.length === 0) return [url.origin];
      return addresses.map((a) => {
        const u = new URL(url.origin);
        u.hostname = isIP(a) === 6 ? `[${a}]` : a;
        return u.origin;
      });
    } catch {
      // Not resolvable now: scrape by name, so the panel says what failed.
      return [url.origin];
    }
  }

  async function scrapeOne(target: string): Promise<HandlerScrape> {
    try {
      const res = await doFetch(`${target}/metrics`, { signal: AbortSignal.timeout(timeoutMs) });
      const text = await res.text();
      if (!res.ok) return { target, up: false, error: `GET /metrics answered ${res.status}` };
      return { target, up: true, figures: handlerFigures(parsePrometheusText(text)) };
    } catch (err) {
      return { target, up: false, error: errorMessage(err) };
    }
  }

  return {
    configured: deps.urls.length > 0,
    async scrape(): Promise<HandlerScrape[]> {
      const targets = [...new Set((await Promise.all(deps.urls.map(expand))).flat())].slice(0, MAX_TARGETS);
      const results = await Promise.all(targets.map(scrapeOne));
      // Two addresses of one process (a name with both an IPv4 and an IPv6 address) are one replica.
      const seen = new Set<string>();
      return results.filter((r) => {
        if (!r.up || r.figures.handler_id === null) return true;
        if (seen.has(r.figures.handler_id)) return false;
        seen.add(r.figures.handler_id);
        return true;
      });
    },
  };
}

export type HandlerScraper = ReturnType<typeof makeHandlerScraper>;
