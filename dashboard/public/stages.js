// The receiver's stages, drawn from GET /dashboard/state: nginx and the handler replicas, Kafka,
// the consumer. docs/dashboard.md says where each figure comes from.
import { badge, errorLine, h, ms, num, rate, shortId, sparkBlock, stat } from './dom.js';

/** @param {Record<string, number>} counts */
const chips = (counts) =>
  Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => h('span', { class: 'chip' }, `${k.replace(/_/g, ' ')} `, h('b', {}, num(n))));

/** @param {{ '2xx': number, '4xx': number, '5xx': number }} s @param {number} limited */
const statusLine = (s, limited) =>
  h(
    'div',
    { class: 'statuses' },
    h('span', { class: 's2' }, '2xx ', h('b', {}, num(s['2xx']))),
    h('span', { class: 's4' }, '4xx ', h('b', {}, num(s['4xx']))),
    h('span', { class: 's5' }, '5xx ', h('b', {}, num(s['5xx']))),
    h('span', { class: 's429' }, '429 ', h('b', {}, num(limited))),
  );

const FAULT_KINDS = ['status', 'delay', 'drop'];

/** A fault profile in one line, e.g. `503 × 100% (Retry-After 2 s) · first 2 attempts`. @param {any} p */
function profileText(p) {
  const pct = (/** @type {number} */ share) => `${Math.round(share * 100)}%`;
  const parts = [
    p.status
      ? `${p.status.code} × ${pct(p.status.share)}${p.status.retry_after_s === undefined ? '' : ` (Retry-After ${p.status.retry_after_s} s)`}`
      : null,
    p.delay ? `delay ${ms(p.delay.ms)} × ${pct(p.delay.share)}` : null,
    p.drop ? `drop × ${pct(p.drop.share)}` : null,
    p.first_attempts === undefined ? null : `first ${p.first_attempts} attempts`,
  ].filter(Boolean);
  return parts.length ? parts.join(' · ') : 'records attempts only';
}

/**
 * Signature schemes the replicas verified, and the receiver fault profiles in force with what they
 * did (counters since each replica started; `GET /faults` for the profiles).
 * @param {any} state @param {{value?: any, error?: unknown}} faults @param {(err: unknown) => string} describe
 */
function schemesAndFaults(state, faults, describe) {
  const verified = state.handlers.verified;
  const injected = state.handlers.injected_faults;
  const total = FAULT_KINDS.reduce((sum, k) => sum + (injected[k] ?? 0), 0);
  const profiles = faults.value?.data ?? [];
  return [
    h(
      'section',
      { class: 'sub', testid: 'schemes' },
      h('h3', {}, 'verified by signature scheme'),
      Object.keys(verified).length === 0
        ? h('p', { class: 'hint' }, 'No request verified yet.')
        : h(
            'div',
            { class: 'chips' },
            Object.entries(verified).map(([scheme, n]) =>
              h(
                'span',
                { class: 'chip', testid: 'scheme-count', data: { scheme } },
                `${scheme} `,
                h('b', {}, num(n)),
              ),
            ),
          ),
    ),
    h(
      'section',
      { class: 'sub', testid: 'faults' },
      h(
        'h3',
        {},
        'receiver faults ',
        h('span', { class: 'muted', testid: 'faults-injected' }, `${num(total)} injected`),
      ),
      total > 0 || injected.pass
        ? h(
            'div',
            {
              class: 'chips',
              title: 'what fault profiles did to verified requests, since each replica started',
            },
            [...FAULT_KINDS, 'pass'].map((kind) =>
              h(
                'span',
                { class: `chip ${kind === 'pass' ? '' : 'warn'}`, testid: 'injected-count', data: { kind } },
                `${kind} `,
                h('b', {}, num(injected[kind] ?? 0)),
              ),
            ),
          )
        : null,
      faults.error
        ? errorLine(describe(faults.error))
        : profiles.length === 0
          ? h('p', { class: 'hint' }, 'No fault profile in force (PUT /faults/{customer_id}).')
          : h(
              'ul',
              { class: 'profiles' },
              profiles.map((/** @type {any} */ f) =>
                h(
                  'li',
                  { testid: 'fault-profile', data: { customer: f.customer_id } },
                  h('b', {}, shortId(f.customer_id, 18)),
                  ' ',
                  h('span', { class: 'caption', title: JSON.stringify(f.profile) }, profileText(f.profile)),
                ),
              ),
            ),
    ),
  ];
}

/**
 * @param {any} state
 * @param {{value?: any, error?: unknown}} faults the consumer's `GET /faults`
 * @param {(err: unknown) => string} describe
 */
