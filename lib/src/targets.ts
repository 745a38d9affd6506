/**
 * The target allow-list: the URLs a service sends to (the sender's webhooks, either service's
 * operational webhooks) may only name these hosts, so no API call can aim traffic at arbitrary
 * machines. Entries are host names or IP literals (exact, case-insensitive), `*.example.test`
 * (any subdomain), or `*` (anything: for trusted set-ups only).
 */
export interface TargetPolicy {
  /** Whether `url` may be sent to; the message names `field` (default `url`) and the variable. */
  check(url: string, field?: string): { ok: true; url: URL } | { ok: false; message: string };
  /**
   * The URLs the API takes, as a plain JSON Schema pattern (published in the OpenAPI document):
   * `http` or `https`, an allowed host in lowercase, an optional port (1–65535, as written), an
   * optional path and query of printable ASCII; no credentials. Every URL it admits passes `check`.
   */
  urlPattern: RegExp;
  /** The allow-list as configured, for messages. */
  allowed: readonly string[];
  /** The environment variable it was configured with (SENDER_ALLOWED_HOSTS, …), for messages. */
  variable: string;
}

/** Hosts a service may target by default: loopback, and the compose service names. */
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

// Only the syntax characters: `\-` is an error in a Unicode-mode (JSON Schema) pattern.
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// A DNS label the URL parser keeps as written: no `xn--` (punycode it would decode or refuse).
const LABEL = '(?!xn--)[a-z0-9_-]{1,63}';
// A last label that cannot be read as an IPv4 number (digits, or 0x hex), which would change it.
const LAST_LABEL = '(?!xn--)[a-z_-][a-z0-9_-]{0,62}';
const OCTET = '(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])';
const ANY_HOST = `(?:(?:${LABEL}\\.)*${LAST_LABEL}|${OCTET}(?:\\.${OCTET}){3})`;
const PORT = '(?::(?:[1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5]))?';
const PATH = '(?:[/?][\\x21-\\x7e]*)?';

/** Whether the URL parser gives `host` back exactly (an IPv6 literal inside brackets). */
function keptAsWritten(host: string): boolean {
  const written = host.includes(':') ? `[${host}]` : host;
  return URL.canParse(`http://${written}/`) && new URL(`http://${written}/`).hostname === written;
}

/** The host part of the URL pattern: only entries whose URLs then pass `check` as written. */
function hostPattern(any: boolean, exact: ReadonlySet<string>, suffixes: readonly string[]): string {
  if (any) return ANY_HOST;
  const options = [
    ...[...exact].filter(keptAsWritten).map((h) => (h.includes(':') ? `\\[${escape(h)}\\]` : escape(h))),
    ...suffixes.filter((s) => keptAsWritten(`a${s}`)).map((s) => `(?:${LABEL}\\.)+${escape(s.slice(1))}`),
  ];
  // No usable entry: a class nothing matches.
  return options.length > 0 ? `(?:${options.join('|')})` : '[^\\s\\S]';
}

/**
 * The policy of an allow-list (`*_ALLOWED_HOSTS`, parsed as a list): `check` for every URL before
 * it is stored or sent to, `urlPattern` for the API's document. `variable` names the list in
 * messages, so an operator knows which setting to change.
 */
export function makeTargetPolicy(allowed: readonly string[], variable: string): TargetPolicy {
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
    allowed,
    variable,
    // `[/]`: a slash outside a class would be written `\/` in the pattern's source.
    urlPattern: new RegExp(`^https?:[/][/]${hostPattern(any, exact, suffixes)}${PORT}${PATH}$`),
    check(raw, field = 'url') {
      let url: URL;
      try {
        url = new URL(raw);
      } catch {
        return { ok: false, message: `${field} is not a valid absolute URL` };
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        return { ok: false, message: `${field} must use http or https` };
      }
      if (url.username || url.password) {
        return { ok: false, message: `${field} must not carry credentials` };
      }
      const host = normaliseHost(url.hostname);
      if (!isAllowed(host)) {
        return {
          ok: false,
          message: `${field} host "${host}" is not in the allow-list (${variable}: ${[...allowed].join(', ')})`,
        };
      }
      return { ok: true, url };
    },
  };
}
