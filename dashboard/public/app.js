// The live dashboard: polls the consumer's GET /dashboard/state, its events, dead letters and fault
// profiles, and the sender's emitters, every poll_ms (≤ 2 s), and draws the pipeline left to right.
import { checkScopes, describeError, keys, makeApis, settle } from './api.js';
import { makeEmitterStage } from './emitters.js';
import { ago, badge, byId, clipCell, errorLine, grid, h, num, renderInto, shortId } from './dom.js';
import { makeInspector } from './inspector.js';
import { consumerStage, ingressStage, kafkaStage } from './stages.js';

const config = await fetch('/dashboard/config.json', { cache: 'no-store' }).then((r) => r.json());
const apis = makeApis(config);

// ---- keys: typed once, kept in sessionStorage ------------------------------------------------
const keysPanel = byId('keys');
const senderKey = /** @type {HTMLInputElement} */ (byId('sender-key'));
const receiverKey = /** @type {HTMLInputElement} */ (byId('receiver-key'));
const showKeys = (/** @type {boolean} */ show) => {
  keysPanel.hidden = !show;
  senderKey.value = keys.get('sender');
  receiverKey.value = keys.get('receiver');
};
byId('keys-toggle').addEventListener('click', () => showKeys(keysPanel.hidden));
byId('keys-form').addEventListener('submit', (e) => {
  e.preventDefault();
  keys.set('sender', senderKey.value.trim());
  keys.set('receiver', receiverKey.value.trim());
  showKeys(false);
  void showScopes();
  void poll();
});
byId('keys-forget').addEventListener('click', () => {
  keys.set('sender', '');
  keys.set('receiver', '');
  showKeys(true);
});
showKeys(!keys.get('sender') || !keys.get('receiver'));

/** Names, under the header, each scope the page needs that a typed key lacks, and what it is for. */
async function showScopes() {
  const el = byId('key-scopes');
  if (!keys.get('sender') || !keys.get('receiver')) {
    el.hidden = true;
    return;
  }
  const lines = (await checkScopes(apis)).flatMap((r) =>
    r.error
      ? [] // a wrong or unreachable key already shows its own error where it is used
      : (r.missing ?? []).map(([scope, why]) =>
          h('li', { testid: 'missing-scope', data: { api: r.api, scope } }, [
            `the ${r.api} key "${r.name}" lacks `,
            h('code', {}, scope),
            `: ${why} will not work`,
          ]),
        ),
  );
  el.hidden = lines.length === 0;
  el.replaceChildren(...(lines.length ? [h('ul', {}, lines)] : []));
}
void showScopes();

// ---- the stages ----------------------------------------------------------------------------
let timer = /** @type {number | undefined} */ (undefined);
const refresh = () => void poll();
const emitters = makeEmitterStage(apis, refresh);
const inspector = makeInspector(apis, byId('inspector-body'), replay);
const body = (/** @type {string} */ id) => /** @type {HTMLElement} */ (byId(id).querySelector('.body'));
let replayMessage = /** @type {{text: string, kind: string} | null} */ (null);

/** @param {number} id */
async function replay(id) {
  try {
    const r = await apis.receiver.post(`/dead-letters/${id}/replay`);
    replayMessage = {
      text: `dead letter #${id} replayed at ${new Date(r.replayed_at).toLocaleTimeString([], { hour12: false })}`,
      kind: 'ok',
    };
  } catch (err) {
    replayMessage = { text: describeError(err), kind: 'bad' };
  }
  await poll();
}

byId('inspect-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const id = /** @type {HTMLInputElement} */ (byId('inspect-id')).value.trim();
  if (id) void inspector.open(id);
});

/** One line, cut when the event type is long; the whole of it in the tooltip. @param {any} dl */
function deadLetterCaption(dl) {
  const text = `${dl.event_type ?? '?'} · ${dl.error_class} · ${ago(dl.failed_at)}`;
  return h('div', { class: 'caption', title: text }, text);
}

