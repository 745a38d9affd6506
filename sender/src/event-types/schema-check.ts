import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { createGeneratorSync, type JsonSchema } from 'json-schema-faker';
import { Faker, base, en } from '@faker-js/faker';
import { errorMessage } from '@hookpipe/lib';

// ajv-formats is CommonJS: under ESM its plugin is the module's `default` property.
const addFormats = addFormatsModule.default;

/** Checks one event's data against its type's schema: null when valid, else why not. */
export type DataCheck = (data: unknown) => string | null;

/**
 * One ajv for all event types (draft 2020-12 with the standard formats). Unknown keywords are
 * annotations, as the draft says, so generator hints such as `faker` are allowed.
 */
function makeAjv(): Ajv2020 {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats(ajv);
  return ajv;
}

const ajv = makeAjv();

/** ajv's errors as one line, each with where it is: `/amount must be >= 1 (#/properties/amount/minimum)`. */
export function describeErrors(errors: readonly ErrorObject[] | null | undefined): string {
  if (!errors?.length) return 'is not valid';
  return errors
    .slice(0, 5)
    .map((e) => `${e.instancePath || '(root)'} ${e.message ?? 'is not valid'} (${e.schemaPath})`)
    .join('; ');
}

/** A compiled schema's check; the ajv error with its schema path when the schema is not one. */
export function compileSchema(
  schema: unknown,
): { ok: true; check: DataCheck } | { ok: false; message: string } {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
    return { ok: false, message: 'must be a JSON Schema object (draft 2020-12)' };
  }
  if (!ajv.validateSchema(schema)) {
    return { ok: false, message: `is not a valid JSON Schema: ${describeErrors(ajv.errors)}` };
  }
  let validate: ValidateFunction;
  try {
    validate = ajv.compile(schema);
  } catch (err) {
    return { ok: false, message: `does not compile: ${errorMessage(err)}` };
  }
  return {
    ok: true,
    check: (data) => (validate(data) ? null : describeErrors(validate.errors)),
  };
}

/** Generates data for a schema with json-schema-faker, its faker-backed values from `faker`. */
export function generateFromSchema(schema: JsonSchema, faker: Faker, seed: number): unknown {
  return createGeneratorSync({ seed, extensions: { faker } }).generate(schema);
}

const isObject = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Whether json-schema-faker makes valid data for the schema: `samples` tries, each checked.
 * An event's data is a JSON object, so the schema must describe one.
 */
export function checkGenerates(schema: JsonSchema, check: DataCheck, samples = 5): string | null {
  const faker = new Faker({ locale: [en, base] });
  faker.seed(1);
  for (let i = 0; i < samples; i++) {
    let data: unknown;
    try {
      data = generateFromSchema(schema, faker, i + 1);
    } catch (err) {
      return `json-schema-faker cannot generate data for it: ${errorMessage(err)}`;
    }
    if (!isObject(data)) return 'must describe a JSON object (an event’s data is an object)';
    const problem = check(data);
    if (problem) return `json-schema-faker made data the schema refuses: ${problem}`;
  }
  return null;
}

/** A user type's definition checked: compiled, and proven to generate valid data. */
export function checkEventSchema(
  schema: unknown,
): { ok: true; check: DataCheck } | { ok: false; message: string } {
  const compiled = compileSchema(schema);
  if (!compiled.ok) return compiled;
  const problem = checkGenerates(schema as JsonSchema, compiled.check);
  return problem ? { ok: false, message: problem } : compiled;
}
