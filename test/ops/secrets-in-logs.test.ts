import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSecret } from '@hookpipe/lib';
import { getTestEnv, localStackOptions, type TestEnv } from '../env.js';
import { database, receiverApi } from '../support/http.js';
import { unique } from '../support/poll.js';

// An API fuzzer once posted the same receiver secret twice, and PostgreSQL's log kept it in clear
// (DETAIL: Key (secret)=(whsec_…) already exists). The whole run's logs are scanned at the end
// (test/global-setup.ts); this one looks at PostgreSQL's log right after the errors that did it.
let env: TestEnv;
let db: ReturnType<typeof database>;
beforeAll(async () => {
  env = await getTestEnv();
  db = database(env.databaseUrl);
});
afterAll(async () => {
  await db?.end();
});

describe.runIf(process.env.TEST_ENV !== 'containers')('secrets and PostgreSQL’s log', () => {
  it('a duplicate secret and a row refused by a constraint leave no secret in the server log', async () => {
    const log = path.join(localStackOptions().STACK_DIR!, 'logs', 'postgres.log');
    const from = statSync(log).size;
    const secret = generateSecret();
    const body = { customer_id: unique('cust-logs'), secret };
    expect((await receiverApi(env).post('/secrets', body)).status).toBe(201);
    const again = await receiverApi(env).post('/secrets', body);
    expect(again.status).toBe(409);
    expect(JSON.stringify(again.json)).not.toContain(secret);
    // A row the CHECK on customer_id refuses: its DETAIL would print the whole row.
    const other = generateSecret();
    await expect(
      db.query("INSERT INTO receiver_secrets (customer_id, secret) VALUES ('', $1)", [other]),
    ).rejects.toThrow(/check constraint/);
    const written = readFileSync(log).subarray(from).toString('utf8');
    expect(written).toMatch(
      /duplicate key value violates unique constraint "receiver_secrets_secret_sha256_idx"/,
    );
    expect(written).toMatch(/violates check constraint/);
    expect(written).not.toContain(secret);
    expect(written).not.toContain(other);
  });
});
