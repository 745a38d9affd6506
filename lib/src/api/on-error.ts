import type { Context } from 'hono';
import { isTransientDbError } from '../db.js';
import { errorHandler, errorResponse } from '../http.js';
import type { Logger } from '../logger.js';

/** Seconds a client waits before trying again after a `database_unavailable`. */
export const DATABASE_RETRY_AFTER_S = 2;

/**
 * `app.onError` of an API: a transient database error (see `isTransientDbError`) is 503
 * `database_unavailable` with `Retry-After`, since nothing was done and the same request may
 * succeed shortly; everything else goes to `errorHandler` (ApiError as its JSON, else a 500).
 */
export function makeApiErrorHandler(logger: Logger) {
  const fallback = errorHandler(logger);
  return (err: Error, c: Context): Response => {
    if (!isTransientDbError(err)) return fallback(err, c);
    // An app that keeps a request logger in `log` gets the request id on the line.
    const log = (c.var as { log?: Logger }).log ?? logger;
    log.warn({ err: err.message, path: c.req.path }, 'database unavailable');
    return errorResponse(
      c,
      503,
      'database_unavailable',
      'the database is unavailable; try again',
      undefined,
      {
        'Retry-After': String(DATABASE_RETRY_AFTER_S),
      },
    );
  };
}
