import { createHash } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { coveredBy } from './linker.js';
import { makeReceiverClient } from './receiver-client.js';

const BASE = 'http://receiver.test';
const KEY = 'rk_receiver-key-for-tests';
const SECRET = 'a GitHub secret of sixteen+ chars';
const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const client = makeReceiverClient({ url: `${BASE}/`, apiKey: KEY });
const install = () =>
  client.install({ customerId: 'acme', secret: SECRET, scheme: 'github', label: 'webhook wh_1' });

describe('the receiver client', () => {
  it('installs with the key and the scheme, and returns the receiver’s id', async () => {
    let sent: unknown;
    server.use(
      http.post(`${BASE}/secrets`, async ({ request }) => {
        expect(request.headers.get('x-api-key')).toBe(KEY);
        sent = await request.json();
        return HttpResponse.json({ id: 41, customer_id: 'acme' }, { status: 201 });
      }),
    );
    expect(await install()).toEqual({ ok: true, receiverSecretId: 41 });
    expect(sent).toEqual({
      customer_id: 'acme',
      secret: SECRET,
      signature_scheme: 'github',
      label: 'webhook wh_1',
    });
  });

  it('counts a secret the receiver already holds for the customer as installed, not ours to remove', async () => {
    const fingerprint = createHash('sha256').update(SECRET).digest('hex').slice(0, 12);
    server.use(
      http.post(`${BASE}/secrets`, () => HttpResponse.json({ error: 'secret_exists' }, { status: 409 })),
      http.get(`${BASE}/secrets`, () =>
        HttpResponse.json({ data: [{ id: 7, fingerprint, signature_scheme: 'github' }] }),
      ),
    );
    expect(await install()).toEqual({ ok: true, receiverSecretId: null });
  });

  it('says what the receiver answered, never repeating the secret', async () => {
    server.use(
      http.post(`${BASE}/secrets`, () =>
        HttpResponse.text(`bad secret ${SECRET}\n  indeed`, {
          status: 400,
          headers: { 'content-type': 'text/plain' },
        }),
      ),
    );
    const refused = await install();
    expect(refused).toEqual({
      ok: false,
      status: 400,
      retryAfter: null,
      message: 'the receiver answered 400: bad secret [secret] indeed',
    });
    server.use(
      http.post(
        `${BASE}/secrets`,
        () => new HttpResponse('busy', { status: 503, headers: { 'Retry-After': '3' } }),
      ),
    );
    expect(await install()).toMatchObject({ ok: false, status: 503, retryAfter: '3' });
    let tries = 0;
    server.use(
      http.post(`${BASE}/secrets`, () => {
        tries += 1;
        return HttpResponse.error();
      }),
    );
    const quick = makeReceiverClient({ url: BASE, apiKey: KEY, retryDelaysMs: [1, 1] });
    expect(
      await quick.install({ customerId: 'acme', secret: SECRET, scheme: 'github', label: 'webhook wh_1' }),
    ).toMatchObject({ ok: false, status: null, message: /did not answer/ });
    expect(tries).toBe(3);
  });

  it('tries an install the receiver did not answer again; one the first try made is found held', async () => {
    const fingerprint = createHash('sha256').update(SECRET).digest('hex').slice(0, 12);
    let tries = 0;
    server.use(
      http.post(`${BASE}/secrets`, () => {
        tries += 1;
        // The first try reached the receiver, its answer was lost.
        return tries === 1
          ? HttpResponse.error()
          : HttpResponse.json({ error: 'secret_exists' }, { status: 409 });
      }),
      http.get(`${BASE}/secrets`, () =>
        HttpResponse.json({ data: [{ id: 7, fingerprint, signature_scheme: 'github' }] }),
      ),
    );
    const quick = makeReceiverClient({ url: BASE, apiKey: KEY, retryDelaysMs: [1, 1] });
    expect(
      await quick.install({ customerId: 'acme', secret: SECRET, scheme: 'github', label: 'webhook wh_1' }),
    ).toEqual({ ok: true, receiverSecretId: null });
    expect(tries).toBe(2);
  });

  it('removes by id; one already gone counts as removed', async () => {
    server.use(http.delete(`${BASE}/secrets/41`, () => new HttpResponse(null, { status: 204 })));
    expect(await client.remove(41)).toEqual({ ok: true });
    server.use(
      http.delete(`${BASE}/secrets/42`, () =>
        HttpResponse.json({ error: 'secret_not_found' }, { status: 404 }),
      ),
    );
    expect(await client.remove(42)).toEqual({ ok: true });
    server.use(http.delete(`${BASE}/secrets/43`, () => HttpResponse.text('down', { status: 500 })));
    expect(await client.remove(43)).toMatchObject({ ok: false, status: 500 });
  });
});

describe('which URLs are on the stack’s ingress', () => {
  it('matches a prefix at a path boundary only', () => {
    const prefixes = ['http://127.0.0.1:8081', 'http://localhost:8081/'];
    expect(coveredBy(prefixes, 'http://127.0.0.1:8081/webhook')).toBe(true);
    expect(coveredBy(prefixes, 'http://localhost:8081/webhook/acme')).toBe(true);
    expect(coveredBy(prefixes, 'http://127.0.0.1:8081')).toBe(true);
    expect(coveredBy(prefixes, 'http://127.0.0.1:80810/webhook')).toBe(false);
    expect(coveredBy(prefixes, 'http://127.0.0.1:9000/webhook')).toBe(false);
  });
});
