/**
 * The live dashboard in headless Chromium on the real local stack: keys typed into the page, an
 * emitter started with its button, counts rising, a dead letter replayed with its button and the
 * inspector showing the persisted row; a 300-character event type cut in the tables, not run over
 * into the inspector; the signature schemes verified and a receiver fault profile with the faults it
 * injected; the scopes a typed key lacks named with what will not work. Saves
 * test-results/dashboard.png.
 */
import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { githubHeaders, signatureHeaders } from '@hookpipe/lib';
import { getTestEnv, type TestEnv } from '../env.js';
import { receiverApi, senderApi } from '../support/http.js';
import { pollUntil, unique } from '../support/poll.js';
import { newWebhook, stopEmitter, type Webhook } from '../e2e/scenario.js';
import { launchChromium, type Browser } from './browser.js';

const SCREENSHOT = path.resolve('test-results', 'dashboard.png');
const SCREENSHOT_LIVE = path.resolve('test-results', 'dashboard-live.png');

let env: TestEnv;
let browser: Browser;
let page: Page;
let webhook: Webhook;
const requestedUrls: string[] = [];

beforeAll(async () => {
  env = await getTestEnv();
  webhook = await newWebhook(env, 'dashboard');
  browser = await launchChromium();
  page = await browser.context.newPage();
  page.on('request', (r) => requestedUrls.push(r.url()));
});

afterAll(async () => {
  if (webhook) await stopEmitter(env, webhook).catch(() => undefined);
  await browser?.close();
});

/** The number in an element such as `<span>delivered <b>12</b></span>`. */
async function numberIn(page: Page, selector: string): Promise<number> {
  const text = await page.locator(selector).first().locator('b').textContent();
  return Number((text ?? '').replace(/[^\d]/g, ''));
}

/** The number in an element such as `<span>github <b>3</b></span>`; 0 while it is not on the page. */
async function numberOrZero(selector: string): Promise<number> {
  if ((await page.locator(selector).count()) === 0) return 0;
  return numberIn(page, selector);
}

/** Sends one signed event of `type` for the test's customer through nginx; returns its webhook-id. */
async function sendEvent(type: string, data: Record<string, unknown>): Promise<string> {
  const id = unique('msg_dash');
  const body = JSON.stringify({ type, timestamp: new Date().toISOString(), data });
  const timestamp = Math.floor(Date.now() / 1000);
  const res = await fetch(`${env.ingressUrl}/webhook`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...signatureHeaders({ id, timestamp, body, secrets: webhook.secret }),
    },
    body,
  });
  expect(res.status, await res.text()).toBe(202);
  return id;
}

