import { delay, parseRetryAfter } from '@hookpipe/lib';
import { UnreachableError } from '../errors.js';

export interface ApiAnswer {
  status: number;
  json: Record<string, unknown>;
}

/** An API answered, but not as the run needed (a 4xx for a field, a 409, a 500…). */
export class ApiCallError extends Error {
  override name = 'ApiCallError';
  constructor(
    readonly what: string,
    readonly answer: ApiAnswer,
  ) {
    const detail =
      typeof answer.json.message === 'string' ? answer.json.message : JSON.stringify(answer.json);
    super(`${what} answered ${answer.status}: ${detail}`);
  }
}

export interface Api {
  readonly baseUrl: string;
  call(method: string, path: string, body?: unknown): Promise<ApiAnswer>;
  /** Like call, but anything outside `ok` (default: any 2xx) throws an ApiCallError. */
  expect(method: string, path: string, body?: unknown, ok?: readonly number[]): Promise<ApiAnswer>;
}

/** How long a 503 or 429 with Retry-After is waited out and tried again, in all, by default. */
export const RETRY_UNAVAILABLE_MS = 30_000;

/**
 * A JSON client of one of hookpipe's APIs (the sender's or the receiver's) with its key. A
 * request that gets no answer at all throws UnreachableError naming the API. A 503 or 429 that
 * carries Retry-After means "nothing was done, try again" (docs/api.md): it is sent again after
 * that many seconds (at most 10 at a time) for up to `retryUnavailableMs` in all, and the last
 * answer is returned.
 */
export function makeApi(
  label: string,
  baseUrl: string,
  apiKey: string,
  options: {
    fetch?: typeof fetch;
    timeoutMs?: number;
    retryUnavailableMs?: number;
    sleep?: (ms: number) => Promise<void>;
  } = {},
): Api {
  const doFetch = options.fetch ?? fetch;
  const sleep = options.sleep ?? ((ms: number) => delay(ms));
  const call = async (method: string, path: string, body?: unknown): Promise<ApiAnswer> => {
    let waited = 0;
    for (;;) {
      const { answer, retryAfter } = await callOnce(method, path, body);
      const retryMs = parseRetryAfter(retryAfter, Date.now());
      if ((answer.status !== 503 && answer.status !== 429) || retryMs === null) return answer;
      const waitMs = Math.min(10_000, Math.max(1000, retryMs));
      if (waited + waitMs > (options.retryUnavailableMs ?? RETRY_UNAVAILABLE_MS)) return answer;
      await sleep(waitMs);
      waited += waitMs;
    }
  };
  const callOnce = async (
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ answer: ApiAnswer; retryAfter: string | null }> => {
    let res: Response;
    try {
      res = await doFetch(`${baseUrl}${path}`, {
        method,
        headers: {
          'X-API-Key': apiKey,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
      });
    } catch (err) {
      const cause =
        err instanceof Error ? ((err.cause as Error | undefined)?.message ?? err.message) : String(err);
      throw new UnreachableError(
        `the ${label} at ${baseUrl} did not answer ${method} ${path}: ${cause}`,
        true,
        {
          cause: err,
        },
      );
    }
    const text = await res.text();
    let json: Record<string, unknown>;
    try {
      json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      json = { message: text.slice(0, 200) };
    }
    return { answer: { status: res.status, json }, retryAfter: res.headers.get('retry-after') };
  };
  return {
    baseUrl,
    call,
    async expect(method, path, body, ok) {
      const answer = await call(method, path, body);
      const fine = ok ? ok.includes(answer.status) : answer.status >= 200 && answer.status < 300;
      if (!fine) throw new ApiCallError(`${label} ${method} ${path.split('?')[0]}`, answer);
      return answer;
    },
  };
}

/**
 * Checks an API answers and takes its key before anything starts: `GET /ping` (or `/healthz`),
 * then a keyed route. Throws UnreachableError with what to do.
 */
export async function preflight(api: Api, label: string, health: string, keyed: string): Promise<void> {
  const alive = await api.call('GET', health);
  if (alive.status >= 500)
    throw new UnreachableError(
      `the ${label} at ${api.baseUrl} is not healthy (${health} answered ${alive.status})`,
    );
  const auth = await api.call('GET', keyed);
  if (auth.status === 401 || auth.status === 403)
    throw new UnreachableError(`the ${label} at ${api.baseUrl} refused the API key (${auth.status})`, false);
}

/** Every row of a paged list (`{data, next_cursor}`), 500 a page. */
export async function allPages<T>(api: Api, path: string): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | null = null;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const answer = await api.expect(
      'GET',
      `${path}${sep}limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    out.push(...((answer.json.data ?? []) as T[]));
    cursor = (answer.json.next_cursor as string | null | undefined) ?? null;
  } while (cursor);
  return out;
}
