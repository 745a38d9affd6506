import type { z } from '@hono/zod-openapi';
import type { EmitterRow } from '../model/emitter.js';
import type { WebhookRow } from '../model/webhook.js';
import type { EmitterCounts } from '../store/emitters-store.js';
import type { EmitterSchema } from './emitter-schemas.js';
import type { WebhookSchema } from './webhook-schemas.js';

const iso = (d: Date | null) => (d === null ? null : d.toISOString());

/** Header values that look like credentials never leave the sender (they are sent, not shown). */
const CREDENTIAL_HEADER = /auth|token|secret|key|cookie|password|signature/i;

/** A webhook as every answer shows it (the seed's field names); never its secret. */
export function webhookView(w: WebhookRow): z.infer<typeof WebhookSchema> {
  return {
    webhook_id: w.id,
    customer_id: w.customerId,
    webhook_url: w.url,
    webhook_status: w.status,
    event_types: w.eventTypes,
    description: w.description,
    headers: Object.fromEntries(
      Object.entries(w.headers).map(([k, v]) => [k, CREDENTIAL_HEADER.test(k) ? '[redacted]' : v]),
    ),
    max_in_flight: w.maxInFlight,
    signature_scheme: w.signatureScheme,
    payload: w.payload,
    failing_since: iso(w.failingSince),
    disabled_at: iso(w.disabledAt),
    disabled_reason: w.disabledReason,
    created_at: w.createdAt.toISOString(),
    updated_at: w.updatedAt.toISOString(),
  };
}

/** An emitter with its counters; fault counters grouped by kind and by the status they got. */
export function emitterView(e: EmitterRow, counts: EmitterCounts | undefined): z.infer<typeof EmitterSchema> {
  const c = counts?.counters ?? new Map<string, number>();
  const faults: Record<string, { sent: number; statuses: Record<string, number> }> = {};
  for (const [name, n] of c) {
    const m = /^fault\.([a-z_]+)\.(sent|status\.(.+))$/.exec(name);
    if (!m) continue;
    const kind = (faults[m[1]!] ??= { sent: 0, statuses: {} });
    if (m[2] === 'sent') kind.sent = n;
    else kind.statuses[m[3]!] = n;
  }
  return {
    emitter_id: e.id,
    webhook_id: e.webhookId,
    customer_id: e.customerId,
    status: e.status,
    rate: e.rate,
    count: e.maxCount,
    duration_seconds: e.durationMs === null ? null : e.durationMs / 1000,
    event_types: e.eventTypes,
    faults: Object.fromEntries(Object.entries(e.faults).filter(([, v]) => typeof v === 'number')),
    simulate: { retry: e.simulate.retry ?? 0, dead: e.simulate.dead ?? 0 },
    concurrency: e.concurrency,
    started_at: e.startedAt.toISOString(),
    ends_at: iso(e.endsAt),
    stopped_at: iso(e.stoppedAt),
    stop_reason: e.stopReason,
    owner: e.owner,
    counters: {
      sent: c.get('sent') ?? 0,
      delivered: c.get('delivered') ?? 0,
      failed: c.get('failed') ?? 0,
      retrying: counts?.retrying ?? 0,
      pending: counts?.pending ?? 0,
      invalid: c.get('invalid') ?? 0,
      faults,
    },
  };
}