export function ingressStage(state, faults, describe) {
  const n = state.nginx;
  const window = Math.round(state.window_seconds);
  const nginx = !n.configured
    ? h(
        'p',
        { class: 'hint' },
        'nginx figures are off: set CONSUMER_NGINX_ACCESS_LOG to its JSON access log.',
      )
    : [
        h(
          'div',
          { class: 'stats' },
          stat('requests', rate(n.per_second.requests), 'big'),
          stat('mean time', ms(n.latency_ms)),
          stat('429/s', rate(n.per_second['429'])),
        ),
        h('div', { class: 'caption' }, `answers in the last ${window} s`),
        statusLine(n.recent.statuses, n.recent.rate_limited),
        n.recent.edge_rate_limited
          ? h('p', { class: 'hint' }, `${num(n.recent.edge_rate_limited)} refused by nginx's own rate limit`)
          : null,
        n.error ? errorLine(`access log: ${n.error}`) : null,
        sparkBlock(n.series, 'req', 'time'),
      ];
  const replicas = !state.handlers.configured
    ? h('p', { class: 'hint' }, 'replicas are off: set CONSUMER_HANDLER_URLS.')
    : state.handlers.replicas.map((/** @type {any} */ r) => replica(r));
  return [
    h('section', { class: 'sub', testid: 'nginx' }, h('h3', {}, 'nginx'), nginx),
    h('section', { class: 'sub' }, h('h3', {}, 'handler replicas'), replicas),
    state.handlers.configured ? schemesAndFaults(state, faults, describe) : null,
  ];
}

/** @param {any} r */
function replica(r) {
  const name = r.handler_id ?? r.target;
  if (!r.up) {
    return h(
      'div',
      { class: 'replica down', testid: 'replica' },
      h('div', { class: 'row' }, h('span', { class: 'dot bad' }), h('b', {}, name), badge('down', 'bad')),
      errorLine(r.error ?? 'no answer'),
    );
  }
  const f = r.figures;
  return h(
    'div',
    { class: 'replica', testid: 'replica', data: { handler: name } },
    h(
      'div',
      { class: 'row' },
      h('span', {
        class: `dot ${f.producer_ready ? 'ok' : 'warn'}`,
        title: f.producer_ready ? 'Kafka producer connected' : 'no Kafka producer',
      }),
      h('b', {}, name),
      h('span', { class: 'fig' }, rate(r.per_second)),
      h('span', { class: 'fig muted', title: 'mean Kafka send, start to ack' }, `send ${ms(r.produce_ms)}`),
    ),
    statusLine(f.statuses, f.rate_limited),
    Object.values(f.verification_failures).some((v) => v > 0)
      ? h(
          'div',
          { class: 'chips', title: 'verification failures by reason' },
          h('span', { class: 'caption' }, 'verify ✗'),
          chips(f.verification_failures),
        )
      : null,
    sparkBlock(r.series, 'req', null, { height: 26 }),
  );
}

const TOPIC_NAMES = /** @type {Record<string, string>} */ ({
  'webhooks.events': 'events',
  'webhooks.events.retry': 'retry',
  'webhooks.events.dlq': 'dlq',
});

/** @param {any} state */
export function kafkaStage(state) {
  const k = state.kafka;
  const partitions = k.lag.partitions.filter((/** @type {any} */ p) => p.lag !== null);
  return [
    k.error ? errorLine(k.error) : null,
    k.topics.map((/** @type {any} */ t) =>
      h(
        'div',
        { class: 'topic', testid: 'topic', data: { topic: t.topic } },
        h(
          'div',
          { class: 'row' },
          h('b', { title: t.topic }, TOPIC_NAMES[t.topic] ?? t.topic),
          h('span', { class: 'fig' }, rate(t.per_second)),
          h(
            'span',
            { class: 'fig muted', title: 'end offset: records ever written' },
            `${num(t.end_offset)} rec`,
          ),
        ),
        sparkBlock(t.series, 'rec', null, { height: 26 }),
      ),
    ),
    h(
      'section',
      { class: 'sub' },
      h('h3', {}, 'consumer lag ', h('span', { class: 'muted' }, num(k.lag.total))),
      h(
        'div',
        { class: 'lag-grid' },
        partitions.map((/** @type {any} */ p) =>
          h(
            'span',
            {
              class: `lag ${p.lag > 0 ? 'behind' : ''}`,
              title: `${p.topic} partition ${p.partition}: committed ${p.committed ?? 'none'}, end ${p.end}`,
            },
            `${TOPIC_NAMES[p.topic] ?? p.topic}·${p.partition}`,
            h('b', {}, num(p.lag)),
          ),
        ),
      ),
    ),
  ];
}

/** @param {any} state */
export function consumerStage(state) {
  const c = state.consumer;
  const t = c.totals;
  return [
    h(
      'div',
      { class: 'stats' },
      stat('persisted', rate(c.per_second.persisted), 'big'),
      stat('p50 receive→row', ms(c.latency?.p50_ms ?? null)),
    ),
    h(
      'div',
      { class: 'stats' },
      stat('retried', rate(c.per_second.retried), 'warn'),
      stat('dead-lettered', rate(c.per_second.dead_lettered), 'bad'),
    ),
    sparkBlock(c.series, 'rows', 'p50'),
    h(
      'section',
      { class: 'sub', testid: 'consumer-totals' },
      h('h3', {}, 'totals (database)'),
      t
        ? h(
            'div',
            { class: 'totals' },
            stat('events', num(t.persisted)),
            stat('retries', num(t.retried)),
            stat('dead letters', num(t.dead_lettered)),
            stat('open', num(t.dead_letters_open)),
            stat('replayed', num(t.replayed)),
          )
        : errorLine(c.totals_error ?? 'unavailable'),
    ),
    c.latency_error ? errorLine(c.latency_error) : null,
  ];
}
