import { z } from 'zod';
import { env, loadConfig } from '@hookpipe/lib';

const schema = z.object({
  HOST: z.string().default('127.0.0.1'),
  SENDER_PORT: env.port(8080),
  LOG_LEVEL: env.logLevel(),
});

export type Config = z.infer<typeof schema>;

export const parseConfig = (vars: Record<string, string | undefined>): Config =>
  loadConfig(schema, vars, 'sender');
