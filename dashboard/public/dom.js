// DOM helpers. Everything shown comes from APIs (event bodies are anyone's bytes), so text is
// always set as text, never parsed as HTML.

/**
 * @typedef {Node | string | number | null | undefined | false | any[]} Child
 * @typedef {{ class?: string, title?: string, testid?: string, data?: Record<string, string>,
 *   on?: Record<string, (e: Event) => void>, attrs?: Record<string, string> }} Props
 */

/** @param {Element} el @param {Child[]} children */
function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : String(child));
  }
}

/** @param {Element} el @param {Props | undefined} props */
function apply(el, props) {
  if (!props) return;
  if (props.class) el.setAttribute('class', props.class);
  if (props.title) el.setAttribute('title', props.title);
  if (props.testid) el.setAttribute('data-testid', props.testid);
  for (const [k, v] of Object.entries(props.data ?? {})) el.setAttribute(`data-${k}`, v);
  for (const [k, v] of Object.entries(props.attrs ?? {})) el.setAttribute(k, v);
  for (const [k, fn] of Object.entries(props.on ?? {})) el.addEventListener(k, fn);
}

/** @param {string} tag @param {Props} [props] @param {...Child} children @returns {HTMLElement} */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  apply(el, props);
  append(el, children);
  return el;
}

/** @param {string} tag @param {Props} [props] @param {...Child} children @returns {SVGElement} */
export function svg(tag, props, ...children) {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  apply(el, props);
  append(el, children);
  return el;
}

