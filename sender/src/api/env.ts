import type { Context } from 'hono';
import type { Logger } from '@hookpipe/lib';

/** The sender app's request variables: the request id and a logger carrying it. */
export type AppEnv = { Variables: { requestId: string; log: Logger } };
export type AppContext = Context<AppEnv>;
