/**
 * How `make logs` shows a line: our services' pino JSON and nginx's JSON access lines as one
 * readable line each (time, level or status, message, the ids first), anything else (Kafka,
 * PostgreSQL, nginx's error log) as it is; each behind its part's name in the part's colour.
 */

const ESC = '\u001b[';
const paint = (on: boolean, code: string, text: string) => (on ? `${ESC}${code}m${text}${ESC}0m` : text);

/** Part colours: cyan, magenta, blue, yellow, green, bright cyan, bright magenta, bright blue. */
const PALETTE = ['36', '35', '34', '33', '32', '96', '95', '94'];

const LEVEL_COLOURS: Record<string, string> = {
  fatal: '41;97',
  error: '31',
  warn: '33',
  info: '32',
  debug: '90',
  trace: '90',
};

/** Keys shown first (and bold): what one follows an event by. */
const ID_KEYS = ['webhookId', 'requestId', 'messageId'];
/** Keys every line has, shown elsewhere on the line or by the prefix. */
const HIDDEN_KEYS = new Set(['level', 'time', 'msg', 'service', 'pid', 'hostname', 'handlerId']);

export interface FormatOptions {
  color: boolean;
  /** Width the part name is padded to. */
  width: number;
  /** Colour of this part (ANSI code), from `partColours`. */
  partColour?: string;
}

/** `handler-2.log` → `handler-2`. */
export const partOf = (file: string): string => file.replace(/\.log$/, '');

/** A stable colour per part: parts sorted by name, colours handed out in turn. */
export function partColours(parts: readonly string[]): Map<string, string> {
  return new Map([...parts].sort().map((p, i) => [p, PALETTE[i % PALETTE.length]!]));
}

/**
 * Whether `part` is one of `wanted` (comma-separated names; empty = all). A name without a
 * replica number takes them all: `handler` is handler-1…N, `nginx` is nginx, nginx-access and
 * nginx-error.
 */
export function partWanted(part: string, wanted: readonly string[]): boolean {
  if (wanted.length === 0) return true;
  return wanted.some((w) => part === w || part.startsWith(`${w}-`));
}

const pad2 = (n: number) => String(n).padStart(2, '0');
/** `HH:MM:SS.mmm` in UTC, as the services log it. */
function clock(ms: number, millis: boolean): string {
  const d = new Date(ms);
  const base = `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}`;
  return millis ? `${base}.${String(d.getUTCMilliseconds()).padStart(3, '0')}` : base;
}

