import pg from 'pg';

/**
 * Reconciliation: every event the sender got a 2xx for must end as exactly one row in the
 * receiver's `events`, or one open dead letter — never both, never neither. The sender and the
 * receiver are separate parties with separate databases, so this joins them in memory by
 * webhook-id (the sender's message id).
 */
export interface ReconcileScope {
  /** Only messages of these customers (the sender's customer ids, also the receiver's). */
  customers?: string[];
  /**
   * Only messages sent to webhook URLs starting with this (the receiver's ingress): a sender
   * may deliver to other receivers too, which this receiver never sees.
   */
  targetPrefix?: string;
}

export interface ReconcileReport {
  /** Distinct webhook-ids the sender got a 2xx for. */
  delivered: number;
  /** …of which persisted as a row in `events`. */
  persisted: number;
  /** …of which in `dead_letters`, not replayed. */
  deadLettered: number;
  /** Delivered but neither persisted nor dead-lettered (yet). */
  missing: string[];
  /** Both persisted and open in the dead-letter table: two outcomes for one event. */
  duplicated: string[];
  /** Receiver rows of the scope's customers that the sender never got a 2xx for. */
  unexpected: string[];
  /** The sender's messages still pending (not final): reconcile again once they are. */
  pending: number;
  /** Messages the sender gave up on (no 2xx, not fault deliveries). */
  failedAtSender: number;
}

export const reconcileOk = (r: ReconcileReport): boolean =>
  r.missing.length === 0 && r.duplicated.length === 0 && r.unexpected.length === 0;

/** Runs `fn` with a connected client of `url`, and closes it. */
export async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function reconcile(
  urls: { databaseUrl: string; senderDatabaseUrl: string },
  scope: ReconcileScope = {},
): Promise<ReconcileReport> {
  const customers = scope.customers ?? null;
  const target = scope.targetPrefix ?? null;
  const sender = await withClient(urls.senderDatabaseUrl, (c) =>
    c.query<{ message_id: string; outcome: string; fault_only: boolean }>(
      `SELECT message_id, outcome, fault_only FROM delivery_outcomes
        WHERE ($1::text[] IS NULL OR customer_id = ANY($1))
          AND ($2::text IS NULL OR starts_with(webhook_url, $2))`,
      [customers, target],
    ),
  );
  const delivered = new Set<string>();
  const known = new Set<string>();
  const faultOnly = new Set<string>();
  let pending = 0;
  let failedAtSender = 0;
  for (const row of sender.rows) {
    known.add(row.message_id);
    if (row.fault_only) faultOnly.add(row.message_id);
    if (row.outcome === 'delivered') delivered.add(row.message_id);
    else if (row.outcome === 'pending') pending += 1;
    else if (row.outcome === 'failed' && !row.fault_only) failedAtSender += 1;
  }
  const ids = [...known];
  const receiver = await withClient(urls.databaseUrl, async (c) => {
    const events = await c.query<{ webhook_id: string }>(
      `SELECT webhook_id FROM events WHERE webhook_id = ANY($1) OR ($2::text[] IS NOT NULL AND customer_id = ANY($2))`,
      [ids, customers],
    );
    const dead = await c.query<{ webhook_id: string }>(
      `SELECT webhook_id FROM dead_letters
        WHERE replayed_at IS NULL AND (webhook_id = ANY($1) OR ($2::text[] IS NOT NULL AND customer_id = ANY($2)))`,
      [ids, customers],
    );
    return { events: events.rows.map((r) => r.webhook_id), dead: dead.rows.map((r) => r.webhook_id) };
  });
  const persistedSet = new Set(receiver.events);
  const deadSet = new Set(receiver.dead);
  const missing: string[] = [];
  const duplicated: string[] = [];
  let persisted = 0;
  let deadLettered = 0;
  for (const id of delivered) {
    const p = persistedSet.has(id);
    const d = deadSet.has(id);
    if (p) persisted += 1;
    if (d) deadLettered += 1;
    if (p && d) duplicated.push(id);
    if (!p && !d) missing.push(id);
  }
  // A row the sender never got a 2xx for is fine when the sender is still retrying it (the 2xx
  // was lost) or gave up after the receiver had accepted it; it is a defect when the sender never
  // sent it at all, or sent it only as a fault meant to be rejected.
  const unexpected = [...new Set([...persistedSet, ...deadSet])].filter(
    (id) => !known.has(id) || (!delivered.has(id) && faultOnly.has(id)),
  );
  return {
    delivered: delivered.size,
    persisted,
    deadLettered,
    missing,
    duplicated,
    unexpected,
    pending,
    failedAtSender,
  };
}

/** Polls until nothing is missing or pending (or the deadline passes); returns the last report. */
export async function reconcileWhenSettled(
  urls: { databaseUrl: string; senderDatabaseUrl: string },
  scope: ReconcileScope,
  options: { timeoutMs: number; intervalMs?: number; onProgress?: (r: ReconcileReport) => void },
): Promise<ReconcileReport> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const report = await reconcile(urls, scope);
    options.onProgress?.(report);
    const settled = report.missing.length === 0 && report.pending === 0;
    if (settled || Date.now() > deadline) return report;
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 500));
  }
}

export function formatReport(r: ReconcileReport): string {
  const sample = (ids: string[]) =>
    ids.length ? ` (${ids.slice(0, 5).join(', ')}${ids.length > 5 ? ', …' : ''})` : '';
  return [
    `delivered      ${r.delivered}`,
    `persisted      ${r.persisted}`,
    `dead-lettered  ${r.deadLettered}`,
    `missing        ${r.missing.length}${sample(r.missing)}`,
    `duplicated     ${r.duplicated.length}${sample(r.duplicated)}`,
    `unexpected     ${r.unexpected.length}${sample(r.unexpected)}`,
    `still pending  ${r.pending}`,
    `failed at sender ${r.failedAtSender}`,
  ].join('\n');
}