/** @param {any} dl */
const deadLetterRow = (dl) =>
  h(
    'li',
    {
      class: 'dl',
      testid: 'dead-letter',
      data: { id: String(dl.id), webhook: dl.webhook_id },
      on: { click: () => void inspector.open(dl.webhook_id, dl.id) },
    },
    h(
      'div',
      { class: 'row' },
      h('b', {}, `#${dl.id}`),
      shortId(dl.webhook_id, 16),
      h('span', { class: 'spacer' }),
      dl.replayed_at === null
        ? h(
            'button',
            {
              class: 'small',
              testid: 'replay',
              on: {
                click: (e) => {
                  e.stopPropagation();
                  /** @type {HTMLButtonElement} */ (e.currentTarget).disabled = true;
                  void replay(dl.id);
                },
              },
            },
            'Replay',
          )
        : badge('replayed', 'ok'),
    ),
    deadLetterCaption(dl),
  );

/** @param {any} e */
const eventRow = (e) =>
  h(
    'tr',
    {
      class: 'clickable',
      testid: 'event-row',
      data: { webhook: e.webhook_id },
      on: { click: () => void inspector.open(e.webhook_id) },
    },
    h('td', {}, ago(e.persisted_at)),
    h('td', {}, shortId(e.webhook_id, 22)),
    h('td', {}, shortId(e.customer_id, 18)),
    clipCell(e.event_type),
    h(
      'td',
      {},
      e.retry_count > 0
        ? badge(`${e.retry_count} ${e.retry_count === 1 ? 'retry' : 'retries'}`, 'warn')
        : badge('first try', 'ok'),
    ),
  );

// ---- one poll --------------------------------------------------------------------------------
let lastOk = 0;
async function poll() {
  clearTimeout(timer);
  const [state, events, deadLetters, faults, sender] = await Promise.all([
    settle(apis.receiver.get('/dashboard/state')),
    settle(apis.receiver.get('/events?limit=12')),
    settle(apis.receiver.get('/dead-letters?limit=8')),
    settle(apis.receiver.get('/faults')),
    emitters.load(),
  ]);
  const receiverError = state.error ? describeError(state.error) : null;
  renderInto(body('stage-sender'), JSON.stringify(sender), () => emitters.render(sender));
  const faultsShown = faults.error ? { error: describeError(faults.error) } : faults.value;
  renderInto(body('stage-ingress'), state.value ? [state.value, faultsShown] : receiverError, () =>
    state.value ? ingressStage(state.value, faults, describeError) : errorLine(receiverError ?? ''),
  );
  for (const [id, draw] of /** @type {const} */ ([
    ['stage-kafka', kafkaStage],
    ['stage-consumer', consumerStage],
  ])) {
    renderInto(body(id), state.value ?? receiverError, () =>
      state.value ? draw(state.value) : errorLine(receiverError ?? ''),
    );
  }
  const open = state.value?.consumer.totals?.dead_letters_open;
  byId('dlq-count').textContent = open === undefined ? '' : `${num(open)} open`;
  renderInto(body('stage-dlq'), [deadLetters, replayMessage], () => [
    replayMessage
      ? h('p', { class: `notice ${replayMessage.kind}`, testid: 'replay-message' }, replayMessage.text)
      : null,
    deadLetters.error
      ? errorLine(describeError(deadLetters.error))
      : deadLetters.value.data.length === 0
        ? h('p', { class: 'hint' }, 'The dead-letter queue is empty.')
        : h('ul', { class: 'dls' }, deadLetters.value.data.map(deadLetterRow)),
  ]);
  renderInto(body('events-panel'), events.error ? describeError(events.error) : events.value.data, () =>
    events.error
      ? errorLine(describeError(events.error))
      : events.value.data.length === 0
        ? h('p', { class: 'hint' }, 'No event persisted yet.')
        : grid(['stored', 'webhook-id', 'customer', 'type', 'retries'], events.value.data.map(eventRow)),
  );
  if (inspector.isOpen()) await inspector.refresh();

  const live = byId('live');
  if (!receiverError) lastOk = Date.now();
  live.className = `live ${receiverError ? 'bad' : 'ok'}`;
  byId('live-text').textContent = receiverError
    ? receiverError
    : `live · every ${(config.poll_ms / 1000).toFixed(1)} s · ${new Date(lastOk).toLocaleTimeString([], { hour12: false })}`;
  timer = window.setTimeout(refresh, config.poll_ms);
}

void poll();
