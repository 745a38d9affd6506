/**
 * API conformance (docs/api.md): both OpenAPI documents validate as OpenAPI 3.1 and say exactly
 * what the APIs do. schemathesis runs every check it has (server errors, status codes, content
 * types, response schemas and headers, accepted valid data, rejected invalid data, Allow headers,
 * auth, resources after create and delete) in every phase against each document, with a fixed
 * seed and a time budget (about 2 minutes for both, to keep `make test` short).
 *
 * One exception: `POST /event-types` takes a JSON Schema inside its JSON body, and which JSON
 * Schemas compile and yield data no JSON Schema can say (ajv refuses some, json-schema-faker
 * cannot satisfy others): the API answers those 400, so that operation runs on its own, without
 * `positive_data_acceptance` (every other check still applies to it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logOffsets, stackLogFiles, formatLeaks } from '@hookpipe/stack';
import { getTestEnv, openLocalStack, type TestEnv } from '../env.js';
import { fuzzLeaks } from './log-leaks.js';
import { freshFuzzDir, fuzz, requireTools, validateDocument } from './schemathesis.js';
import { makeStackState, type Snapshot } from './stack-state.js';

const EVENT_TYPES_EXCEPTION = 'POST /event-types';

/** The receiver's operations that take one dead letter by id, and those that act on many by filter. */
const ONE_DEAD_LETTER = ['GET /dead-letters/{id}', 'POST /dead-letters/{id}/replay'];
const DELETE_ONE = 'DELETE /dead-letters/{id}';
const BY_FILTER = ['POST /dead-letters/replay', 'POST /dead-letters/purge'];
const flags = (flag: string, names: readonly string[]) => names.flatMap((n) => [flag, n]);

/**
 * The seeded rows as schemathesis dictionaries: half of the ids it sends to `operations` are
 * theirs, the other half generated as usual. On a stack where earlier suites left many rows, a
 * generated id hardly ever names one, and every call would be a 404.
 */
function seededData(
  seeded: { deadLetters: number[]; events: string[] },
  operations: { deadLetters: readonly string[] },
): string {
  const bind = (names: readonly string[], param: string, dictionary: string) =>
    names.length === 0
      ? ''
      : [
          '[[operations]]',
          `include-name = ${JSON.stringify(names)}`,
          `parameters = { "path.${param}" = { dictionary = "${dictionary}", probability = 0.5 } }`,
        ].join('\n');
  return [
    '[dictionaries.dead-letters]',
    // The path parameter is text (digits), so the entries are too.
    `values = ${JSON.stringify(seeded.deadLetters.map(String))}`,
    '[dictionaries.events]',
    `values = ${JSON.stringify(seeded.events)}`,
    bind(operations.deadLetters, 'id', 'dead-letters'),
    bind(['GET /events/{webhookId}'], 'webhookId', 'events'),
    '',
  ].join('\n');
}

let env: TestEnv;
let state: ReturnType<typeof makeStackState>;
let snap: Snapshot | undefined;
let logsFrom: Map<string, number> | undefined;
const local = process.env.TEST_ENV !== 'containers';

beforeAll(async () => {
  requireTools();
  freshFuzzDir();
  env = await getTestEnv();
  state = makeStackState(env);
  if (local) logsFrom = logOffsets(stackLogFiles(openLocalStack().logsDir));
  snap = await state.snapshot();
});

afterAll(async () => {
  if (snap) await state.restore(snap);
  await state?.end();
});

describe('the OpenAPI documents say exactly what the APIs do', () => {
  it('the sender’s: OpenAPI 3.1, and schemathesis finds nothing', { timeout: 200_000 }, async () => {
    expect(await validateDocument(env.senderUrl, 'sender')).toBeNull();
    const everyOperation = await fuzz({
      baseUrl: env.senderUrl,
      apiKey: env.senderApiKey,
      maxTimeS: 55,
      extra: ['--exclude-name', EVENT_TYPES_EXCEPTION],
    });
    expect(everyOperation, 'schemathesis on the sender (all but POST /event-types)').toBeNull();
    const eventTypes = await fuzz({
      baseUrl: env.senderUrl,
      apiKey: env.senderApiKey,
      maxTimeS: 10,
      extra: ['--include-name', EVENT_TYPES_EXCEPTION, '--exclude-checks', 'positive_data_acceptance'],
      // The same exception, as schemathesis reports it: much of what it generates is refused.
      expectedWarnings: ['Schema validation mismatch'],
    });
    expect(eventTypes, 'schemathesis on the sender’s POST /event-types').toBeNull();
  });

  it(
    'the receiver’s (consumer): OpenAPI 3.1, and schemathesis finds nothing',
    { timeout: 200_000 },
    async () => {
      expect(await validateDocument(env.consumerUrl, 'consumer')).toBeNull();
      // Without an event and a dead letter, the routes that take one by id only ever answer 404.
      // The operations that remove dead letters (one by id; many by filter, which may match every
      // one) run after the others, each on rows seeded just before it, so that none uses up the
      // rows another needs. Every operation is fuzzed, with every check.
      const runs: { what: string; maxTimeS: number; extra: string[]; deadLetters: readonly string[] }[] = [
        {
          what: 'all but removing dead letters',
          maxTimeS: 32,
          extra: flags('--exclude-name', [DELETE_ONE, ...BY_FILTER]),
          deadLetters: ONE_DEAD_LETTER,
        },
        {
          what: DELETE_ONE,
          maxTimeS: 8,
          extra: flags('--include-name', [DELETE_ONE]),
          deadLetters: [DELETE_ONE],
        },
        {
          what: BY_FILTER.join(', '),
          maxTimeS: 10,
          extra: flags('--include-name', BY_FILTER),
          deadLetters: [],
        },
      ];
      for (const run of runs) {
        const config = seededData(await state.seedReceiver(), { deadLetters: run.deadLetters });
        const result = await fuzz({
          baseUrl: env.consumerUrl,
          apiKey: env.receiverApiKey,
          maxTimeS: run.maxTimeS,
          config,
          extra: run.extra,
        });
        expect(result, `schemathesis on the consumer: ${run.what}`).toBeNull();
      }
    },
  );

  it.runIf(local)('no secret the fuzzer made reached a log', async () => {
    const secrets = await state.fuzzSecrets(snap!);
    const leaks = fuzzLeaks(stackLogFiles(openLocalStack().logsDir), secrets, logsFrom);
    expect(leaks, formatLeaks(leaks)).toEqual([]);
  });
});
