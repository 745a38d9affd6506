/**
 * A small SVG line-chart writer (no dependencies, no browser): enough for throughput and latency
 * against concurrency, with log axes, and for series over time with events marked.
 */
export interface Series {
  name: string;
  color: string;
  dashed?: boolean;
  /** Draw a dot at each point (default); off for long series over time. */
  dots?: boolean;
  /** A y of NaN is a gap: the line stops there and starts again at the next point. */
  points: [number, number][];
}

export interface Chart {
  title: string;
  xLabel: string;
  yLabel: string;
  xLog?: boolean;
  yLog?: boolean;
  series: Series[];
  /**
   * Vertical lines at these x values, labelled at the top (events on a time axis); with `to`,
   * the span up to it is shaded too.
   */
  markers?: { x: number; to?: number; label: string; color?: string }[];
}

const W = 480;
const H = 400;
const M = { left: 70, right: 20, top: 40, bottom: 95 };

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const num = (v: number) => (v >= 1000 ? `${Math.round(v / 100) / 10}k` : String(Math.round(v * 100) / 100));

/** Tick values: powers of 2 (x log), 1-2-5 decades (y log) or ~5 round steps (linear). */
function ticks(min: number, max: number, log: boolean, base2: boolean): number[] {
  if (log && base2) {
    const out = [];
    for (let v = 2 ** Math.floor(Math.log2(min)); v <= max * 1.0001; v *= 2) out.push(v);
    return out;
  }
  if (log) {
    const out = [];
    for (let d = 10 ** Math.floor(Math.log10(min)); d <= max * 10; d *= 10) {
      for (const m of [1, 2, 5]) if (d * m >= min * 0.999 && d * m <= max * 1.001) out.push(d * m);
    }
    return out;
  }
  const raw = max / 5;
  const step = [1, 2, 2.5, 5, 10].map((m) => m * 10 ** Math.floor(Math.log10(raw))).find((s) => s >= raw)!;
  const out = [];
  for (let v = 0; v <= max * 1.0001; v += step) out.push(v);
  return out;
}

// Two legend entries per row fit under a chart; more rows make every chart of the SVG taller.
const LEGEND_ROW = 16;
const legendRows = (c: Chart) => Math.ceil(c.series.length / 2);

function chart(c: Chart, dx: number, dy: number): string {
  const all = c.series.flatMap((s) => s.points).filter((p) => !Number.isNaN(p[1]));
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]).filter((y) => !c.yLog || y > 0);
  const xMin = Math.min(...xs);
  const xMax = Math.max(...xs);
  const yMin = c.yLog ? 10 ** Math.floor(Math.log10(Math.min(...ys))) : 0;
  const yMax = c.yLog ? 10 ** Math.ceil(Math.log10(Math.max(...ys))) : Math.max(...ys) * 1.1 || 1;
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const top = dy + M.top;
  const fx = (x: number) =>
    dx +
    M.left +
    (c.xLog
      ? (Math.log(x / xMin) / Math.log(xMax / xMin || 2)) * pw
      : ((x - xMin) / (xMax - xMin || 1)) * pw);
  const fy = (y: number) =>
    top + ph - (c.yLog ? (Math.log(y / yMin) / Math.log(yMax / yMin)) * ph : (y / yMax) * ph);
  const out: string[] = [];
  out.push(`<text x="${dx + W / 2}" y="${dy + 22}" class="title">${esc(c.title)}</text>`);
  out.push(`<rect x="${dx + M.left}" y="${top}" width="${pw}" height="${ph}" fill="none" stroke="#999"/>`);
  for (const t of ticks(xMin, xMax, !!c.xLog, true)) {
    const x = fx(t);
    out.push(`<line x1="${x}" y1="${top}" x2="${x}" y2="${top + ph}" class="grid"/>`);
    out.push(`<text x="${x}" y="${top + ph + 16}" class="tick" text-anchor="middle">${num(t)}</text>`);
  }
  for (const t of ticks(yMin, yMax, !!c.yLog, false)) {
    const y = fy(t);
    out.push(`<line x1="${dx + M.left}" y1="${y}" x2="${dx + M.left + pw}" y2="${y}" class="grid"/>`);
    out.push(`<text x="${dx + M.left - 6}" y="${y + 4}" class="tick" text-anchor="end">${num(t)}</text>`);
  }
  out.push(`<text x="${dx + M.left + pw / 2}" y="${top + ph + 36}" class="label">${esc(c.xLabel)}</text>`);
  out.push(
    `<text transform="translate(${dx + 18},${top + ph / 2}) rotate(-90)" class="label">${esc(c.yLabel)}</text>`,
  );
  for (const m of c.markers ?? []) {
    const x = fx(m.x).toFixed(1);
    const color = m.color ?? '#c0392b';
    if (m.to !== undefined && m.to > m.x) {
      const w = (fx(m.to) - fx(m.x)).toFixed(1);
      out.push(`<rect x="${x}" y="${top}" width="${w}" height="${ph}" fill="${color}" fill-opacity="0.08"/>`);
    }
    out.push(
      `<line x1="${x}" y1="${top}" x2="${x}" y2="${top + ph}" stroke="${color}" stroke-dasharray="3 3"/>`,
    );
    out.push(
      `<text x="${x}" y="${top - 3}" class="mark" fill="${color}" text-anchor="middle">${esc(m.label)}</text>`,
    );
  }
  c.series.forEach((s, i) => {
    const pts = s.points.filter((p) => !c.yLog || p[1] > 0 || Number.isNaN(p[1]));
    const d = pts
      .map((p, j) =>
        Number.isNaN(p[1])
          ? ''
          : `${j && !Number.isNaN(pts[j - 1]![1]) ? 'L' : 'M'}${fx(p[0]).toFixed(1)},${fy(p[1]).toFixed(1)}`,
      )
      .filter(Boolean)
      .join(' ');
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
    out.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"${dash}/>`);
    if (s.dots !== false)
      for (const p of pts.filter((q) => !Number.isNaN(q[1])))
        out.push(`<circle cx="${fx(p[0])}" cy="${fy(p[1])}" r="3" fill="${s.color}"/>`);
    const lx = dx + M.left + (i % 2) * (pw / 2);
    const ly = top + ph + 56 + Math.floor(i / 2) * LEGEND_ROW;
    out.push(
      `<line x1="${lx}" y1="${ly - 4}" x2="${lx + 22}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2"${dash}/>`,
    );
    out.push(`<text x="${lx + 28}" y="${ly}" class="tick">${esc(s.name)}</text>`);
  });
  return out.join('\n');
}

