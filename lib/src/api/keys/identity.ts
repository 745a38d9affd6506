import type { Context } from 'hono';
import { ApiError } from '../../http.js';

/** Grants every scope: the bootstrap keys from the environment, and keys created with it. */
export const ADMIN_SCOPE = 'admin';

/** Who is calling: a key of the `api_keys` table, or one of the environment's bootstrap keys. */
export interface KeyIdentity {
  /** The key's id; null for a bootstrap key. */
  id: string | null;
  name: string;
  scopes: readonly string[];
}

const IDENTITY = 'apiKey';

/** Stores the caller's identity on the request (the auth middleware does this). */
export function setIdentity(c: Context, identity: KeyIdentity): void {
  (c as Context<{ Variables: { [IDENTITY]: KeyIdentity } }>).set(IDENTITY, identity);
}

/** The caller's identity, or undefined on an open route. */
export function getIdentity(c: Context): KeyIdentity | undefined {
  return (c as Context<{ Variables: { [IDENTITY]?: KeyIdentity } }>).get(IDENTITY);
}

/** Whether `scopes` grant `scope` (`admin` grants all). */
export const grants = (scopes: readonly string[], scope: string): boolean =>
  scopes.includes(scope) || scopes.includes(ADMIN_SCOPE);

/** 403 `missing_scope` unless the caller's key has `scope`. */
export function requireScope(c: Context, scope: string): void {
  const identity = getIdentity(c);
  if (identity && grants(identity.scopes, scope)) return;
  throw new ApiError(403, 'missing_scope', `this API key lacks the scope ${scope}`, {
    missing: scope,
    scopes: identity?.scopes ?? [],
  });
}
