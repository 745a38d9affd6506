/**
 * The target allow-list: webhook URLs may only name these hosts, so nobody can aim emitters at
 * arbitrary machines. Entries are host names or IP literals (exact, case-insensitive),
 * `*.example.test` (any subdomain), or `*` (anything: for trusted set-ups only).
 */
export interface TargetPolicy {
  check(url: string): { ok: true; url: URL } | { ok: false; message: string };
}

/** Hosts a webhook may target by default: loopback, and the compose service names. */
export const DEFAULT_ALLOWED_HOSTS: readonly string[] = [
  'localhost',
  '127.0.0.1',
  '::1',
  'nginx',
  'handler',
  'ingress',
];

function normaliseHost(host: string): string {
  const lower = host.toLowerCase();
  return lower.startsWith('[') && lower.endsWith(']') ? lower.slice(1, -1) : lower;
}

export function makeTargetPolicy(allowed: readonly string[]): TargetPolicy {
  const exact = new Set<string>();
  const suffixes: string[] = [];
  let any = false;
  for (const entry of allowed) {
    if (entry === '*') any = true;
    else if (entry.startsWith('*.')) suffixes.push(normaliseHost(entry.slice(1)));
    else exact.add(normaliseHost(entry));
  }
  const isAllowed = (host: string) =>
    any || exact.has(host) || suffixes.some((s) => host.endsWith(s) && host.length > s.length);

  return {
    check(raw) {
      let url: URL;
      try {
        url = new URL(raw);
      } catch {
        return { ok: false, message: 'webhook_url is not a valid absolute URL' };
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        return { ok: false, message: 'webhook_url must use http or https' };
      }
      if (url.username || url.password) {
        return { ok: false, message: 'webhook_url must not carry credentials' };
      }
      const host = normaliseHost(url.hostname);
      if (!isAllowed(host)) {
        return {
          ok: false,
          message: `webhook_url host "${host}" is not in the allow-list (SENDER_ALLOWED_HOSTS: ${[...allowed].join(', ')})`,
        };
      }
      return { ok: true, url };
    },
  };
}
