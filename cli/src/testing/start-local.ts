import { down, openContext, up } from '@hookpipe/stack';
import { endpointsOf, findStackEnv, STACK_ENV_KEYS, type FoundStackEnv } from '../stack-env.js';
import type { KitEndpoints, Running } from './api.js';
import type { LocalOptions } from './types.js';

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(2000) });
    await res.body?.cancel();
    return res.ok;
  } catch {
    return false;
  }
}

/** A stack's stack.env values as the kit's endpoints; a value missing is a stack.env not written by a stack. */
function endpointsFrom(values: FoundStackEnv['values'], dir: string): KitEndpoints {
  const missing = STACK_ENV_KEYS.filter((k) => !values[k]);
  if (missing.length > 0) throw new Error(`${dir}/stack.env lacks ${missing.join(', ')}`);
  return endpointsOf({
    ...values,
    SENDER_URL: values.SENDER_URL!,
    SENDER_API_KEY: values.SENDER_API_KEY!,
  }) as KitEndpoints;
}

/**
 * The local stack in `stackDir`: the one running there (left running), or one brought up there
 * with the given ports and settings (taken down by `stop`).
 */
export async function startLocal(options: LocalOptions): Promise<Running> {
  const log = options.log ?? (() => undefined);
  const dir = options.stackDir ?? process.env.STACK_DIR ?? '.stack';
  const found = findStackEnv({ env: { STACK_DIR: dir } });
  const sameUrl = (url: string) => Promise.resolve(url);
  if (found.file && found.values.SENDER_URL && (await answers(found.values.SENDER_URL))) {
    log(`using the stack running in ${dir}`);
    return {
      endpoints: endpointsFrom(found.values, dir),
      senderUrlFor: sameUrl,
      stop: () => Promise.resolve(),
    };
  }
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...options.env,
    STACK_DIR: dir,
    ...(options.portOffset === undefined ? {} : { STACK_PORT_OFFSET: String(options.portOffset) }),
    ...(options.pgPort === undefined ? {} : { PG_PORT: String(options.pgPort) }),
  };
  const ctx = openContext({ env, log });
  log(`bringing a stack up in ${dir}`);
  let values: Record<string, string>;
  try {
    values = await up(ctx);
  } catch (err) {
    await down(ctx).catch(() => undefined);
    throw err;
  }
  let stopped: Promise<void> | undefined;
  return {
    endpoints: endpointsFrom(values, dir),
    senderUrlFor: sameUrl,
    stop: () => (stopped ??= down(openContext({ env, log }))),
  };
}
