import { generateSecret, signatureHeaders } from '@hookpipe/lib';
import type { BenchRequest } from './load.js';

export interface BenchCustomer {
  id: string;
  secret: string;
}

/** `n` customers of one run, each with a fresh secret. */
export const makeCustomers = (runId: string, n: number): BenchCustomer[] =>
  Array.from({ length: n }, (_, i) => ({ id: `bench-${runId}-c${i}`, secret: generateSecret(32) }));

const TYPES = ['order.created', 'order.paid', 'payment.succeeded', 'invoice.paid', 'user.updated'];

/** A body in the contract's shape, about the size of the sender's catalog events (~350 bytes). */
function body(runId: string, i: number, now: Date): Buffer {
  return Buffer.from(
    JSON.stringify({
      type: TYPES[i % TYPES.length],
      timestamp: now.toISOString(),
      data: {
        id: `ord_${runId}_${i}`,
        customer: { id: `cus_${i % 977}`, email: `buyer${i % 977}@example.com` },
        amount: 1000 + ((i * 37) % 90_000),
        currency: 'EUR',
        lines: [{ sku: `sku-${i % 97}`, quantity: 1 + (i % 4), unit_amount: 2599 }],
        metadata: { channel: 'web', bench: true },
      },
    }),
  );
}

/**
 * Which ingress path the webhooks are sent to: `customer` is `/webhook/<customer_id>` (the URL a
 * registration gets by default: only that customer's secrets are tried), `bare` is the seed's
 * `/webhook` (the keyring is searched). BENCH_INGEST_PATH picks it for the ingest and e2e scenarios.
 */
export type IngressPath = 'customer' | 'bare';

export function ingressPathFromEnv(value = process.env.BENCH_INGEST_PATH): IngressPath {
  if (value === undefined || value === '' || value === 'customer') return 'customer';
  if (value === 'bare') return 'bare';
  throw new Error(`BENCH_INGEST_PATH must be "customer" or "bare", not ${JSON.stringify(value)}`);
}

/** A customer's own ingress path, `/webhook/<customer_id>`. */
export const customerIngressPath = (customerId: string) => `/webhook/${encodeURIComponent(customerId)}`;

/**
 * Distinct, correctly signed webhooks spread round-robin over the customers. `presign(n)` signs
 * the next `n` ahead (timestamps are now, so use them within the ±300 s tolerance); `next()`
 * hands them out and signs on the spot only when the pre-signed ones run out (counted). With
 * `path: 'customer'` each request carries its customer's `/webhook/<customer_id>` path.
 */
export function makeSignedSource(
  runId: string,
  customers: BenchCustomer[],
  options: { path?: IngressPath } = {},
) {
  const paths = customers.map((c) => (options.path === 'customer' ? customerIngressPath(c.id) : undefined));
  let seq = 0;
  let ready: BenchRequest[] = [];
  let at = 0;
  let signedOnTheFly = 0;
  const make = (): BenchRequest => {
    const i = seq++;
    const k = i % customers.length;
    const customer = customers[k]!;
    const path = paths[k];
    const now = new Date();
    const payload = body(runId, i, now);
    const id = `msg_bench_${runId}_${i}`;
    return {
      ...(path === undefined ? {} : { path }),
      body: payload,
      headers: {
        'content-type': 'application/json',
        ...signatureHeaders({
          id,
          timestamp: Math.floor(now.getTime() / 1000),
          body: payload,
          secrets: customer.secret,
        }),
      },
    };
  };
  return {
    presign(n: number) {
      ready = Array.from({ length: n }, make);
      at = 0;
    },
    next: (): BenchRequest => {
      if (at < ready.length) return ready[at++]!;
      signedOnTheFly += 1;
      return make();
    },
    stats: () => ({ made: seq, signedOnTheFly }),
  };
}
