/**
 * The receiver as a process: PORT (8000), HOST (127.0.0.1), DATABASE_URL, WEBHOOK_SECRET (whsec_…),
 * and for trying a sender's retries FAIL_RATE (0–1) with FAIL_WHEN (before-store, after-store).
 */
import pg from 'pg';
import { startServer } from './server.js';
import { migrate } from './store.js';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}

const secret = required('WEBHOOK_SECRET');
const failRate = Number(process.env.FAIL_RATE ?? 0);
const when = process.env.FAIL_WHEN ?? 'before-store';
if (!(failRate >= 0 && failRate <= 1)) throw new Error('FAIL_RATE must be between 0 and 1');
if (when !== 'before-store' && when !== 'after-store')
  throw new Error('FAIL_WHEN: before-store or after-store');

const pool = new pg.Pool({ connectionString: required('DATABASE_URL') });
await migrate(pool);
const server = await startServer({
  pool,
  secret: () => secret,
  ...(failRate > 0 ? { failure: { rate: failRate, when } } : {}),
  host: process.env.HOST ?? '127.0.0.1',
  port: Number(process.env.PORT ?? 8000),
});
console.log(`receiving webhooks at ${server.url}/webhooks`);

for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    void server.close().then(() => pool.end());
  });