/** Charts side by side in one SVG document, in rows of `columns` (all in one row by default). */
export function svg(charts: Chart[], caption: string, options: { columns?: number } = {}): string {
  const columns = options.columns ?? charts.length;
  const h = H + Math.max(0, ...charts.map((c) => legendRows(c) - 2)) * LEGEND_ROW;
  const width = W * columns;
  const height = h * Math.ceil(charts.length / columns) + 20;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">`,
    `<style>.title{font-size:15px;font-weight:bold;text-anchor:middle}.label{font-size:12px;text-anchor:middle}.tick{font-size:11px}.grid{stroke:#e4e4e4}${charts.some((c) => c.markers?.length) ? '.mark{font-size:10px}' : ''}</style>`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    ...charts.map((c, i) => chart(c, (i % columns) * W, Math.floor(i / columns) * h)),
    `<text x="${width / 2}" y="${height - 8}" class="label" fill="#555">${esc(caption)}</text>`,
    '</svg>',
    '',
  ].join('\n');
}

interface IngestLike {
  date: string;
  machine: { cores: number; node: string };
  steps: {
    concurrency: number;
    baseline: { rps: number; latency: { p50_ms: number; p99_ms: number } };
    pipeline: { rps: number; latency: { p50_ms: number; p99_ms: number } };
  }[];
}

/** Scenario 1's plot: throughput and latency against concurrency, pipeline vs baseline. */
export function plotIngest(r: IngestLike): string {
  const pts = (f: (s: IngestLike['steps'][number]) => number) =>
    r.steps.map((s) => [s.concurrency, f(s)] as [number, number]);
  const BLUE = '#1f6fb4';
  const GREY = '#888888';
  return svg(
    [
      {
        title: 'Throughput',
        xLabel: 'concurrency (requests in flight)',
        yLabel: 'requests/s (202)',
        xLog: true,
        series: [
          { name: 'nginx → 3 handlers → Kafka', color: BLUE, points: pts((s) => s.pipeline.rps) },
          { name: 'baseline: nginx → 3 bare 202 servers', color: GREY, points: pts((s) => s.baseline.rps) },
        ],
      },
      {
        title: 'Latency',
        xLabel: 'concurrency (requests in flight)',
        yLabel: 'ms (log scale)',
        xLog: true,
        yLog: true,
        series: [
          { name: 'pipeline p50', color: BLUE, points: pts((s) => s.pipeline.latency.p50_ms) },
          { name: 'pipeline p99', color: BLUE, dashed: true, points: pts((s) => s.pipeline.latency.p99_ms) },
          { name: 'baseline p50', color: GREY, points: pts((s) => s.baseline.latency.p50_ms) },
          { name: 'baseline p99', color: GREY, dashed: true, points: pts((s) => s.baseline.latency.p99_ms) },
        ],
      },
    ],
    `hookpipe ingest, ${r.date.slice(0, 16).replace('T', ' ')} UTC, ${r.machine.cores} cores, Node ${r.machine.node}`,
  );
}
