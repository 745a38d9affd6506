import pg from 'pg';
import { waitUntilSecretKnown } from '@hookpipe/stack';
import type { TestEnv } from '../env.js';
import { pollUntil } from './poll.js';

export interface Answer {
  status: number;
  json: Record<string, unknown> & { error?: string; message?: string; data?: unknown[] };
  headers: Headers;
}

/** A JSON API client with an API key (the sender's or the receiver's). */
export function apiClient(baseUrl: string, apiKey: string) {
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        'X-API-Key': apiKey,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    let json: Answer['json'] = {};
    try {
      json = text ? (JSON.parse(text) as Answer['json']) : {};
    } catch {
      json = { raw: text };
    }
    return { status: res.status, json, headers: res.headers } satisfies Answer;
  };
  return {
    call,
    get: (path: string) => call('GET', path),
    post: (path: string, body?: unknown, headers?: Record<string, string>) =>
      call('POST', path, body, headers),
    put: (path: string, body: unknown) => call('PUT', path, body),
    patch: (path: string, body: unknown) => call('PATCH', path, body),
    delete: (path: string) => call('DELETE', path),
  };
}
export type ApiClient = ReturnType<typeof apiClient>;

export const senderApi = (env: TestEnv): ApiClient => apiClient(env.senderUrl, env.senderApiKey);
export const receiverApi = (env: TestEnv): ApiClient => apiClient(env.consumerUrl, env.receiverApiKey);

/** Installs a secret on the receiver through the consumer's API, as a receiver operator would. */
export async function installReceiverSecret(env: TestEnv, customerId: string, secret: string): Promise<void> {
  const res = await receiverApi(env).post('/secrets', { customer_id: customerId, secret });
  if (res.status !== 201)
    throw new Error(`POST /secrets answered ${res.status}: ${JSON.stringify(res.json)}`);
}

/** Waits until every handler replica knows `secret` (a signed probe that never reaches Kafka). */
export const waitUntilKnown = waitUntilSecretKnown;

/** Waits until each URL's `/readyz` answers 200. */
export async function waitReady(urls: readonly string[], timeoutMs = 60_000): Promise<void> {
  for (const url of urls) {
    await pollUntil(
      async () => {
        const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(3000) });
        await res.body?.cancel();
        return res.ok;
      },
      { timeoutMs, what: `${url}/readyz to answer 200` },
    );
  }
}

/** A small pool on one database, for checking outcomes; tolerant of the suites' outages. */
export function database(url: string) {
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  pool.on('error', () => undefined);
  return {
    pool,
    query: async <R extends pg.QueryResultRow>(sql: string, params: unknown[] = []) =>
      (await pool.query<R>(sql, params)).rows,
    /** The single value of a one-row, one-column query (a `SELECT count(*) …`), as a number. */
    count: async (sql: string, params: unknown[] = []) => {
      const res = await pool.query<Record<string, unknown>>(sql, params);
      const row = res.rows[0];
      if (res.rows.length !== 1 || !row || Object.keys(row).length !== 1) {
        throw new Error(`count() wants one row with one column; got ${res.rows.length} rows: ${sql}`);
      }
      return Number(Object.values(row)[0]);
    },
    end: () => pool.end(),
  };
}
