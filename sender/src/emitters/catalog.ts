import { Faker, base, en } from '@faker-js/faker';
import type { JsonSchema } from 'json-schema-faker';
import { generateFromSchema } from '../event-types/schema-check.js';
import type { Data } from '../model/webhook.js';

/**
 * The event catalog: realistic payloads for the event types emitters and /trigger send,
 * shaped like the providers this project learns from (amounts in minor units, ISO times).
 */
export type { Data };
type Generator = (f: Faker, now: Date) => Data;

const money = (f: Faker, min = 500, max = 50_000) => f.number.int({ min, max });
const id = (f: Faker, prefix: string) =>
  `${prefix}_${f.string.alphanumeric({ length: 14, casing: 'mixed' })}`;
const currency = (f: Faker) => f.helpers.arrayElement(['usd', 'eur', 'gbp', 'jpy', 'chf']);
const customer = (f: Faker) => {
  const first = f.person.firstName();
  const last = f.person.lastName();
  return {
    id: id(f, 'cus'),
    name: `${first} ${last}`,
    email: f.internet.email({ firstName: first, lastName: last }).toLowerCase(),
  };
};
const iso = (d: Date) => d.toISOString();

const GENERATORS: Record<string, { description: string; generate: Generator }> = {
  'order.created': {
    description: 'A customer placed an order.',
    generate: (f, now) => {
      const items = Array.from({ length: f.number.int({ min: 1, max: 4 }) }, () => ({
        sku: f.string.alphanumeric({ length: 8, casing: 'upper' }),
        name: f.commerce.productName(),
        quantity: f.number.int({ min: 1, max: 5 }),
        unit_amount: money(f, 199, 20_000),
      }));
      return {
        order_id: id(f, 'ord'),
        customer: customer(f),
        items,
        currency: currency(f),
        amount_total: items.reduce((sum, i) => sum + i.quantity * i.unit_amount, 0),
        shipping_address: {
          line1: f.location.streetAddress(),
          city: f.location.city(),
          postal_code: f.location.zipCode(),
          country: f.location.countryCode(),
        },
        created_at: iso(now),
      };
    },
  },
  'order.paid': {
    description: 'An order was paid in full.',
    generate: (f, now) => ({
      order_id: id(f, 'ord'),
      payment_id: id(f, 'pay'),
      amount: money(f),
      currency: currency(f),
      paid_at: iso(now),
    }),
  },
  'payment.succeeded': {
    description: 'A card payment was captured.',
    generate: (f, now) => ({
      payment_id: id(f, 'pay'),
      order_id: id(f, 'ord'),
      amount: money(f),
      currency: currency(f),
      method: {
        type: 'card',
        brand: f.helpers.arrayElement(['visa', 'mastercard', 'amex', 'discover']),
        last4: f.string.numeric(4),
        exp_month: f.number.int({ min: 1, max: 12 }),
        exp_year: now.getUTCFullYear() + f.number.int({ min: 1, max: 6 }),
      },
      captured_at: iso(now),
    }),
  },
  'payment.failed': {
    description: 'A payment attempt was declined.',
    generate: (f, now) => {
      const [code, message] = f.helpers.arrayElement([
        ['card_declined', 'Your card was declined.'],
        ['insufficient_funds', 'Your card has insufficient funds.'],
        ['expired_card', 'Your card has expired.'],
        ['incorrect_cvc', "Your card's security code is incorrect."],
      ]);
      return {
        payment_id: id(f, 'pay'),
        order_id: id(f, 'ord'),
        amount: money(f),
        currency: currency(f),
        failure_code: code,
        failure_message: message,
        failed_at: iso(now),
      };
    },
  },
  'invoice.paid': {
    description: 'A subscription invoice was paid.',
    generate: (f, now) => {
      const start = new Date(now.getTime() - 30 * 86_400_000);
      return {
        invoice_id: id(f, 'in'),
        number: `INV-${f.string.numeric(6)}`,
        customer_id: id(f, 'cus'),
        subscription_id: id(f, 'sub'),
        amount_paid: money(f, 900, 9_900),
        currency: currency(f),
        period_start: iso(start),
        period_end: iso(now),
        paid_at: iso(now),
      };
    },
  },
  'user.created': {
    description: 'A user signed up.',
    generate: (f, now) => ({
      user: {
        ...customer(f),
        id: id(f, 'usr'),
        locale: f.helpers.arrayElement(['en-US', 'en-GB', 'de-DE', 'fr-FR', 'ja-JP']),
        country: f.location.countryCode(),
      },
      created_at: iso(now),
    }),
  },
  'user.updated': {
    description: 'A user changed their profile.',
    generate: (f, now) => ({
      user_id: id(f, 'usr'),
      changes: f.helpers.arrayElement([
        { email: f.internet.email().toLowerCase() },
        { name: f.person.fullName() },
        { phone: f.phone.number({ style: 'international' }) },
        { address: { city: f.location.city(), country: f.location.countryCode() } },
      ]),
      updated_at: iso(now),
    }),
  },
  'subscription.canceled': {
    description: 'A subscription was canceled.',
    generate: (f, now) => ({
      subscription_id: id(f, 'sub'),
      customer_id: id(f, 'cus'),
      plan: f.helpers.arrayElement(['starter', 'pro', 'business', 'enterprise']),
      reason: f.helpers.arrayElement(['too_expensive', 'missing_features', 'switched_service', 'unused']),
      cancel_at_period_end: f.datatype.boolean(),
      canceled_at: iso(now),
    }),
  },
  'refund.created': {
    description: 'A payment was refunded, fully or in part.',
    generate: (f, now) => ({
      refund_id: id(f, 're'),
      payment_id: id(f, 'pay'),
      amount: money(f, 100, 10_000),
      currency: currency(f),
      reason: f.helpers.arrayElement(['requested_by_customer', 'duplicate', 'fraudulent']),
      created_at: iso(now),
    }),
  },
  'customer.deleted': {
    description: 'A customer account was closed.',
    generate: (f, now) => ({ customer_id: id(f, 'cus'), deleted_at: iso(now) }),
  },
};