function parseJson(line: string): Record<string, unknown> | null {
  if (!line.startsWith('{')) return null;
  try {
    const v: unknown = JSON.parse(line);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** A value as `key=value`: strings bare unless they hold spaces; errors by their message. */
function showValue(key: string, value: unknown): string {
  if ((key === 'err' || key === 'error') && value && typeof value === 'object') {
    const e = value as { type?: unknown; message?: unknown };
    return JSON.stringify(`${typeof e.type === 'string' ? `${e.type}: ` : ''}${String(e.message)}`);
  }
  if (typeof value === 'string') return /[\s"=]/.test(value) || value === '' ? JSON.stringify(value) : value;
  return JSON.stringify(value);
}

function fields(obj: Record<string, unknown>, skip: ReadonlySet<string>, color: boolean): string {
  const keys = Object.keys(obj).filter((k) => !skip.has(k) && obj[k] !== undefined && obj[k] !== null);
  const ids = ID_KEYS.filter((k) => keys.includes(k));
  const rest = keys.filter((k) => !ID_KEYS.includes(k));
  return [
    ...ids.map((k) => paint(color, '1', `${k}=${showValue(k, obj[k])}`)),
    ...rest.map((k) => `${paint(color, '2', `${k}=`)}${showValue(k, obj[k])}`),
  ].join(' ');
}

function statusColour(status: number): string {
  if (status >= 500) return '31';
  if (status >= 400) return '33';
  if (status >= 300) return '36';
  return '32';
}

function formatPino(obj: Record<string, unknown>, color: boolean): string {
  // pino writes label levels here (see lib's logger); a number is another pino's default.
  const level =
    typeof obj.level === 'string' ? obj.level : typeof obj.level === 'number' ? String(obj.level) : '';
  const time = typeof obj.time === 'string' ? Date.parse(obj.time) : NaN;
  const parts = [
    Number.isNaN(time) ? '' : paint(color, '2', clock(time, true)),
    paint(color, LEVEL_COLOURS[level] ?? '0', level.toUpperCase().padEnd(5)),
    typeof obj.msg === 'string' ? obj.msg : '',
    fields(obj, HIDDEN_KEYS, color),
  ];
  return parts.filter(Boolean).join(' ');
}

const ACCESS_SHOWN = new Set([
  'time',
  'method',
  'uri',
  'status',
  'request_time',
  'upstream_addr',
  'request_id',
  'webhook_id',
]);

/** nginx's access line in our names: `request_id` → `requestId`, `webhook_id` → `webhookId`. */
function formatAccess(obj: Record<string, unknown>, color: boolean): string {
  const time = typeof obj.time === 'string' ? Date.parse(obj.time) : NaN;
  const status = Number(obj.status);
  const ms = Math.round(Number(obj.request_time) * 1000);
  const extra: Record<string, unknown> = {
    webhookId: obj.webhook_id || undefined,
    requestId: obj.request_id || undefined,
  };
  // Only what says something: a refused limit, an upstream status other than ours, …
  for (const [k, v] of Object.entries(obj)) {
    if (ACCESS_SHOWN.has(k) || v === '' || v === '-') continue;
    if (k === 'limit_req' && v === 'PASSED') continue;
    if (k === 'upstream_status' && v === String(obj.status)) continue;
    if (['remote_addr', 'request_length', 'bytes_sent', 'user_agent'].includes(k)) continue;
    if (k.startsWith('upstream_') && k.endsWith('_time')) continue;
    extra[k] = v;
  }
  const upstream = typeof obj.upstream_addr === 'string' && obj.upstream_addr ? `→ ${obj.upstream_addr}` : '';
  return [
    Number.isNaN(time) ? '' : paint(color, '2', clock(time, false)),
    `${String(obj.method)} ${String(obj.uri)}`,
    Number.isNaN(status) ? '' : paint(color, statusColour(status), String(status)),
    Number.isNaN(ms) ? '' : `${ms}ms`,
    upstream,
    fields(extra, new Set(), color),
  ]
    .filter(Boolean)
    .join(' ');
}

/** One log line as `make logs` prints it, behind its part's name. */
export function formatLine(part: string, line: string, options: FormatOptions): string {
  const obj = parseJson(line);
  let body: string;
  if (obj && 'msg' in obj && 'level' in obj) body = formatPino(obj, options.color);
  else if (obj && 'request_id' in obj && 'uri' in obj) body = formatAccess(obj, options.color);
  else body = line;
  const name = paint(options.color, options.partColour ?? '0', part.padEnd(options.width));
  return `${name} ${paint(options.color, '2', '|')} ${body}`;
}

/**
 * When a line was written, to merge the files' earlier lines in time order: the JSON `time`,
 * Kafka's `[yyyy-mm-dd hh:mm:ss,mmm]` (local time) or PostgreSQL's `yyyy-mm-dd hh:mm:ss.mmm UTC`; undefined
 * when the line has none (a continuation line).
 */
export function lineTime(line: string): number | undefined {
  const obj = parseJson(line);
  if (obj) {
    const t = typeof obj.time === 'string' ? Date.parse(obj.time) : NaN;
    return Number.isNaN(t) ? undefined : t;
  }
  const kafka = /^\[(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d),(\d{3})\]/.exec(line);
  // The broker's JVM writes local time; without an offset, Date.parse reads it as local too.
  if (kafka) return Date.parse(`${kafka[1]}T${kafka[2]}.${kafka[3]}`);
  const pg = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d(?:\.\d+)?) UTC/.exec(line);
  if (pg) return Date.parse(`${pg[1]}T${pg[2]}Z`);
  return undefined;
}

/** Whether to colour: a terminal, unless NO_COLOR; FORCE_COLOR forces it. */
export function useColor(env: NodeJS.ProcessEnv, isTty: boolean): boolean {
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return isTty;
}
