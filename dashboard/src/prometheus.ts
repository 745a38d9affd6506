/** One sample of the Prometheus text exposition format. */
export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;

function parseValue(raw: string): number {
  if (raw === '+Inf' || raw === 'Inf') return Infinity;
  if (raw === '-Inf') return -Infinity;
  if (raw === 'NaN') return NaN;
  const n = Number(raw);
  return raw === '' ? NaN : n;
}

/** Reads `{a="x",b="y\"z"}` from `line` at `start` (the `{`); null when malformed. */
function parseLabels(line: string, start: number): { labels: Record<string, string>; end: number } | null {
  const labels: Record<string, string> = {};
  let i = start + 1;
  for (;;) {
    while (line[i] === ' ' || line[i] === ',') i++;
    if (line[i] === '}') return { labels, end: i + 1 };
    const name = NAME.exec(line.slice(i))?.[0];
    if (!name) return null;
    i += name.length;
    if (line[i] !== '=' || line[i + 1] !== '"') return null;
    i += 2;
    let value = '';
    for (;;) {
      const ch = line[i];
      if (ch === undefined) return null;
      if (ch === '"') break;
      if (ch === '\\') {
        const next = line[i + 1];
        value += next === 'n' ? '\n' : (next ?? '');
        i += 2;
        continue;
      }
      value += ch;
      i++;
    }
    labels[name] = value;
    i++;
  }
}

/**
 * Parses Prometheus text exposition (version 0.0.4, what prom-client serves). Comment lines and
 * lines it cannot read are skipped: a scrape is a view for people, not a contract to enforce.
 */
export function parsePrometheusText(text: string): PromSample[] {
  const samples: PromSample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const name = NAME.exec(line)?.[0];
    if (!name) continue;
    let rest = name.length;
    let labels: Record<string, string> = {};
    if (line[rest] === '{') {
      const parsed = parseLabels(line, rest);
      if (!parsed) continue;
      labels = parsed.labels;
      rest = parsed.end;
    }
    const [value] = line.slice(rest).trim().split(/\s+/);
    const n = parseValue(value ?? '');
    if (Number.isNaN(n) && value !== 'NaN') continue;
    samples.push({ name, labels, value: n });
  }
  return samples;
}

/** Sum of a metric's samples grouped by one label (samples without it are left out). */
export function sumBy(samples: readonly PromSample[], name: string, label: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of samples) {
    const key = s.labels[label];
    if (s.name !== name || key === undefined) continue;
    out[key] = (out[key] ?? 0) + s.value;
  }
  return out;
}

/** The first sample of a metric (optionally with a label value), or undefined. */
export function valueOf(
  samples: readonly PromSample[],
  name: string,
  where: Record<string, string> = {},
): number | undefined {
  return samples.find((s) => s.name === name && Object.entries(where).every(([k, v]) => s.labels[k] === v))
    ?.value;
}
