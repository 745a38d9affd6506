import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSecret } from '@hookpipe/lib';
import { getTestEnv, type TestEnv } from '../env.js';
import { apiClient, database, receiverApi } from '../support/http.js';
import { pollUntil, unique } from '../support/poll.js';

// API keys with scopes on the receiver's API, against the real consumer and its database.
let env: TestEnv;
let db: ReturnType<typeof database>;
beforeAll(async () => {
  env = await getTestEnv();
  db = database(env.databaseUrl);
});
afterAll(async () => {
  await db?.end();
});

describe('scoped API keys (receiver)', () => {
  it('a key does what its scopes allow, 403 names the missing scope, revoked and expired keys get 401', async () => {
    const admin = receiverApi(env);
    const created = await admin.post('/keys', { name: unique('reader'), scopes: ['events:read'] });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    const key = String(created.json.key);
    expect(key).toMatch(/^hpk_[0-9A-Za-z]{40}$/);
    const id = String(created.json.id);

    // Stored as a hash only, never shown again.
    expect(
      await db.count("SELECT count(*) FROM api_keys WHERE key_sha256 = sha256(convert_to($1, 'UTF8'))", [
        key,
      ]),
    ).toBe(1);
    expect(JSON.stringify(await db.query('SELECT * FROM api_keys WHERE id = $1', [id]))).not.toContain(key);
    const listed = await admin.get('/keys');
    expect(JSON.stringify(listed.json)).not.toContain(key);
    expect((listed.json.data as { id: string }[]).map((k) => k.id)).toContain(id);

    const reader = apiClient(env.consumerUrl, key);
    expect((await reader.get('/events?limit=1')).status).toBe(200);
    expect((await reader.get('/keys/current')).json).toMatchObject({ id, scopes: ['events:read'] });
    const refused = await reader.post('/secrets', { customer_id: unique('c'), secret: generateSecret() });
    expect(refused.status).toBe(403);
    expect(refused.json).toMatchObject({ error: 'missing_scope', details: { missing: 'secrets:write' } });
    expect((await reader.get('/keys')).json).toMatchObject({
      error: 'missing_scope',
      details: { missing: 'admin' },
    });

    // Its use is recorded.
    await pollUntil(async () => (await admin.get(`/keys/${id}`)).json.last_used_at !== null, {
      timeoutMs: 5000,
      what: 'last_used_at',
    });

    // More scopes through PATCH, then revoked.
    const patched = await admin.patch(`/keys/${id}`, { scopes: ['events:read', 'secrets:write'] });
    expect(patched.json).toMatchObject({ scopes: ['events:read', 'secrets:write'] });
    expect(
      (await reader.post('/secrets', { customer_id: unique('c'), secret: generateSecret() })).status,
    ).toBe(201);
    expect((await admin.delete(`/keys/${id}`)).status).toBe(204);
    const revoked = await reader.get('/events?limit=1');
    expect(revoked.status).toBe(401);
    expect(revoked.json).toMatchObject({ error: 'unauthorized', message: 'this API key was revoked' });

    // An expired key, and one nobody made.
    const past = await admin.post('/keys', {
      name: unique('expired'),
      scopes: ['admin'],
      expires_at: '2020-01-01T00:00:00Z',
    });
    const expired = await apiClient(env.consumerUrl, String(past.json.key)).get('/events');
    expect(expired.json).toMatchObject({ error: 'unauthorized', message: 'this API key has expired' });
    expect((await apiClient(env.consumerUrl, `hpk_${'x'.repeat(40)}`).get('/events')).status).toBe(401);

    // Bad input names the field.
    const bad = await admin.post('/keys', { name: 'x', scopes: ['everything'] });
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({
      error: 'validation_failed',
      details: [expect.objectContaining({ field: 'scopes.0' })],
    });
  });
});
