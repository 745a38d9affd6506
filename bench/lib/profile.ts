import { readFileSync } from 'node:fs';

/** The parts of a V8 .cpuprofile (what `node --cpu-prof` writes) this summary reads. */
interface CpuProfile {
  nodes: {
    id: number;
    hitCount?: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
  }[];
  startTime: number;
  endTime: number;
  samples?: number[];
}

export interface ProfileSummary {
  file: string;
  /** Wall time the profile covers. */
  seconds: number;
  /** Share of samples where the process was busy (not idle). */
  busy_share: number;
  /** Busy time by package or area, share of busy samples. */
  by_area: { area: string; share: number }[];
  /** Functions by self time, share of busy samples. */
  top_functions: { function: string; area: string; share: number }[];
}

/** Where a frame's code lives: a package, Node's internals, hookpipe itself, or V8's own buckets. */
function areaOf(url: string, name: string): string {
  if (!url) return name.startsWith('(') ? name : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  if (url.startsWith('node:')) return 'node internals';
  const own = /\/(lib|handler|consumer|sender|stack)\/(?:dist|src)\//.exec(url);
  if (own) return `hookpipe ${own[1]}`;
  return url;
}

const shortUrl = (url: string) =>
  url
    .replace(/^file:\/\//, '')
    .replace(/^.*node_modules\//, '')
    .replace(/^.*\/work\/[^/]+\//, '');

/** Self time by function and by area, from one profile. */
export function summariseProfile(file: string, top = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const hits = new Map<number, number>();
  if (profile.samples) for (const id of profile.samples) hits.set(id, (hits.get(id) ?? 0) + 1);
  else for (const n of profile.nodes) hits.set(n.id, n.hitCount ?? 0);
  let total = 0;
  let idle = 0;
  const byFn = new Map<string, { area: string; n: number }>();
  const byArea = new Map<string, number>();
  for (const node of profile.nodes) {
    const n = hits.get(node.id) ?? 0;
    if (n === 0) continue;
    total += n;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') {
      idle += n;
      continue;
    }
    const area = areaOf(url, functionName);
    const key = url ? `${functionName || '(anonymous)'} ${shortUrl(url)}:${lineNumber + 1}` : functionName;
    const entry = byFn.get(key) ?? { area, n: 0 };
    entry.n += n;
    byFn.set(key, entry);
    byArea.set(area, (byArea.get(area) ?? 0) + n);
  }
  const busy = Math.max(1, total - idle);
  const share = (n: number) => Math.round((n / busy) * 1000) / 1000;
  return {
    file,
    seconds: Math.round((profile.endTime - profile.startTime) / 1e4) / 100,
    busy_share: Math.round((busy / Math.max(1, total)) * 1000) / 1000,
    by_area: [...byArea.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 12)
      .map(([area, n]) => ({ area, share: share(n) })),
    top_functions: [...byFn.entries()]
      .sort((a, b) => b[1].n - a[1].n)
      .slice(0, top)
      .map(([fn, e]) => ({ function: fn, area: e.area, share: share(e.n) })),
  };
}

/** Text lines for a summary (the bench prints them; docs/benchmarks.md quotes them). */
export function formatProfile(name: string, s: ProfileSummary, lines = 10): string[] {
  const pct = (x: number) => `${(x * 100).toFixed(1).padStart(5)}%`;
  return [
    `  ${name}: busy ${pct(s.busy_share)} of ${s.seconds} s; self time by area: ${s.by_area
      .slice(0, 6)
      .map((a) => `${a.area} ${(a.share * 100).toFixed(0)}%`)
      .join(', ')}`,
    ...s.top_functions.slice(0, lines).map((f) => `    ${pct(f.share)}  ${f.function}`),
  ];
}
