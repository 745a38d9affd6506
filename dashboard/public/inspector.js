// The event inspector: one webhook-id (a message id) followed from the sender's attempts to the
// receiver's row or dead letter. Reads GET /events/{id}, GET /dead-letters?webhook_id= and
// GET /dead-letters/{id} on the consumer, GET /events/{id}/attempts on the sender.
import { ApiError, describeError, q } from './api.js';
import { badge, clipCell, errorLine, grid, h, ms, renderInto, time } from './dom.js';

/** @param {Promise<any>} p resolves to null on a 404 */
const orNull = (p) =>
  p.catch((err) => {
    if (err instanceof ApiError && err.status === 404) return null;
    throw err;
  });

/** @param {Promise<any>} p @returns {Promise<{value?: any, error?: string}>} */
const settle = (p) =>
  p.then(
    (value) => ({ value }),
    (err) => ({ error: describeError(err) }),
  );

/** @param {string} b64 */
function decodeBase64(b64) {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

/** @param {unknown} body */
const pretty = (body) => (typeof body === 'string' ? body : JSON.stringify(body, null, 2));

/** @param {unknown} v */
const show = (v) => (v === null || v === undefined ? '–' : typeof v === 'string' ? v : JSON.stringify(v));

/** @param {[string, unknown][]} rows */
const kv = (rows) =>
  h(
    'table',
    { class: 'kv' },
    rows.map(([k, v]) => h('tr', {}, h('th', {}, k), h('td', { class: 'mono' }, show(v)))),
  );

/** @param {string} title @param {...import('./dom.js').Child} body */
const section = (title, ...body) => h('section', { class: 'insp-section' }, h('h4', {}, title), ...body);

/** Where the event ended, from what each side knows. @param {any} d */
function outcome(d) {
  const dls = d.deadLetters?.value?.data ?? [];
  const open = dls.find((/** @type {any} */ x) => x.replayed_at === null);
  const replayed = dls.find((/** @type {any} */ x) => x.replayed_at !== null);
  const event = d.event?.value;
  if (event) {
    const after = replayed
      ? `, after dead letter #${replayed.id} was replayed ${time(replayed.replayed_at)}`
      : '';
    return {
      kind: 'ok',
      label: 'persisted',
      text: `Row in events (retry_count ${event.retry_count}) since ${time(event.persisted_at)}${after}`,
    };
  }
  if (open)
    return { kind: 'bad', label: 'dead letter', text: `Dead letter #${open.id} (open): ${open.reason}` };
  if (replayed)
    return {
      kind: 'warn',
      label: 'replayed',
      text: `Dead letter #${replayed.id} replayed ${time(replayed.replayed_at)}; not stored yet`,
    };
  const deliveries = d.attempts?.value?.deliveries ?? [];
  const last = deliveries.at(-1);
  if (last?.status === 'failed') {
    return {
      kind: 'bad',
      label: 'failed at sender',
      text: `The sender gave up after ${last.attempts} attempts (last: ${last.last_status_code ?? last.last_error ?? 'no answer'})`,
    };
  }
  if (last?.status === 'rejected')
    return {
      kind: 'info',
      label: 'rejected',
      text: `A fault delivery, refused as expected (${last.last_status_code})`,
    };
  if (last?.status === 'delivered')
    return { kind: 'info', label: 'in flight', text: 'The receiver took it (2xx); not stored yet' };
  if (last)
    return {
      kind: 'warn',
      label: last.status,
      text: `At the sender: ${last.status}, ${last.attempts} attempts so far`,
    };
  return { kind: 'muted', label: 'unknown', text: 'Neither the receiver nor this sender knows this id' };
}

/** @param {any} d */
function signature(d) {
  const event = d.event?.value;
  const dl = d.deadLetter?.value;
  const headers = dl?.headers ?? {};
  const customer = event?.customer_id ?? headers['customer-id'];
  if (!customer) {
    const refused = (d.attempts?.value?.deliveries ?? []).some(
      (/** @type {any} */ x) => x.last_status_code === 401,
    );
    return h(
      'p',
      { class: refused ? 'error' : 'hint' },
      refused ? 'The receiver refused its signature (401).' : 'Not seen by the receiver.',
    );
  }
  const signedAt =
    event?.signed_at ??
    (headers['webhook-timestamp']
      ? new Date(Number(headers['webhook-timestamp']) * 1000).toISOString()
      : null);
  return [
    h(
      'p',
      { class: 'verified', testid: 'inspector-signature' },
      '✓ verified by a handler replica: it matched a secret of customer ',
      h('b', { class: 'mono' }, customer),
    ),
    kv([
      ['signed at (webhook-timestamp)', signedAt],
      ['received at', event?.received_at ?? headers['received-at']],
      ['request id', event?.request_id ?? headers['request-id']],
    ]),
  ];
}

/** @param {any} d */
function headersOf(d) {
  const dl = d.deadLetter?.value;
  if (dl) return section('Kafka record headers (dead letter)', kv(Object.entries(dl.headers)));
  const e = d.event?.value;
  if (!e) return null;
  return section(
    'Kafka record headers (as stored with the row)',
    kv([
      ['webhook-id', e.webhook_id],
      ['customer-id', e.customer_id],
      ['event-type', e.event_type],
      ['received-at', e.received_at],
      ['request-id', e.request_id],
      ['webhook-timestamp', e.signed_at ? Math.floor(new Date(e.signed_at).getTime() / 1000) : null],
      ['retry_count', e.retry_count],
      ['kafka', `${e.kafka.topic}[${e.kafka.partition}]@${e.kafka.offset}`],
    ]),
  );
}

/** @param {any[]} failures */
const history = (failures) =>
  failures.length === 0
    ? h('p', { class: 'hint' }, 'No failed processing attempt.')
    : grid(
        ['retry', 'failed', 'class', 'outcome', 'message'],
        failures.map((f) =>
          h(
            'tr',
            {},
            h('td', {}, f.retry_count),
            h('td', {}, time(f.failed_at)),
            h('td', {}, f.error_class),
            h(
              'td',
              {},
              badge(f.outcome === 'retry' ? 'retry' : 'dead letter', f.outcome === 'retry' ? 'warn' : 'bad'),
            ),
            clipCell(f.error_message),
          ),
        ),
      );

/** @param {any} d */
function attempts(d) {
  if (d.attempts?.error) return errorLine(d.attempts.error);
  const deliveries = d.attempts?.value?.deliveries;
  if (!deliveries) return h('p', { class: 'hint' }, 'This sender has no delivery with this id.');
  return deliveries.map((/** @type {any} */ x) => [
    h(
      'p',
      { class: 'caption' },
      `delivery ${x.delivery_id} of ${x.webhook_id}: `,
      badge(x.status, x.status === 'delivered' ? 'ok' : x.status === 'pending' ? 'warn' : 'bad'),
      x.fault ? badge(`fault: ${x.fault}`, 'info') : null,
    ),
    grid(
      ['#', 'at', 'took', 'status', 'outcome', 'error'],
      x.attempt_log.map((/** @type {any} */ a) =>
        h(
          'tr',
          {},
          h('td', {}, a.attempt),
          h('td', {}, time(a.started_at)),
          h('td', {}, ms(a.duration_ms)),
          h('td', {}, a.status_code ?? '–'),
          h('td', {}, a.outcome),
          clipCell(a.error),
        ),
      ),
    ),
  ]);
}

/**
 * @param {ReturnType<typeof import('./api.js').makeApis>} apis
 * @param {HTMLElement} el where the inspector draws
 * @param {(id: number) => Promise<void>} replay the DLQ's replay action
 */
export function makeInspector(apis, el, replay) {
  /** @type {{webhookId: string, deadLetterId: number | null} | null} */
  let target = null;

  async function load() {
    if (!target) return null;
    const { webhookId } = target;
    const [event, deadLetters, attemptsAnswer] = await Promise.all([
      settle(orNull(apis.receiver.get(`/events/${q(webhookId)}`))),
      settle(apis.receiver.get(`/dead-letters?webhook_id=${q(webhookId)}&limit=10`)),
      settle(orNull(apis.sender.get(`/events/${q(webhookId)}/attempts`))),
    ]);
    const newest = deadLetters.value?.data?.[0];
    const dlId = target.deadLetterId ?? newest?.id ?? null;
    const deadLetter =
      dlId === null ? null : await settle(orNull(apis.receiver.get(`/dead-letters/${dlId}`)));
    return { webhookId, event, deadLetters, deadLetter, attempts: attemptsAnswer };
  }

  /** @param {any} d */
  function render(d) {
    const o = outcome(d);
    const dl = d.deadLetter?.value;
    const event = d.event?.value;
    const body = event
      ? pretty(event.payload)
      : dl
        ? dl.payload === null
          ? decodeBase64(dl.raw_body_base64)
          : pretty(dl.payload)
        : null;
    const errors = [d.event, d.deadLetters, d.deadLetter]
      .filter((x) => x?.error)
      .map((x) => errorLine(x.error));
    return h(
      'div',
      { class: 'insp', testid: 'inspector-body', data: { outcome: o.label } },
      h(
        'div',
        { class: 'insp-title' },
        h('span', { class: 'mono', title: d.webhookId }, d.webhookId),
        badge(o.label, o.kind),
      ),
      h('p', { class: `outcome ${o.kind}`, testid: 'inspector-outcome' }, o.text),
      dl && dl.replayed_at === null
        ? h(
            'button',
            { class: 'primary small', testid: 'inspector-replay', on: { click: () => void replay(dl.id) } },
            `Replay dead letter #${dl.id}`,
          )
        : null,
      errors,
      section('Signature check', signature(d)),
      headersOf(d),
      body === null ? null : section('Body', h('pre', { class: 'body' }, body)),
      section('Retry history (consumer)', history(event?.failures ?? dl?.failures ?? [])),
      section('Attempts (sender)', attempts(d)),
    );
  }

  return {
    /** @param {string} webhookId @param {number | null} [deadLetterId] */
    open(webhookId, deadLetterId = null) {
      target = { webhookId, deadLetterId };
      el.dataset.rendered = '';
      el.replaceChildren(h('p', { class: 'hint' }, `loading ${webhookId}…`));
      return this.refresh();
    },
    isOpen: () => target !== null,
    async refresh() {
      try {
        const d = await load();
        if (d && target && d.webhookId === target.webhookId) renderInto(el, d, () => render(d));
      } catch (err) {
        el.replaceChildren(errorLine(describeError(err)));
      }
    },
  };
}
