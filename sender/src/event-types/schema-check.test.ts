import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '@hookpipe/lib';
import { makePayloadSource } from '../emitters/catalog.js';
import { readCatalogFile } from './catalog-file.js';
import { checkEventSchema, compileSchema } from './schema-check.js';

const INVOICE = {
  type: 'object',
  required: ['invoice_id', 'amount', 'email'],
  properties: {
    invoice_id: { type: 'string', pattern: '^in_[A-Za-z0-9]{10}$' },
    amount: { type: 'integer', minimum: 1, maximum: 500 },
    email: { type: 'string', format: 'email' },
    name: { type: 'string', faker: 'person.fullName' },
  },
};

describe('event type schemas', () => {
  it('takes a draft 2020-12 schema whose generated data is valid, and checks data against it', () => {
    const checked = checkEventSchema(INVOICE);
    if (!checked.ok) throw new Error(checked.message);
    expect(checked.check({ invoice_id: 'in_0123456789', amount: 3, email: 'a@b.co' })).toBeNull();
    expect(checked.check({ invoice_id: 'in_0123456789', amount: 0, email: 'a@b.co' })).toMatch(
      /\/amount must be >= 1 \(#\/properties\/amount\/minimum\)/,
    );
    expect(checked.check({ amount: 1 })).toMatch(/must have required property 'invoice_id'/);
  });

  it('names why a schema is refused: not a schema, not an object, no valid data to be had', () => {
    expect(compileSchema({ type: 'objec' })).toMatchObject({
      ok: false,
      message: expect.stringMatching(
        /^is not a valid JSON Schema: \/type must be equal to one of the allowed values/,
      ),
    });
    expect(checkEventSchema({ type: 'array' })).toMatchObject({
      ok: false,
      message: expect.stringMatching(/JSON object/),
    });
    expect(
      checkEventSchema({
        type: 'object',
        required: ['n'],
        properties: { n: { type: 'integer', minimum: 5, maximum: 1 } },
      }),
    ).toMatchObject({ ok: false });
    expect(checkEventSchema({ $ref: 'https://example.test/remote.json' })).toMatchObject({ ok: false });
  });

  it('generates data for a user type from its schema, reproducibly under a seed', () => {
    const run = (seed: number) => {
      const source = makePayloadSource(seed, [1], (t) => (t === 'invoice.sent' ? INVOICE : undefined));
      return Array.from({ length: 5 }, () => source.data('invoice.sent', new Date(0)));
    };
    const checked = checkEventSchema(INVOICE);
    if (!checked.ok) throw new Error(checked.message);
    for (const d of run(7)) expect(checked.check(d)).toBeNull();
    expect(run(7)).toEqual(run(7));
    expect(run(7)).not.toEqual(run(8));
  });
});

describe('SENDER_EVENT_CATALOG files', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hookpipe-catalog-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    const p = path.join(dir, name);
    writeFileSync(p, text);
    return p;
  };

  it('reads JSON and YAML of the same shape', () => {
    const json = file('c.json', JSON.stringify({ event_types: [{ type: 'invoice.sent', schema: INVOICE }] }));
    expect(readCatalogFile(json)).toEqual([{ type: 'invoice.sent', description: null, schema: INVOICE }]);
    const yaml = file(
      'c.yaml',
      'event_types:\n  - type: ticket.opened\n    description: A ticket was opened.\n    schema:\n      type: object\n',
    );
    expect(readCatalogFile(yaml)).toEqual([
      { type: 'ticket.opened', description: 'A ticket was opened.', schema: { type: 'object' } },
    ]);
  });

  it('fails with a message naming the variable and the type', () => {
    const fails = (p: string) => {
      try {
        readCatalogFile(p);
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as Error).message;
      }
      throw new Error('expected a ConfigError');
    };
    expect(fails(path.join(dir, 'missing.json'))).toMatch(/^sender: SENDER_EVENT_CATALOG: cannot read/);
    expect(fails(file('bad.json', '{'))).toMatch(/SENDER_EVENT_CATALOG: .* is not valid JSON/);
    expect(fails(file('arr.json', '[]'))).toMatch(/must hold \{"event_types"/);
    expect(fails(file('noschema.json', '{"event_types":[{"type":"a.b"}]}'))).toMatch(
      /a\.b: schema is missing/,
    );
    expect(fails(file('space.json', '{"event_types":[{"type":"a b","schema":{}}]}'))).toMatch(
      /event_types\[0\]\.type must be 1-255 printable/,
    );
  });
});
