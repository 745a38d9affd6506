import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import { isMap, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import { checkScenario } from './check.js';
import { pathLabel, ScenarioError, type PathPart, type ScenarioIssue } from './issues.js';
import type { Scenario } from './types.js';

/** Where the published JSON Schema is, beside the package's dist/ and src/. */
export const SCENARIO_SCHEMA_PATH = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'scenario.schema.json',
);

let validator: ReturnType<Ajv2020['compile']> | undefined;
function validate(value: unknown) {
  if (!validator) {
    const ajv = new Ajv2020({ allErrors: true, strict: true, strictTypes: false, verbose: true });
    validator = ajv.compile(JSON.parse(readFileSync(SCENARIO_SCHEMA_PATH, 'utf8')) as object);
  }
  const ok = validator(value);
  return ok ? [] : (validator.errors ?? []);
}

const DURATION_PATTERN = '^\\d+(\\.\\d+)?(ms|s|m|h)$';

function schemaMessage(e: ErrorObject): string {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties':
      return 'unknown field';
    case 'enum':
      return `must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'const':
      return `must be ${JSON.stringify(p.allowedValue)}`;
    case 'not': {
      const refused = (e.schema as { const?: unknown } | undefined)?.const;
      return refused === undefined ? 'is not allowed' : `must not be ${JSON.stringify(refused)}`;
    }
    case 'pattern':
      if (p.pattern === DURATION_PATTERN) return 'must be a duration: seconds, or like 500ms, 90s, 15m, 2h';
      if (String(p.pattern).startsWith('^[a-z0-9][a-z0-9_-]'))
        return 'must be a name: lower case letters, digits, - and _ (at most 40)';
      if (String(p.pattern).startsWith('^https?')) return 'must be an absolute http(s) URL';
      return `must match ${String(p.pattern)}`;
    default:
      return e.message ?? e.keyword;
  }
}

const pointerParts = (pointer: string): PathPart[] =>
  pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));

/** Line and column of the field at `parts`, else of its nearest parent that is in the file. */
function position(doc: Document, lines: LineCounter, parts: readonly PathPart[], atKey = false) {
  for (let n = parts.length; n >= 0; n--) {
    const head = parts.slice(0, n);
    if (atKey && n === parts.length && n > 0) {
      const parent = doc.getIn(head.slice(0, -1), true);
      if (isMap(parent)) {
        const pair = parent.items.find((i) => isScalar(i.key) && i.key.value === head[head.length - 1]);
        const range = isScalar(pair?.key) ? pair.key.range : undefined;
        if (range) return lines.linePos(range[0]);
      }
      continue;
    }
    const node = n === 0 ? doc.contents : doc.getIn(head, true);
    const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
    if (range) return lines.linePos(range[0]);
  }
  return undefined;
}

function issueAt(doc: Document, lines: LineCounter, parts: PathPart[], message: string, atKey = false) {
  const pos = position(doc, lines, parts, atKey);
  return { path: pathLabel(parts), message, ...(pos ? { line: pos.line, column: pos.col } : {}) };
}

function schemaIssues(doc: Document, lines: LineCounter, errors: ErrorObject[]): ScenarioIssue[] {
  const seen = new Set<string>();
  const issues: ScenarioIssue[] = [];
  for (const e of errors) {
    // if/then/else only repeat what their branch said.
    if (e.keyword === 'if') continue;
    const parts = pointerParts(e.instancePath);
    const p = e.params as Record<string, unknown>;
    const extra = e.keyword === 'additionalProperties' ? String(p.additionalProperty) : undefined;
    const issue = issueAt(doc, lines, extra ? [...parts, extra] : parts, schemaMessage(e), !!extra);
    const key = `${issue.path}\n${issue.message}`;
    if (!seen.has(key)) issues.push(issue);
    seen.add(key);
  }
  return issues;
}

/**
 * Parses and validates a scenario (YAML or JSON): first the published JSON Schema, then what a
 * schema cannot say (unknown webhook names, stack-only fields with a URL target, shares that add
 * up past 1, …). Throws a ScenarioError listing every issue with its line, field and reason.
 */
export function parseScenario(
  text: string,
  options: { file?: string; env?: NodeJS.ProcessEnv } = {},
): Scenario {
  const file = options.file ?? 'scenario.yaml';
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ScenarioError(
      file,
      doc.errors.map((e) => ({
        path: '',
        message: e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, ''),
        ...(e.linePos?.[0] ? { line: e.linePos[0].line, column: e.linePos[0].col } : {}),
      })),
    );
  }
  const value = doc.toJS() as unknown;
  const errors = validate(value);
  if (errors.length > 0) throw new ScenarioError(file, schemaIssues(doc, lines, errors));
  const raw = value as Omit<Scenario, 'name'> & { name?: string };
  const fallback = path
    .basename(file)
    .replace(/\.(ya?ml|json)$/i, '')
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .slice(0, 40);
  const scenario: Scenario = { ...raw, name: raw.name ?? (fallback || 'scenario') };
  const found = checkScenario(scenario, options.env ?? process.env);
  if (found.length > 0)
    throw new ScenarioError(
      file,
      found.map((f) => issueAt(doc, lines, f.path, f.message)),
    );
  return scenario;
}

/** Reads and validates a scenario file (see parseScenario). */
export async function loadScenario(
  file: string,
  options: { env?: NodeJS.ProcessEnv } = {},
): Promise<Scenario> {
  const text = await readFile(file, 'utf8');
  return parseScenario(text, { file, ...options });
}
