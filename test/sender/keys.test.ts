import { beforeAll, describe, expect, it } from 'vitest';
import { getTestEnv, type TestEnv } from '../env.js';
import { apiClient, senderApi } from '../support/http.js';
import { unique } from '../support/poll.js';

// API keys with scopes on the sender's API (the kit the receiver's API uses too; its own suite
// covers revocation, expiry and storage in detail).
let env: TestEnv;
beforeAll(async () => {
  env = await getTestEnv();
});

describe('scoped API keys (sender)', () => {
  it('a read-only key lists webhooks and is refused registration with the scope it lacks', async () => {
    const admin = senderApi(env);
    const created = await admin.post('/keys', { name: unique('ci-reader'), scopes: ['webhooks:read'] });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    const reader = apiClient(env.senderUrl, String(created.json.key));
    expect((await reader.get('/webhooks?limit=1')).status).toBe(200);
    const refused = await reader.post('/webhooks', {
      customer_id: unique('c'),
      webhook_url: 'http://127.0.0.1:9/webhook',
    });
    expect(refused.status).toBe(403);
    expect(refused.json).toMatchObject({ error: 'missing_scope', details: { missing: 'webhooks:write' } });
    const emit = await reader.post('/emitter/start?customer_id=x&webhook_id=y');
    expect(emit.json).toMatchObject({ details: { missing: 'emitters:write' } });
    expect((await admin.delete(`/keys/${String(created.json.id)}`)).status).toBe(204);
    expect((await reader.get('/webhooks?limit=1')).status).toBe(401);
  });
});
