import { z } from 'zod';

/** A configuration problem found at start-up; the message names the variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    message: string,
    readonly issues: readonly { variable: string; message: string }[],
  ) {
    super(message);
  }
}

/**
 * Parses `env` with a zod object schema whose keys are environment variable names. Call it once,
 * at start-up, from a service's entry point; the error names every bad variable.
 */
export function loadConfig<S extends z.ZodObject>(
  schema: S,
  env: Record<string, string | undefined>,
  service = 'hookpipe',
): z.infer<S> {
  // Empty strings mean "unset", so `FOO=` in an env file falls back to the default.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(cleaned);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => ({
    variable: issue.path.map(String).join('.') || '(environment)',
    message: issue.message,
  }));
  const lines = issues.map((i) => `  ${i.variable}: ${i.message}`).join('\n');
  throw new ConfigError(`${service}: invalid configuration\n${lines}`, issues);
}

/** Reusable pieces for config schemas. */
export const env = {
  port: (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback),
  int: (fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
    z.coerce.number().int().min(min).max(max).default(fallback),
  number: (fallback: number, min = -Infinity, max = Infinity) =>
    z.coerce.number().min(min).max(max).default(fallback),
  /** on/off, true/false, 1/0, yes/no. */
  flag: (fallback: boolean) =>
    z
      .enum(['on', 'off', 'true', 'false', '1', '0', 'yes', 'no'], {
        message: 'expected on/off, true/false, 1/0 or yes/no',
      })
      .transform((v) => v === 'on' || v === 'true' || v === '1' || v === 'yes')
      .default(fallback),
  /** Comma- or space-separated list. */
  list: (fallback: readonly string[] = []) =>
    z
      .string()
      .transform((v) => v.split(/[\s,]+/).filter(Boolean))
      .default(() => [...fallback]),
  url: () => z.string().url(),
  logLevel: () => z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
};
