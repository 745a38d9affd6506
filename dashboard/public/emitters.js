// The sender's stage: its emitters (GET /emitters) with start/stop buttons that call the same
// routes as curl, POST /emitter/start|stop?customer_id=&webhook_id=, with the sender key; and
// the sender's attempts/s and mean attempt time from its open /metrics.
import { describeError, q } from './api.js';
import { badge, byId, errorLine, h, ms, num, rate, shortId, sparkBlock, stat } from './dom.js';

const HISTORY = 90;
const SHOWN = 6;

/** Sum of every sample of a metric in Prometheus text. @param {string} text @param {string} name */
function metricSum(text, name) {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== ' ' && rest[0] !== '{') continue;
    const value = Number(line.trim().split(/\s+/).at(-1));
    if (Number.isFinite(value)) sum += value;
  }
  return sum;
}

/**
 * @param {ReturnType<typeof import('./api.js').makeApis>} apis
 * @param {() => void} refresh asks for a new poll at once (after a button did something)
 */
export function makeEmitterStage(apis, refresh) {
  /** @type {{t: number, rate: number, ms: number | null}[]} */
  const series = [];
  /** @type {{t: number, attempts: number, seconds: number, count: number} | null} */
  let lastMetrics = null;
  /** @type {Map<string, {t: number, sent: number}>} */
  const lastSent = new Map();
  let sentPerSecond = 0;
  let message = /** @type {{text: string, kind: string} | null} */ (null);

  const form = /** @type {HTMLFormElement} */ (byId('start-form'));
  const field = (/** @type {string} */ name) =>
    /** @type {HTMLInputElement} */ (form.elements.namedItem(name));

  /** @param {'start' | 'stop'} action @param {string} customerId @param {string} webhookId */
  async function act(action, customerId, webhookId) {
    let path = `/emitter/${action}?customer_id=${q(customerId)}&webhook_id=${q(webhookId)}`;
    if (action === 'start') {
      const options = [
        ['rate', field('rate').value],
        ['simulate_retry', field('retry').value],
        ['simulate_dead', field('dead').value],
      ].filter(([, v]) => v !== '' && v !== '0');
      for (const [k, v] of options) path += `&${k}=${q(String(v))}`;
    }
    try {
      const e = await apis.sender.post(path);
      message = {
        text: `${action === 'start' ? 'started' : 'stopped'} the emitter of ${webhookId} (${e.status})`,
        kind: 'ok',
      };
    } catch (err) {
      message = { text: describeError(err), kind: 'bad' };
    }
    refresh();
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const customer = field('customer_id').value.trim();
    const webhook = field('webhook_id').value.trim();
    if (!customer || !webhook) {
      message = { text: 'customer_id and webhook_id are both needed (as for curl)', kind: 'bad' };
      refresh();
      return;
    }
    void act('start', customer, webhook);
  });

  /** @param {any} e */
  function row(e) {
    const c = e.counters;
    const running = e.status === 'running';
    const faults = Object.entries(c.faults ?? {});
    const button = h(
      'button',
      {
        class: running ? 'danger small' : 'small',
        testid: running ? 'emitter-stop' : 'emitter-start',
        on: {
          click: (ev) => {
            ev.stopPropagation();
            /** @type {HTMLButtonElement} */ (ev.currentTarget).disabled = true;
            void act(running ? 'stop' : 'start', e.customer_id, e.webhook_id);
          },
        },
      },
      running ? 'Stop' : 'Start',
    );
    return h(
      'div',
      {
        class: `emitter ${running ? 'running' : ''}`,
        testid: 'emitter',
        data: { webhook: e.webhook_id, status: e.status },
        title: 'click to copy its ids into the form below',
        on: {
          click: () => {
            field('customer_id').value = e.customer_id;
            field('webhook_id').value = e.webhook_id;
          },
        },
      },
      h(
        'div',
        { class: 'row' },
        h('span', { class: `dot ${running ? 'ok' : 'muted'}` }),
        shortId(e.customer_id, 16),
        badge(e.status, running ? 'ok' : 'muted'),
        h('span', { class: 'spacer' }),
        button,
      ),
      h(
        'div',
        { class: 'counts' },
        h('span', {}, rate(e.rate)),
        h('span', { testid: 'emitter-sent' }, 'sent ', h('b', {}, num(c.sent))),
        h('span', { class: 's2', testid: 'emitter-delivered' }, 'delivered ', h('b', {}, num(c.delivered))),
        h('span', { class: 's5' }, 'failed ', h('b', {}, num(c.failed))),
        h('span', { class: 's4' }, 'retrying ', h('b', {}, num(c.retrying))),
      ),
      faults.length || e.simulate.retry || e.simulate.dead
        ? h(
            'div',
            { class: 'chips' },
            faults.map(([kind, f]) =>
              h(
                'span',
                { class: 'chip', title: `final statuses: ${JSON.stringify(f.statuses)}` },
                `${kind.replace(/_/g, ' ')} `,
                h('b', {}, num(f.sent)),
              ),
            ),
            e.simulate.retry ? h('span', { class: 'chip warn' }, `retry share ${e.simulate.retry}`) : null,
            e.simulate.dead ? h('span', { class: 'chip bad' }, `dead share ${e.simulate.dead}`) : null,
          )
        : null,
      h('div', { class: 'caption mono', title: e.webhook_id }, e.webhook_id),
    );
  }

  return {
    /** Polls the sender; never throws (errors are shown in the card). */
    async load() {
      const [emitters, metrics] = await Promise.allSettled([
        apis.sender.get(`/emitters?status=all&limit=${SHOWN}`),
        apis.sender.metrics(),
      ]);
      const now = Date.now();
      if (metrics.status === 'fulfilled') {
        const m = {
          t: now,
          attempts: metricSum(metrics.value, 'hookpipe_sender_attempts_total'),
          seconds: metricSum(metrics.value, 'hookpipe_sender_attempt_duration_seconds_sum'),
          count: metricSum(metrics.value, 'hookpipe_sender_attempt_duration_seconds_count'),
        };
        if (lastMetrics && m.attempts >= lastMetrics.attempts && now > lastMetrics.t) {
          const dt = (now - lastMetrics.t) / 1000;
          const n = m.count - lastMetrics.count;
          series.push({
            t: now,
            rate: Math.round(((m.attempts - lastMetrics.attempts) / dt) * 100) / 100,
            ms: n > 0 ? Math.round(((m.seconds - lastMetrics.seconds) / n) * 100000) / 100 : null,
          });
          if (series.length > HISTORY) series.shift();
        }
        lastMetrics = m;
      }
      if (emitters.status === 'fulfilled') {
        let sum = 0;
        for (const e of emitters.value.data) {
          const before = lastSent.get(e.emitter_id);
          if (before && now > before.t)
            sum += Math.max(0, e.counters.sent - before.sent) / ((now - before.t) / 1000);
          lastSent.set(e.emitter_id, { t: now, sent: e.counters.sent });
        }
        sentPerSecond = sum;
      }
      return { emitters, metrics };
    },

    /** @param {Awaited<ReturnType<any>>} loaded */
    render(loaded) {
      const { emitters, metrics } = loaded;
      const list = emitters.status === 'fulfilled' ? emitters.value.data : [];
      const running = list.filter((/** @type {any} */ e) => e.status === 'running').length;
      return [
        h(
          'div',
          { class: 'stats' },
          stat('events sent', rate(sentPerSecond), 'big'),
          stat('running', num(running)),
          stat('attempt', ms(series.at(-1)?.ms ?? null)),
        ),
        metrics.status === 'rejected'
          ? errorLine(describeError(metrics.reason))
          : sparkBlock(series, 'attempts', 'time'),
        message ? h('p', { class: `notice ${message.kind}`, testid: 'emitter-message' }, message.text) : null,
        emitters.status === 'rejected'
          ? errorLine(describeError(emitters.reason))
          : list.length === 0
            ? h('p', { class: 'hint' }, 'No emitter yet: start one below with a webhook’s ids.')
            : list.map(row),
      ];
    },
  };
}