export const EVENT_TYPES: readonly string[] = Object.keys(GENERATORS);

export function isCatalogType(type: string): boolean {
  return Object.hasOwn(GENERATORS, type);
}

export function describeEventTypes(): { type: string; description: string }[] {
  return EVENT_TYPES.map((type) => ({ type, description: GENERATORS[type]!.description }));
}

/**
 * A payload source. With a seed, a source made with the same seed and key yields the same
 * sequence of ids, names and amounts (times come from `now`), so runs can be reproduced.
 */
export interface PayloadSource {
  /** Uniform in [0, 1), from the same (maybe seeded) stream. */
  random(): number;
  pick<T>(items: readonly T[]): T;
  data(type: string, now: Date): Data;
}

/**
 * `schemaOf` gives a user type's JSON Schema: its data comes from json-schema-faker, seeded from
 * the same stream (and using the same faker for `faker` hints).
 */
export function makePayloadSource(
  seed: number | undefined,
  key: readonly number[] = [],
  schemaOf: (type: string) => JsonSchema | undefined = () => undefined,
): PayloadSource {
  const f = new Faker({ locale: [en, base] });
  f.seed(seed === undefined ? undefined : [seed, ...key]);
  return {
    random: () => f.number.float({ min: 0, max: 1, fractionDigits: 8 }) % 1,
    pick: (items) => f.helpers.arrayElement(items),
    data(type, now) {
      const gen = GENERATORS[type];
      if (gen) return gen.generate(f, now);
      const schema = schemaOf(type);
      if (schema !== undefined) {
        return generateFromSchema(schema, f, f.number.int({ min: 1, max: 2 ** 31 - 1 })) as Data;
      }
      // A type outside the catalog still gets a plausible body.
      return { id: id(f, 'obj'), created_at: iso(now) };
    },
  };
}

/** A stable 31-bit number for a string (to key a seeded source by customer or webhook). */
export function hashKey(value: string): number {
  let h = 2166136261;
  for (let i = 0; i < value.length; i++) h = Math.imul(h ^ value.charCodeAt(i), 16777619);
  return (h >>> 0) & 0x7fffffff;
}

/** Merges `overrides` into `data` (objects recursively; anything else replaces). */
export function mergeData(data: Data, overrides: Data): Data {
  const out: Data = { ...data };
  for (const [k, v] of Object.entries(overrides)) {
    const prior = out[k];
    out[k] = isPlainObject(prior) && isPlainObject(v) ? mergeData(prior, v) : v;
  }
  return out;
}

function isPlainObject(v: unknown): v is Data {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
