import { faultProfileSchema, isSignatureScheme, secretProblem } from '@hookpipe/lib';
import type { PathPart } from './issues.js';
import { durationMs, isStackTarget, type Duration, type Scenario } from './types.js';

export interface Finding {
  path: PathPart[];
  message: string;
}

const DAY_MS = 86_400_000;
const sum = (o: object | undefined) =>
  Object.values(o ?? {}).reduce<number>((s, v) => s + (typeof v === 'number' ? v : 0), 0);

const SENDING_FIELDS = [
  'webhooks',
  'rate',
  'ramp',
  'duration',
  'count',
  'concurrency',
  'event_types',
  'faults',
  'simulate',
  'receiver_faults',
] as const;

/** Why a field needs hookpipe's own receiver, for the message that refuses it with a URL target. */
const STACK_ONLY = {
  simulate: "hookpipe's consumer fails those events on purpose; another receiver does not",
  receiver_faults: "fault profiles are applied by hookpipe's receiver",
  signature_scheme: 'a URL target sets its scheme on the target',
  replay_dead_letters: "dead letters are hookpipe's receiver's",
  exactly_once: "the reconcile reads hookpipe's receiver database",
  dead_letters: "dead letters are hookpipe's receiver's",
  replayed: "dead letters are hookpipe's receiver's",
  no_5xx_outside_injected: "injected faults are recorded by hookpipe's receiver",
};
const needsStack = (what: keyof typeof STACK_ONLY) => `needs target: stack (${STACK_ONLY[what]})`;

/**
 * What the JSON Schema cannot say: names that must exist or be unique, fields that exclude or
 * need each other, shares that add up past 1, durations, and fields only hookpipe's own
 * receiver (`target: stack`) can honour. The scenario has passed the schema.
 */
export function checkScenario(s: Scenario, env: NodeJS.ProcessEnv): Finding[] {
  const out: Finding[] = [];
  const at = (path: PathPart[], message: string) => out.push({ path, message });
  const duration = (path: PathPart[], value: Duration | undefined) => {
    if (value === undefined) return;
    const ms = durationMs(value);
    if (!(ms >= 1)) at(path, 'must be longer than 0');
    else if (ms > DAY_MS) at(path, 'must be at most 24h');
  };
  const stack = isStackTarget(s);

  if (!stack && typeof s.target === 'object') {
    const t = s.target;
    if (!URL.canParse(t.url)) at(['target', 'url'], 'is not a URL');
    if (t.secret !== undefined && t.secret_env !== undefined)
      at(['target', 'secret_env'], 'give secret or secret_env, not both');
    const secret = t.secret_env === undefined ? t.secret : env[t.secret_env];
    if (t.secret_env !== undefined && !secret)
      at(['target', 'secret_env'], `the environment variable ${t.secret_env} is not set`);
    const scheme = t.signature_scheme ?? 'standard-webhooks';
    const problem = secret && isSignatureScheme(scheme) ? secretProblem(scheme, secret) : null;
    if (problem) at(['target', t.secret_env === undefined ? 'secret' : 'secret_env'], problem);
  }

  const names = new Set<string>();
  s.webhooks.forEach((w, i) => {
    if (names.has(w.name)) at(['webhooks', i, 'name'], `"${w.name}" is used twice`);
    names.add(w.name);
    if (!stack && w.signature_scheme) at(['webhooks', i, 'signature_scheme'], needsStack('signature_scheme'));
  });

  const phaseNames = new Set<string>();
  let replays = false;
  s.phases.forEach((p, i) => {
    const here = (...rest: PathPart[]) => ['phases', i, ...rest];
    if (phaseNames.has(p.name)) at(here('name'), `"${p.name}" is used twice`);
    phaseNames.add(p.name);
    duration(here('duration'), p.duration);
    duration(here('timeout'), p.timeout);
    if (p.action) {
      if (p.action === 'replay_dead_letters') replays = true;
      for (const f of SENDING_FIELDS)
        if (p[f] !== undefined) at(here(f), `an action phase (${p.action}) sends nothing: remove ${f}`);
      if (!stack && p.action === 'replay_dead_letters') at(here('action'), needsStack('replay_dead_letters'));
      return;
    }
    if (p.timeout !== undefined) at(here('timeout'), 'only an action phase has a timeout');
    if (p.rate === undefined && p.ramp === undefined) at(here(), 'needs rate or ramp (or an action)');
    if (p.rate !== undefined && p.ramp !== undefined) at(here('ramp'), 'rate and ramp exclude each other');
    if (p.ramp && p.duration === undefined) at(here('ramp'), 'a ramp needs a duration');
    if (p.ramp && p.count !== undefined) at(here('count'), 'a ramp runs for its duration: remove count');
    if (p.duration === undefined && p.count === undefined)
      at(here(), 'needs a duration or a count (else it never ends)');
    (p.webhooks ?? []).forEach((name, j) => {
      if (!names.has(name))
        at(here('webhooks', j), `no webhook named "${name}" (webhooks: ${[...names].join(', ')})`);
    });
    if (sum(p.faults) > 1 + 1e-9) at(here('faults'), 'the shares add up to more than 1');
    if (sum(p.simulate) > 1 + 1e-9) at(here('simulate'), 'the shares add up to more than 1');
    if (!stack && p.simulate) at(here('simulate'), needsStack('simulate'));
    if (p.receiver_faults) {
      if (!stack) at(here('receiver_faults'), needsStack('receiver_faults'));
      const parsed = faultProfileSchema.safeParse(p.receiver_faults);
      if (!parsed.success)
        for (const issue of parsed.error.issues)
          at(here('receiver_faults', ...(issue.path as PathPart[])), issue.message);
    }
  });

  const e = s.expect;
  if (e.delivered) duration(['expect', 'delivered', 'within'], e.delivered.within);
  duration(['expect', 'latency', 'p50'], e.latency?.p50);
  duration(['expect', 'latency', 'p99'], e.latency?.p99);
  if (!stack) {
    for (const k of ['exactly_once', 'dead_letters', 'replayed'] as const)
      if (e[k] !== undefined) at(['expect', k], needsStack(k));
    if (e.answers?.no_5xx_outside_injected)
      at(['expect', 'answers', 'no_5xx_outside_injected'], needsStack('no_5xx_outside_injected'));
  }
  if (e.replayed && !replays) at(['expect', 'replayed'], 'needs a phase with action: replay_dead_letters');
  return out;
}