/** @param {string} id @returns {HTMLElement} */
export function byId(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing from the page`);
  return el;
}

/**
 * Replaces `el`'s children only when `data` differs from what it shows, so buttons stay put and
 * text can be selected while nothing changes.
 * @param {HTMLElement} el @param {unknown} data @param {() => Child} render
 */
export function renderInto(el, data, render) {
  const key = JSON.stringify(data);
  if (el.dataset.rendered === key) return;
  el.dataset.rendered = key;
  el.replaceChildren();
  append(el, [render()]);
}

const nf = new Intl.NumberFormat('en', { maximumFractionDigits: 1 });
const nf0 = new Intl.NumberFormat('en', { maximumFractionDigits: 0 });

/** @param {number | null | undefined} n */
export const num = (n) => (n === null || n === undefined ? '–' : nf0.format(n));
/** @param {number | null | undefined} n */
export const rate = (n) => (n === null || n === undefined ? '–' : `${nf.format(n)}/s`);
/** @param {number | null | undefined} n */
export const ms = (n) =>
  n === null || n === undefined ? '–' : n >= 1000 ? `${nf.format(n / 1000)} s` : `${nf.format(n)} ms`;

/** @param {string | null | undefined} iso */
export function ago(iso) {
  if (!iso) return '–';
  const s = Math.max(0, (Date.now() - new Date(iso).getTime()) / 1000);
  if (s < 60) return `${Math.floor(s)}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86400)}d ago`;
}

/** @param {string | null | undefined} iso */
export const time = (iso) => (iso ? new Date(iso).toLocaleTimeString([], { hour12: false }) : '–');

/** An id shortened for a list, whole in the tooltip. @param {string} id @param {number} [keep] */
export const shortId = (id, keep = 14) =>
  h('span', { class: 'mono', title: id }, id.length > keep + 1 ? `${id.slice(0, keep)}…` : id);

/**
 * A table of figures: a header row, then the rows (`tr` elements).
 * @param {string[]} headers @param {Child[]} rows
 */
export const grid = (headers, rows) =>
  h(
    'table',
    { class: 'grid' },
    h(
      'tr',
      {},
      headers.map((text) => h('th', {}, text)),
    ),
    rows,
  );

/**
 * A cell for free text (an event type, an error: anyone's string, of any length): cut with an
 * ellipsis to the width the other columns leave, the whole of it in the tooltip.
 * @param {string | null | undefined} text
 */
export const clipCell = (text) => h('td', { class: 'clip', title: text ?? '' }, text ?? '');

/** @param {string} text @param {string} [kind] ok | warn | bad | info | muted */
export const badge = (text, kind = 'muted') => h('span', { class: `badge ${kind}` }, text);

/** A label and a figure. @param {string} label @param {Child} value @param {string} [kind] */
export const stat = (label, value, kind = '') =>
  h(
    'div',
    { class: `stat ${kind}` },
    h('span', { class: 'value' }, value),
    h('span', { class: 'label' }, label),
  );

/** @param {string} message */
export const errorLine = (message) => h('p', { class: 'error', testid: 'panel-error' }, message);

/**
 * A sparkline: the rate as a filled area, the latency (when the stage has one) as a line on its
 * own scale. Points are `{t, rate, ms}`.
 * @param {{t: number, rate: number, ms: number | null}[]} points
 * @param {{width?: number, height?: number, label?: string}} [options]
 */
export function sparkline(points, options = {}) {
  const width = options.width ?? 240;
  const height = options.height ?? 44;
  const box = svg('svg', {
    class: 'spark',
    attrs: { viewBox: `0 0 ${width} ${height}`, width: String(width), height: String(height), role: 'img' },
  });
  const last = points.at(-1);
  const lastMs = [...points].reverse().find((p) => p.ms !== null)?.ms ?? null;
  box.append(
    svg(
      'title',
      {},
      `${options.label ?? ''} ${last ? rate(last.rate) : 'no data yet'}${lastMs !== null ? `, ${ms(lastMs)}` : ''}`,
    ),
  );
  if (points.length < 2) {
    box.append(
      svg('text', { class: 'spark-empty', attrs: { x: '4', y: String(height / 2 + 4) } }, 'collecting…'),
    );
    return box;
  }
  const t0 = points[0].t;
  const span = Math.max(1, (last?.t ?? t0) - t0);
  const x = (/** @type {number} */ t) => ((t - t0) / span) * (width - 2) + 1;
  const maxRate = Math.max(1, ...points.map((p) => p.rate));
  const y = (/** @type {number} */ v, /** @type {number} */ max) => height - 2 - (v / max) * (height - 6);
  const line = points.map((p) => `${x(p.t).toFixed(1)},${y(p.rate, maxRate).toFixed(1)}`).join(' ');
  box.append(
    svg('polygon', {
      class: 'spark-area',
      attrs: { points: `1,${height - 1} ${line} ${x(last?.t ?? t0)},${height - 1}` },
    }),
    svg('polyline', { class: 'spark-rate', attrs: { points: line } }),
  );
  const withMs = points.filter((p) => p.ms !== null);
  if (withMs.length >= 2) {
    const maxMs = Math.max(1, ...withMs.map((p) => /** @type {number} */ (p.ms)));
    const msLine = withMs.map(
      (p) => `${x(p.t).toFixed(1)},${y(/** @type {number} */ (p.ms), maxMs).toFixed(1)}`,
    );
    box.append(svg('polyline', { class: 'spark-ms', attrs: { points: msLine.join(' ') } }));
  }
  return box;
}

/** A sparkline with its legend: current rate and latency. */
export function sparkBlock(
  /** @type {{t: number, rate: number, ms: number | null}[]} */ points,
  /** @type {string} */ rateLabel,
  /** @type {string | null} */ msLabel,
  /** @type {{width?: number, height?: number}} */ options = {},
) {
  const last = points.at(-1);
  const lastMs = [...points].reverse().find((p) => p.ms !== null)?.ms ?? null;
  return h(
    'div',
    { class: 'spark-block' },
    sparkline(points, { ...options, label: rateLabel }),
    h(
      'div',
      { class: 'legend' },
      h('span', { class: 'key rate' }, `${rateLabel} ${last ? rate(last.rate) : '–'}`),
      msLabel ? h('span', { class: 'key ms' }, `${msLabel} ${ms(lastMs)}`) : null,
    ),
  );
}
