import { WebhookId } from './schemas.js';

/*
 * What the sender's page cursors hold (opaque to clients: see encodeCursor in @hookpipe/lib/api).
 * Each decoder returns null for anything this API would not have made.
 */

/** Position after a webhook in a list in id order: its id. */
export function readWebhookCursor(fields: Record<string, unknown>): { id: string } | null {
  return WebhookId.safeParse(fields.id).success ? { id: fields.id as string } : null;
}

/** Position after a delivery in a list newest first: its id (a bigint as text). */
export function readDeliveryCursor(fields: Record<string, unknown>): { id: string } | null {
  return typeof fields.id === 'string' && /^[1-9]\d{0,18}$/.test(fields.id) ? { id: fields.id } : null;
}
