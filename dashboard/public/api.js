// The two APIs the page calls, with the keys the user typed in. Keys live in this tab's
// sessionStorage only and travel as X-API-Key headers, never in a URL.

const STORAGE = { sender: 'hookpipe.sender-key', receiver: 'hookpipe.receiver-key' };

export const keys = {
  /** @param {'sender' | 'receiver'} which */
  get(which) {
    return sessionStorage.getItem(STORAGE[which]) ?? '';
  },
  /** @param {'sender' | 'receiver'} which @param {string} value */
  set(which, value) {
    if (value) sessionStorage.setItem(STORAGE[which], value);
    else sessionStorage.removeItem(STORAGE[which]);
  },
};

/** An answer that is not 2xx, with the API's own `{error, message}` when it sent one. */
export class ApiError extends Error {
  /** @param {string} api @param {number} status @param {string} code @param {string} message */
  constructor(api, status, code, message) {
    super(message);
    this.api = api;
    this.status = status;
    this.code = code;
  }
}

/**
 * @param {string} api 'sender' or 'receiver'
 * @param {string} base origin of the API ('' for the page's own)
 */
function client(api, base) {
  /** @param {string} method @param {string} path @param {unknown} [body] @returns {Promise<any>} */
  async function call(method, path, body) {
    const key = keys.get(/** @type {'sender' | 'receiver'} */ (api));
    if (!key) throw new ApiError(api, 0, 'no_key', `enter the ${api} API key`);
    /** @type {Record<string, string>} */
    const headers = { 'X-API-Key': key };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let res;
    try {
      res = await fetch(`${base}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: 'no-store',
      });
    } catch {
      const hint = base ? ` (is it up, and does SENDER_CORS_ORIGINS list ${location.origin}?)` : '';
      throw new ApiError(
        api,
        0,
        'unreachable',
        `the ${api} at ${base || location.origin} did not answer${hint}`,
      );
    }
    const text = await res.text();
    /** @type {any} */
    let json = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = null;
    }
    if (!res.ok) {
      const code = typeof json?.error === 'string' ? json.error : `http_${res.status}`;
      const message =
        typeof json?.message === 'string' ? json.message : `${method} ${path} answered ${res.status}`;
      throw new ApiError(api, res.status, code, message);
    }
    return json;
  }
  return {
    /** The open Prometheus text at /metrics (no key needed). @returns {Promise<string>} */
    async metrics() {
      let res;
      try {
        res = await fetch(`${base}/metrics`, { cache: 'no-store' });
      } catch {
        throw new ApiError(
          api,
          0,
          'unreachable',
          `the ${api}'s /metrics at ${base || location.origin} did not answer`,
        );
      }
      if (!res.ok)
        throw new ApiError(api, res.status, `http_${res.status}`, `GET /metrics answered ${res.status}`);
      return res.text();
    },
    /** @param {string} path */
    get: (path) => call('GET', path),
    /** @param {string} path @param {unknown} [body] */
    post: (path, body) => call('POST', path, body),
  };
}

/**
 * The scopes the page's calls need on each API, and what each one is for here, so a key that lacks
 * one is named with what will not work.
 */
export const NEEDED_SCOPES = {
  sender: {
    'webhooks:read': 'list emitters and delivery attempts',
    'emitters:write': 'start and stop emitters',
  },
  receiver: {
    'events:read': 'the pipeline state, events, dead letters and fault profiles',
    'dead-letters:write': 'replay dead letters',
  },
};

/**
 * Asks each API which scopes the key typed for it holds (`GET /keys/current`, any valid key may ask)
 * and lists the ones the page needs that it lacks (`admin` grants all).
 * @param {ReturnType<typeof makeApis>} apis
 * @returns {Promise<Array<{api: 'sender' | 'receiver', name?: string, missing?: Array<[string, string]>, error?: unknown}>>}
 */
export async function checkScopes(apis) {
  const apiNames = /** @type {const} */ (['sender', 'receiver']);
  return Promise.all(
    apiNames.map(async (api) => {
      try {
        const who = await apis[api].get('/keys/current');
        const held = new Set(who.scopes);
        const missing = held.has('admin')
          ? []
          : Object.entries(NEEDED_SCOPES[api]).filter(([scope]) => !held.has(scope));
        return { api, name: String(who.name), missing };
      } catch (error) {
        return { api, error };
      }
    }),
  );
}

/** @param {{sender_url: string}} config */
export function makeApis(config) {
  return { receiver: client('receiver', ''), sender: client('sender', config.sender_url) };
}

/** @param {unknown} err */
export function describeError(err) {
  if (err instanceof ApiError) {
    return err.status ? `${err.api} API ${err.status} ${err.code}: ${err.message}` : err.message;
  }
  return err instanceof Error ? err.message : String(err);
}

export const q = encodeURIComponent;

/**
 * A call's value or its error, so one failing API leaves the others drawn.
 * @param {Promise<any>} p @returns {Promise<{value?: any, error?: unknown}>}
 */
export const settle = (p) =>
  p.then(
    (value) => ({ value }),
    (error) => ({ error }),
  );
