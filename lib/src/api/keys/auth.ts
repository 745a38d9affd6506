import type { MiddlewareHandler } from 'hono';
import type { Clock } from '../../clock.js';
import { errorResponse, safeEqual } from '../../http.js';
import type { Logger } from '../../logger.js';
import { ADMIN_SCOPE, setIdentity, type KeyIdentity } from './identity.js';
import { keyHash, type ApiKeysStore, type ApiKeyView } from './store.js';

export interface KeyAuth {
  middleware: MiddlewareHandler;
  /** Forgets what was cached of a key (after it was changed or revoked through this process). */
  forget(id: string): void;
}

/**
 * `X-API-Key` on every path but `open` ones (exact, or a prefix ending in `*`): one of the
 * environment's bootstrap keys (constant-time compare; they hold `admin`), or a key of the
 * `api_keys` table that is neither revoked nor expired. Keys found in the table are cached for
 * `cacheMs` (a revocation through another process takes effect within it) and their
 * `last_used_at` is written at most once a minute.
 */
export function makeKeyAuth(options: {
  bootstrapKeys: readonly string[];
  store?: Pick<ApiKeysStore, 'findByHash' | 'touch'>;
  open?: readonly string[];
  clock: Clock;
  logger: Logger;
  cacheMs?: number;
}): KeyAuth {
  const open = options.open ?? [];
  const cacheMs = options.cacheMs ?? 5000;
  const isOpen = (path: string) =>
    open.some((p) => (p.endsWith('*') ? path.startsWith(p.slice(0, -1)) : path === p));
  const cache = new Map<string, { view: ApiKeyView; at: number }>();
  const touched = new Map<string, number>();

  const lookup = async (given: string): Promise<ApiKeyView | null> => {
    const hash = keyHash(given);
    const hex = hash.toString('hex');
    const hit = cache.get(hex);
    if (hit && options.clock() - hit.at < cacheMs) return hit.view;
    const view = (await options.store?.findByHash(hash)) ?? null;
    if (view) {
      if (cache.size > 10_000) cache.clear();
      cache.set(hex, { view, at: options.clock() });
    }
    return view;
  };

  const middleware: MiddlewareHandler = async (c, next) => {
    if (isOpen(c.req.path)) return next();
    const given = c.req.header('x-api-key');
    if (!given) {
      return errorResponse(c, 401, 'unauthorized', 'this route needs an X-API-Key header', undefined, {
        'WWW-Authenticate': 'ApiKey header="X-API-Key"',
      });
    }
    let bootstrap = false;
    for (const key of options.bootstrapKeys) bootstrap = safeEqual(given, key) || bootstrap;
    if (bootstrap) {
      setIdentity(c, { id: null, name: 'bootstrap', scopes: [ADMIN_SCOPE] });
      return next();
    }
    const view = given.startsWith('hpk_') && given.length <= 256 ? await lookup(given) : null;
    const now = options.clock();
    const why = !view
      ? 'the X-API-Key is not valid'
      : view.revoked_at
        ? 'this API key was revoked'
        : view.expires_at && Date.parse(view.expires_at) <= now
          ? 'this API key has expired'
          : undefined;
    if (!view || why) return errorResponse(c, 401, 'unauthorized', why ?? 'the X-API-Key is not valid');
    const identity: KeyIdentity = { id: view.id, name: view.name, scopes: view.scopes };
    setIdentity(c, identity);
    if (now - (touched.get(view.id) ?? 0) > 60_000) {
      touched.set(view.id, now);
      options.store
        ?.touch(view.id, new Date(now))
        .catch((err: unknown) =>
          options.logger.warn({ err: (err as Error).message, keyId: view.id }, 'cannot record a key’s use'),
        );
    }
    return next();
  };

  return {
    middleware,
    forget(id) {
      for (const [hex, entry] of cache) if (entry.view.id === id) cache.delete(hex);
    },
  };
}
