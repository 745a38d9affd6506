import { describe, expect, it } from 'vitest';
import { DEFAULT_ALLOWED_HOSTS, makeTargetPolicy, silentLogger, systemClock } from '@hookpipe/lib';
import { finishApiApp, makeApiApp, makeKeyAuth } from '@hookpipe/lib/api';
import type { OperationalEndpointView, OperationalEndpointsStore } from '../ops/endpoints-store.js';
import { registerOperationalWebhookRoutes } from './operational-webhook-routes.js';

const KEY = 'admin-key';
const headers = { 'X-API-Key': KEY, 'Content-Type': 'application/json' };

/** The routes over an in-memory store that records what it was given (secrets included). */
function testApp(allowed: readonly string[] = DEFAULT_ALLOWED_HOSTS) {
  const stored = new Map<string, OperationalEndpointView & { secret: string }>();
  const store: OperationalEndpointsStore = {
    create: (input) => {
      const view = {
        id: `opwh_${String(stored.size).padStart(26, '0')}`,
        url: input.url,
        signature_scheme: input.scheme,
        event_types: [...input.eventTypes],
        description: input.description,
        active: true,
        created_at: 'now',
      };
      stored.set(view.id, { ...view, secret: input.secret });
      return Promise.resolve(view);
    },
    list: () => Promise.resolve([...stored.values()].map(({ secret: _s, ...view }) => view)),
    get: () => Promise.resolve(null),
    update: () => Promise.resolve(null),
    remove: () => Promise.resolve(false),
    deliveries: () => Promise.resolve(null),
  };
  const app = makeApiApp();
  const logger = silentLogger();
  app.use('*', makeKeyAuth({ bootstrapKeys: [KEY], open: [], clock: systemClock, logger }).middleware);
  registerOperationalWebhookRoutes(app, {
    store,
    targets: makeTargetPolicy(allowed, 'CONSUMER_ALLOWED_HOSTS'),
  });
  finishApiApp(app, { title: 't', version: '0', description: 'd' }, logger);
  return { app, stored };
}

const post = (app: ReturnType<typeof testApp>['app'], body: unknown) =>
  app.request('/operational-webhooks', { method: 'POST', headers, body: JSON.stringify(body) });

describe('/operational-webhooks', () => {
  it('answers the secret once, generated for the scheme, and never lists it', async () => {
    const { app, stored } = testApp();
    const res = await post(app, { url: 'http://127.0.0.1:9000/ops' });
    expect(res.status).toBe(201);
    const created = (await res.json()) as { secret: string; event_types: string[]; signature_scheme: string };
    expect(created).toMatchObject({ event_types: ['*'], signature_scheme: 'standard-webhooks' });
    expect(created.secret).toMatch(/^whsec_/);
    expect([...stored.values()][0]?.secret).toBe(created.secret);
    const listed = await (await app.request('/operational-webhooks', { headers })).text();
    expect(listed).not.toContain(created.secret);
  });

  it('checks a given secret against the scheme, and the url', async () => {
    const { app, stored } = testApp();
    const bad = await post(app, {
      url: 'http://127.0.0.1/ops',
      signature_scheme: 'standard-webhooks',
      secret: 'x',
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ details: [{ field: 'secret' }] });
    const url = await post(app, { url: 'http://user:pw@127.0.0.1/ops' });
    expect(url.status).toBe(400);
    expect(await url.json()).toMatchObject({ details: [{ field: 'url' }] });
    expect(stored.size).toBe(0);
  });

  it('takes only hosts in CONSUMER_ALLOWED_HOSTS, on POST and PATCH, as the sender does', async () => {
    const { app, stored } = testApp();
    const res = await post(app, { url: 'http://ops.example.com/hooks' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      details: [{ field: 'url', message: expect.stringContaining('CONSUMER_ALLOWED_HOSTS') as unknown }],
    });
    const patch = await app.request('/operational-webhooks/opwh_01JC0000000000000000000000', {
      method: 'PATCH',
      headers,
      body: JSON.stringify({ url: 'http://10.0.0.1/ops' }),
    });
    expect(patch.status).toBe(400);
    expect(await patch.json()).toMatchObject({ details: [{ field: 'url' }] });
    expect(stored.size).toBe(0);

    const wider = testApp(['*.example.com']);
    expect((await post(wider.app, { url: 'http://ops.example.com/hooks' })).status).toBe(201);
    expect((await post(wider.app, { url: 'http://127.0.0.1/ops' })).status).toBe(400);
  });

  it('an unknown event type: 422 naming the field and the allowed values, nothing stored', async () => {
    const { app, stored } = testApp();
    const res = await post(app, { url: 'http://127.0.0.1/ops', event_types: ['message.attempt.exhausted'] });
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({
      error: 'validation_failed',
      details: [
        { field: 'event_types.0', message: expect.stringContaining('dead_letter.created') as unknown },
      ],
    });
    expect(stored.size).toBe(0);
  });

  it('lists the event payloads in the document’s webhooks', async () => {
    const { app } = testApp();
    const doc = (await (await app.request('/openapi.json', { headers })).json()) as {
      webhooks: Record<string, unknown>;
    };
    expect(Object.keys(doc.webhooks).sort()).toEqual(['dead_letter.created', 'dead_letter.replayed']);
  });
});
