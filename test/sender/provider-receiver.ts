/**
 * A receiver written from the providers' own documentation, sharing no code with hookpipe's
 * signing: each path verifies with the provider's library (`@octokit/webhooks-methods` for
 * GitHub, `stripe.webhooks.constructEvent` for Stripe, `standardwebhooks` for Standard
 * Webhooks), takes the message id the way that provider's docs say (`X-GitHub-Delivery`, the
 * Stripe event's `id`, `webhook-id`), and keeps one copy per message id.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { verify as verifyGithub } from '@octokit/webhooks-methods';
import Stripe from 'stripe';
import { Webhook } from 'standardwebhooks';

export type Provider = 'github' | 'stripe' | 'standard-webhooks';

export interface Verified {
  provider: Provider;
  id: string;
  eventType: string;
  body: unknown;
}

const stripe = new Stripe('sk_test_unused');

async function verifyOne(
  provider: Provider,
  secret: string,
  headers: http.IncomingHttpHeaders,
  raw: Buffer,
): Promise<Omit<Verified, 'provider'> | null> {
  const header = (name: string) => {
    const v = headers[name];
    return typeof v === 'string' ? v : undefined;
  };
  try {
    switch (provider) {
      case 'github': {
        const signature = header('x-hub-signature-256');
        const id = header('x-github-delivery');
        const eventType = header('x-github-event');
        if (!signature || !id || !eventType) return null;
        if (!(await verifyGithub(secret, raw.toString('utf8'), signature))) return null;
        return { id, eventType, body: JSON.parse(raw.toString('utf8')) as unknown };
      }
      case 'stripe': {
        const event = stripe.webhooks.constructEvent(raw, header('stripe-signature') ?? '', secret);
        return { id: event.id, eventType: event.type, body: event };
      }
      case 'standard-webhooks': {
        const body = new Webhook(secret).verify(raw, headers as Record<string, string>) as { type: string };
        return { id: header('webhook-id')!, eventType: body.type, body };
      }
    }
  } catch {
    return null;
  }
}

/** Starts the receiver on 127.0.0.1; `/<provider>` paths verify with the secrets given for it. */
export async function startProviderReceiver() {
  const secrets = new Map<Provider, string[]>();
  const firsts: Verified[] = [];
  const duplicates: Verified[] = [];
  const refused: { provider: Provider; headers: http.IncomingHttpHeaders }[] = [];
  const seen = new Set<string>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const provider = (req.url ?? '').slice(1) as Provider;
        const raw = Buffer.concat(chunks);
        let verified: Omit<Verified, 'provider'> | null = null;
        for (const secret of secrets.get(provider) ?? []) {
          verified = await verifyOne(provider, secret, req.headers, raw);
          if (verified) break;
        }
        if (!verified) {
          refused.push({ provider, headers: req.headers });
          res
            .writeHead(401, { 'content-type': 'text/plain' })
            .end('signature refused by the provider library');
          return;
        }
        const key = `${provider}:${verified.id}`;
        (seen.has(key) ? duplicates : firsts).push({ provider, ...verified });
        seen.add(key);
        res.writeHead(200).end();
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: (provider: Provider) => `${base}/${provider}`,
    /** The secrets the receiver accepts for a provider (a rotation adds the new one). */
    accept: (provider: Provider, secret: string) =>
      secrets.set(provider, [...(secrets.get(provider) ?? []), secret]),
    firsts: (provider: Provider) => firsts.filter((v) => v.provider === provider),
    duplicates: (provider: Provider) => duplicates.filter((v) => v.provider === provider),
    refused: (provider: Provider) => refused.filter((r) => r.provider === provider),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