describe('dashboard', () => {
  it('shows the API’s error for a wrong key, then works with the right keys', async () => {
    await page.goto(`${env.consumerUrl}/dashboard`);
    await page.locator('#keys').waitFor({ state: 'visible' });
    await page.fill('#sender-key', env.senderApiKey);
    await page.fill('#receiver-key', 'not-the-receiver-key');
    await page.click('#keys-form button[type=submit]');
    // The consumer's own 401 message, as the API sent it.
    await expect
      .poll(() => page.locator('#live-text').textContent(), { timeout: 10_000 })
      .toContain('the X-API-Key is not valid');

    await page.click('#keys-toggle');
    await page.fill('#receiver-key', env.receiverApiKey);
    await page.click('#keys-form button[type=submit]');
    await expect.poll(() => page.locator('#live-text').textContent(), { timeout: 10_000 }).toContain('live');
    await page.locator('[data-testid=replica]').first().waitFor();
    expect(await page.locator('[data-testid=replica]').count()).toBe(env.handlerUrls.length);
  });

  it('starts an emitter with the button and sees the counts rise', async () => {
    await page.fill('#start-form input[name=customer_id]', webhook.customerId);
    await page.fill('#start-form input[name=webhook_id]', webhook.webhookId);
    await page.fill('#start-form input[name=rate]', '6');
    await page.fill('#start-form input[name=retry]', '0.1');
    await page.fill('#start-form input[name=dead]', '0.1');
    await page.click('[data-testid=start-submit]');

    const row = `[data-testid=emitter][data-webhook="${webhook.webhookId}"]`;
    await page.locator(`${row}[data-status=running]`).waitFor({ timeout: 15_000 });
    const delivered = `${row} [data-testid=emitter-delivered]`;
    const first = await pollUntil(
      async () => {
        const n = await numberIn(page, delivered);
        return n >= 3 ? n : undefined;
      },
      { timeoutMs: 30_000, what: 'the emitter row to show deliveries', intervalMs: 250 },
    );
    await pollUntil(async () => (await numberIn(page, delivered)) > first + 5, {
      timeoutMs: 30_000,
      what: `delivered to rise above ${first + 5} on the page`,
      intervalMs: 250,
    });
    // The receiver's side of the page moves too: rows in the database, records in Kafka.
    const persisted = '[data-testid=consumer-totals] .stat:first-child .value';
    const before = Number((await page.locator(persisted).textContent())?.replace(/[^\d]/g, ''));
    await pollUntil(
      async () => Number((await page.locator(persisted).textContent())?.replace(/[^\d]/g, '')) > before,
      { timeoutMs: 20_000, what: 'the persisted total to rise', intervalMs: 250 },
    );
    await pollUntil(
      async () => {
        const text = await page
          .locator('[data-testid=topic][data-topic="webhooks.events"] .fig')
          .first()
          .textContent();
        return Number.parseFloat(text ?? '0') > 0;
      },
      { timeoutMs: 20_000, what: 'records/s on webhooks.events above 0', intervalMs: 250 },
    );
    await mkdir(path.dirname(SCREENSHOT_LIVE), { recursive: true });
    await page.screenshot({ path: SCREENSHOT_LIVE, fullPage: true });
  });

  it('replays a dead letter with the button and the inspector shows the persisted row', async () => {
    // The emitter's dead share makes dead letters (after the consumer's retries), drawn at random
    // per event: keep it running until the customer has one, then stop it, so the list stops
    // growing, and take one of the customer's open dead letters the page shows.
    const receiver = receiverApi(env);
    const openOfCustomer = `/dead-letters?customer_id=${encodeURIComponent(webhook.customerId)}&status=open&limit=50`;
    await pollUntil(async () => ((await receiver.get(openOfCustomer)).json.data ?? []).length > 0, {
      timeoutMs: 60_000,
      what: 'a first dead letter of the test customer',
      intervalMs: 500,
    });
    await page.click(`[data-testid=emitter][data-webhook="${webhook.webhookId}"] [data-testid=emitter-stop]`);
    await page
      .locator(`[data-testid=emitter][data-webhook="${webhook.webhookId}"][data-status=stopped]`)
      .waitFor({ timeout: 15_000 });
    const dl = await pollUntil(
      async () => {
        const res = await receiver.get(openOfCustomer);
        for (const d of (res.json.data ?? []) as { id: number; webhook_id: string }[]) {
          if ((await page.locator(`[data-testid=dead-letter][data-id="${d.id}"]`).count()) > 0) return d;
        }
        return undefined;
      },
      { timeoutMs: 60_000, what: 'an open dead letter of the test customer on the page', intervalMs: 500 },
    );
    const row = page.locator(`[data-testid=dead-letter][data-id="${dl.id}"]`);
    await row.locator('[data-testid=replay]').click();
    await expect
      .poll(() => page.locator('[data-testid=replay-message]').textContent(), { timeout: 10_000 })
      .toContain(`#${dl.id} replayed`);
    await row.locator('.badge', { hasText: 'replayed' }).waitFor({ timeout: 10_000 });

    await row.click();
    const inspector = page.locator(`[data-testid=inspector-body][data-outcome=persisted]`);
    await inspector.waitFor({ timeout: 30_000 });
    expect(await inspector.locator('.insp-title .mono').textContent()).toBe(dl.webhook_id);
    expect(await page.locator('[data-testid=inspector-outcome]').textContent()).toContain('Row in events');
    expect(await page.locator('[data-testid=inspector-signature]').textContent()).toContain(
      webhook.customerId,
    );
    // What the page says is what the API says.
    const stored = await receiver.get(`/events/${encodeURIComponent(dl.webhook_id)}`);
    expect(stored.status).toBe(200);

    await mkdir(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
  });

  it('cuts a 300-character event type in the tables, with the whole of it on hover', async () => {
    // What an API fuzzer sends: one such event stored, one dead-lettered.
    const type = `fuzz.${'x'.repeat(295)}`;
    const stored = await sendEvent(type, {});
    const dead = await sendEvent(type, { simulate: { fail: 'always' } });

    const cell = page.locator(`[data-testid=event-row][data-webhook="${stored}"] td.clip`);
    await cell.waitFor({ timeout: 30_000 });
    expect(await cell.getAttribute('title')).toBe(type);
    // Strings, not functions: the test project has no DOM types.
    const cut = `(td => td.scrollWidth > td.clientWidth)(document.querySelector('[data-webhook="${stored}"] td.clip'))`;
    expect(await page.evaluate(cut)).toBe(true);
    const [box, inspector] = await Promise.all([
      cell.boundingBox(),
      page.locator('#inspector').boundingBox(),
    ]);
    expect(box!.x + box!.width).toBeLessThanOrEqual(inspector!.x);

    const caption = page.locator(`[data-testid=dead-letter][data-webhook="${dead}"] .caption`);
    await caption.waitFor({ timeout: 60_000 });
    expect(await caption.getAttribute('title')).toContain(type);

    // Nothing runs off the page (the dead letter's caption did), the inspector showing the event included.
    await page.locator(`[data-testid=event-row][data-webhook="${stored}"]`).click();
    await page
      .locator('[data-testid=inspector-body][data-outcome=persisted] .insp-title', { hasText: stored })
      .waitFor({ timeout: 30_000 });
    expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
  });

  it('shows the signature schemes verified and the receiver fault profiles in force, with the faults injected', async () => {
    // A customer of its own, signing the GitHub way, whose first attempt of each delivery meets a 503.
    const receiver = receiverApi(env);
    const customerId = unique('cust-dash-github');
    const key = `gh secret ${randomUUID()}`;
    const secret = await receiver.post('/secrets', {
      customer_id: customerId,
      secret: key,
      signature_scheme: 'github',
    });
    expect(secret.status, JSON.stringify(secret.json)).toBe(201);
    const faultsPath = `/faults/${encodeURIComponent(customerId)}`;
    const put = await receiver.put(faultsPath, {
      status: { share: 1, code: 503, retry_after_s: 1 },
      first_attempts: 1,
    });
    expect(put.status, JSON.stringify(put.json)).toBe(200);
    try {
      const profile = page.locator(`[data-testid=fault-profile][data-customer="${customerId}"]`);
      await profile.waitFor({ timeout: 15_000 });
      expect(await profile.textContent()).toContain('503 × 100% (Retry-After 1 s) · first 1 attempts');

      const before = await numberOrZero('[data-testid=injected-count][data-kind=status]');
      const deliver = async (id: string) => {
        const body = JSON.stringify({ action: 'opened', issue: { number: 1 } });
        const res = await fetch(`${env.ingressUrl}/webhook/${encodeURIComponent(customerId)}`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...githubHeaders({ id, eventType: 'issues', body, key: Buffer.from(key) }),
          },
          body,
        });
        return res.status;
      };
      // Until every replica knows the secret and the profile a delivery may be refused (401) or
      // pass (202); a fresh delivery id each time until one meets the injected 503, then its retry passes.
      const faulted = await pollUntil(
        async () => {
          const id = randomUUID();
          return (await deliver(id)) === 503 ? id : undefined;
        },
        { timeoutMs: 15_000, what: 'a GitHub delivery answered with the injected 503', intervalMs: 200 },
      );
      // Its retry is the second attempt: past first_attempts, it passes.
      await pollUntil(async () => (await deliver(faulted)) === 202, {
        timeoutMs: 5000,
        what: 'the retry of the faulted delivery to be accepted',
        intervalMs: 200,
      });

      await pollUntil(
        async () => (await numberOrZero('[data-testid=scheme-count][data-scheme=github]')) > 0,
        {
          timeoutMs: 20_000,
          what: 'the github count on the page',
          intervalMs: 250,
        },
      );
      await pollUntil(
        async () => (await numberOrZero('[data-testid=injected-count][data-kind=status]')) > before,
        { timeoutMs: 20_000, what: 'the injected status count to rise on the page', intervalMs: 250 },
      );
      expect(await numberOrZero('[data-testid=scheme-count][data-scheme=standard-webhooks]')).toBeGreaterThan(
        0,
      );
      expect(await page.locator('[data-testid=faults-injected]').textContent()).toMatch(
        /^[1-9][\d,]* injected$/,
      );
    } finally {
      await receiver.delete(faultsPath);
    }
    await page
      .locator(`[data-testid=fault-profile][data-customer="${customerId}"]`)
      .waitFor({ state: 'detached', timeout: 15_000 });
  });

  it('names each scope a typed key lacks, with what will not work, and says nothing once the keys hold them', async () => {
    const reader = await receiverApi(env).post('/keys', {
      name: unique('dash-reader'),
      scopes: ['events:read'],
    });
    const emitterKey = await senderApi(env).post('/keys', {
      name: unique('dash-emitters'),
      scopes: ['webhooks:read', 'emitters:write'],
    });
    expect(reader.status, JSON.stringify(reader.json)).toBe(201);
    expect(emitterKey.status, JSON.stringify(emitterKey.json)).toBe(201);
    const typeKeys = async (sender: string, receiver: string) => {
      await page.click('#keys-toggle');
      await page.fill('#sender-key', sender);
      await page.fill('#receiver-key', receiver);
      await page.click('#keys-form button[type=submit]');
    };
    try {
      await typeKeys(String(emitterKey.json.key), String(reader.json.key));
      const missing = page.locator('[data-testid=missing-scope]');
      await missing.first().waitFor({ timeout: 10_000 });
      // The receiver key lacks the replay scope; the sender key holds both of the sender's.
      expect(await missing.count()).toBe(1);
      expect(await missing.getAttribute('data-scope')).toBe('dead-letters:write');
      expect(await missing.getAttribute('data-api')).toBe('receiver');
      expect(await missing.textContent()).toContain(`"${String(reader.json.name)}" lacks dead-letters:write`);
      expect(await missing.textContent()).toContain('replay dead letters');
    } finally {
      await typeKeys(env.senderApiKey, env.receiverApiKey);
      await receiverApi(env).post(`/keys/${String(reader.json.id)}/revoke`);
      await senderApi(env).post(`/keys/${String(emitterKey.json.id)}/revoke`);
    }
    // The bootstrap keys are admin: nothing is missing.
    await page.locator('[data-testid=key-scopes]').waitFor({ state: 'hidden', timeout: 10_000 });
    await expect.poll(() => page.locator('#live-text').textContent(), { timeout: 10_000 }).toContain('live');
  });

  it('never puts a key in a URL and keeps them in session storage', async () => {
    expect(requestedUrls.length).toBeGreaterThan(10);
    for (const url of requestedUrls) {
      expect(url).not.toContain(env.senderApiKey);
      expect(url).not.toContain(env.receiverApiKey);
    }
    // Strings, not functions: the test project has no DOM types.
    const stored = await page.evaluate('Object.values(sessionStorage)');
    expect(stored).toEqual(expect.arrayContaining([env.senderApiKey, env.receiverApiKey]));
    expect(await page.evaluate('localStorage.length')).toBe(0);
    expect(page.url()).toBe(`${env.consumerUrl}/dashboard`);
  });
});
