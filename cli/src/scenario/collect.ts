import { reconcile } from '@hookpipe/stack';
import { allPages, type Api } from './api.js';
import { countAnswers, summarizeDeliveries, type DeliveryRow, type Measurements } from './measures.js';
import { reconcileScope, type RunContext } from './progress.js';
import { durationMs } from './types.js';

// Attempt logs are fetched one message at a time: a few at once keeps the sender responsive.
const LOG_CONCURRENCY = 8;

async function eachLimited<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** Statuses of every attempt of the emitted events; single attempts come from the delivery row. */
async function attemptStatuses(sender: Api, rows: readonly DeliveryRow[]) {
  const statuses = new Map<string, (number | null)[]>();
  const multi: DeliveryRow[] = [];
  for (const r of rows) {
    if (r.fault !== null || r.attempts === 0) continue;
    if (r.attempts === 1 && r.status !== 'pending') statuses.set(r.message_id, [r.last_status_code]);
    else multi.push(r);
  }
  await eachLimited(multi, LOG_CONCURRENCY, async (r) => {
    const answer = await sender.expect('GET', `/events/${encodeURIComponent(r.message_id)}/attempts`);
    const deliveries = (answer.json.deliveries ?? []) as {
      delivery_id: string;
      attempt_log: { status_code: number | null }[];
    }[];
    const mine = deliveries.find((d) => d.delivery_id === r.delivery_id);
    statuses.set(
      r.message_id,
      (mine?.attempt_log ?? []).map((a) => a.status_code),
    );
  });
  return statuses;
}

type ReceiverAttempts = { message_id: string; attempts: { action: string; status: number | null }[] }[];

/** 5xx answers the receiver's fault profiles injected, by message id. */
async function injectedFivexx(ctx: RunContext, wanted: ReadonlySet<string>): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const add = (list: ReceiverAttempts) => {
    for (const m of list)
      out.set(m.message_id, m.attempts.filter((a) => a.action === 'status' && (a.status ?? 0) >= 500).length);
  };
  for (const h of ctx.hooks) {
    const path = `/attempts?customer_id=${encodeURIComponent(h.customerId)}`;
    add((await ctx.receiver!.expect('GET', `${path}&limit=500`)).json.data as ReceiverAttempts);
  }
  // The list holds the 500 most recent message ids per customer: ask for the others one by one.
  const missing = [...wanted].filter((id) => !out.has(id));
  await eachLimited(missing, LOG_CONCURRENCY, async (id) => {
    for (const h of ctx.hooks) {
      const q = `/attempts?customer_id=${encodeURIComponent(h.customerId)}&message_id=${encodeURIComponent(id)}`;
      const list = (await ctx.receiver!.expect('GET', q)).json.data as ReceiverAttempts;
      if (list.length > 0) return add(list);
    }
  });
  return out;
}

/** Measures the run: the sender's deliveries, then (target: stack) the receiver's side. */
export async function collectMeasurements(
  ctx: RunContext,
  replayed: number | undefined,
): Promise<Measurements> {
  const expect = ctx.scenario.expect;
  const rows = (
    await Promise.all(
      ctx.hooks.map((h) => allPages<DeliveryRow>(ctx.sender, `/webhooks/${h.webhookId}/deliveries`)),
    )
  ).flat();
  const m: Measurements = summarizeDeliveries(rows, {
    ...(expect.delivered ? { withinMs: durationMs(expect.delivered.within) } : {}),
  });
  if (expect.answers) {
    const statuses = await attemptStatuses(ctx.sender, rows);
    const fives = new Set([...statuses].filter(([, s]) => s.some((x) => (x ?? 0) >= 500)).map(([id]) => id));
    const injected =
      ctx.receiver && expect.answers.no_5xx_outside_injected ? await injectedFivexx(ctx, fives) : undefined;
    m.answers = countAnswers(statuses, injected);
  }
  if (ctx.receiver) {
    let open = 0;
    for (const h of ctx.hooks)
      open += (
        await allPages(
          ctx.receiver,
          `/dead-letters?status=open&customer_id=${encodeURIComponent(h.customerId)}`,
        )
      ).length;
    m.deadLettersOpen = open;
  }
  if (replayed !== undefined) m.replayed = replayed;
  if (ctx.databases) {
    const r = await reconcile(ctx.databases, reconcileScope(ctx));
    m.reconcile = {
      delivered: r.delivered,
      persisted: r.persisted,
      deadLettered: r.deadLettered,
      missing: r.missing.length,
      duplicated: r.duplicated.length,
      unexpected: r.unexpected.length,
      pending: r.pending,
      samples: [...r.missing, ...r.duplicated, ...r.unexpected].slice(0, 5),
    };
  }
  return m;
}
