import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '@hookpipe/stack';
import { ScenarioError } from './issues.js';
import { loadScenario, parseScenario } from './load.js';

const issuesOf = (text: string, env: NodeJS.ProcessEnv = {}): string[] => {
  try {
    parseScenario(text, { file: 's.yaml', env });
  } catch (err) {
    if (err instanceof ScenarioError) return err.message.split('\n');
    throw err;
  }
  return [];
};

const BASE = `target: stack
webhooks:
  - name: shop
phases:
  - name: one
    rate: 5
    duration: 10s
expect:
  delivered: { within: 30s }
`;

describe('loadScenario', () => {
  it('loads every shipped scenario', async () => {
    const dir = path.join(REPO_ROOT, 'scenarios');
    const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
    expect(files.length).toBeGreaterThanOrEqual(5);
    for (const f of files) {
      const s = await loadScenario(path.join(dir, f));
      expect(s.name).toBe(f.replace('.yaml', ''));
    }
  });

  it('takes JSON too, and names the scenario after its file when it has no name', () => {
    const s = parseScenario(
      JSON.stringify({
        target: 'stack',
        webhooks: [{ name: 'a' }],
        phases: [{ name: 'p', rate: 1, count: 3 }],
        expect: { exactly_once: true },
      }),
      { file: 'dir/My Check.json' },
    );
    expect(s.name).toBe('my-check');
    expect(s.phases[0]!.count).toBe(3);
  });

  it('names the line, the field and the reason of each schema error', () => {
    const text = BASE.replace('rate: 5', 'rate: -1').replace('duration: 10s', 'duration: 10 seconds');
    expect(issuesOf(`${text}  colour: red\n`)).toEqual([
      's.yaml:6:11: phases[0].rate: must be > 0',
      's.yaml:7:15: phases[0].duration: must be a duration: seconds, or like 500ms, 90s, 15m, 2h',
      's.yaml:10:3: expect.colour: unknown field',
    ]);
  });

  it('points a missing field at its parent', () => {
    expect(issuesOf(BASE.replace('  - name: shop\n', '  - event_types: ["*"]\n'))).toEqual([
      "s.yaml:3:5: webhooks[0]: must have required property 'name'",
    ]);
  });

  it('reports YAML syntax errors with their line', () => {
    expect(issuesOf('target: stack\nwebhooks: [ {name: a}\nphases: []\n')[0]).toMatch(/^s\.yaml:3:1: /);
  });

  it('checks what the schema cannot: names, combinations, shares', () => {
    const text = `target: stack
webhooks:
  - name: a
  - name: a
phases:
  - name: p
    rate: 5
    webhooks: [a, b]
    faults: { bad_signature: 0.7, oversized: 0.6 }
  - name: ramp
    ramp: { from: 1, to: 5 }
    count: 3
  - name: p
    action: settle
    rate: 3
expect:
  replayed: { min: 1 }
`;
    expect(issuesOf(text)).toEqual([
      's.yaml:4:11: webhooks[1].name: "a" is used twice',
      's.yaml:6:5: phases[0]: needs a duration or a count (else it never ends)',
      's.yaml:8:19: phases[0].webhooks[1]: no webhook named "b" (webhooks: a)',
      's.yaml:9:13: phases[0].faults: the shares add up to more than 1',
      's.yaml:11:11: phases[1].ramp: a ramp needs a duration',
      's.yaml:12:12: phases[1].count: a ramp runs for its duration: remove count',
      's.yaml:13:11: phases[2].name: "p" is used twice',
      's.yaml:15:11: phases[2].rate: an action phase (settle) sends nothing: remove rate',
      's.yaml:17:13: expect.replayed: needs a phase with action: replay_dead_letters',
    ]);
  });

  it('refuses stack-only fields with a URL target', () => {
    const text = BASE.replace('target: stack', 'target:\n  url: http://127.0.0.1:9000/hooks').replace(
      'duration: 10s',
      'duration: 10s\n    receiver_faults: { status: { share: 1, code: 503 } }',
    );
    expect(issuesOf(`${text}  exactly_once: true\n`)).toEqual([
      "s.yaml:9:22: phases[0].receiver_faults: needs target: stack (fault profiles are applied by hookpipe's receiver)",
      "s.yaml:12:17: expect.exactly_once: needs target: stack (the reconcile reads hookpipe's receiver database)",
    ]);
  });

  it('reads a URL target secret from the environment, and checks it fits the scheme', () => {
    const text = BASE.replace(
      'target: stack',
      'target:\n  url: http://127.0.0.1:9000/hooks\n  secret_env: HOOK_SECRET',
    );
    expect(issuesOf(text)).toEqual([
      's.yaml:3:15: target.secret_env: the environment variable HOOK_SECRET is not set',
    ]);
    expect(issuesOf(text, { HOOK_SECRET: 'not-a-whsec-secret' })).toEqual([
      's.yaml:3:15: target.secret_env: a standard-webhooks secret is whsec_ followed by base64 of 16-128 bytes',
    ]);
    expect(issuesOf(text, { HOOK_SECRET: `whsec_${Buffer.alloc(32, 7).toString('base64')}` })).toEqual([]);
  });

  it('refuses a receiver fault profile the receiver would refuse', () => {
    const text = BASE.replace(
      'duration: 10s',
      'duration: 10s\n    receiver_faults: { status: { share: 1, code: 502 } }',
    );
    expect(issuesOf(text)).toEqual(['s.yaml:8:50: phases[0].receiver_faults.status.code: must not be 502']);
  });
});
