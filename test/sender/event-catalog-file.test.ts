import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getTestEnv, testEnvKind, type TestEnv } from '../env.js';
import { restartSender, senderApi, unique } from './support.js';

const run = promisify(execFile);
const dir = mkdtempSync(path.join(os.tmpdir(), 'hookpipe-catalog-'));
let env: TestEnv;

beforeAll(async () => {
  env = await getTestEnv();
});

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  // Leave the sender as we found it: running with its default settings.
  if (testEnvKind() === 'local') await restartSender(env);
});

const file = (name: string, text: string) => {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe('SENDER_EVENT_CATALOG', () => {
  it('stops the sender at start naming the variable, the type and the reason', async () => {
    const catalog = file('bad.yaml', 'event_types:\n  - type: ticket.bad\n    schema: { type: objec }\n');
    const started = await run(process.execPath, ['sender/dist/index.js'], {
      timeout: 30_000,
      env: {
        PATH: process.env.PATH,
        SENDER_DATABASE_URL: env.senderDatabaseUrl,
        SENDER_API_KEY: 'k'.repeat(16),
        SENDER_MIGRATE: 'off',
        SENDER_PORT: '0',
        SENDER_EVENT_CATALOG: catalog,
      },
    }).then(
      () => ({ code: 0, stderr: '' }),
      (err: { code: number; stderr: string }) => err,
    );
    expect(started.code).toBe(1);
    expect(started.stderr).toMatch(
      /SENDER_EVENT_CATALOG: ticket\.bad: schema is not a valid JSON Schema: \/type/,
    );
  });

  // The sender restarts as a local process with the catalog's path on this machine.
  it.runIf(testEnvKind() === 'local')(
    'loads the file’s types at start (YAML), listed beside the built-in ones',
    async () => {
      const type = unique('ticket.opened');
      const catalog = file(
        'good.yaml',
        [
          'event_types:',
          `  - type: ${type}`,
          '    description: A support ticket was opened.',
          '    schema:',
          '      type: object',
          '      required: [ticket_id, priority]',
          '      properties:',
          "        ticket_id: { type: string, pattern: '^T-[0-9]{6}$' }",
          '        priority: { enum: [low, normal, high] }',
          '',
        ].join('\n'),
      );
      await restartSender(env, { env: { SENDER_EVENT_CATALOG: catalog } });
      const listed = (await senderApi(env).get('/event-types')).json.event_types as {
        type: string;
        builtin: boolean;
        description: string;
        example: { data: { ticket_id: string } };
      }[];
      const mine = listed.find((t) => t.type === type);
      expect(mine).toMatchObject({ builtin: false, description: 'A support ticket was opened.' });
      expect(mine?.example.data.ticket_id).toMatch(/^T-\d{6}$/);
    },
  );
});
