import type pg from 'pg';

/** The receiver's own table: one row per message id, whatever the sender retries. */
export async function migrate(pool: pg.Pool): Promise<void> {
  await pool.query(`
    CREATE TABLE IF NOT EXISTS received_webhooks (
      message_id  text PRIMARY KEY,
      event_type  text NOT NULL,
      payload     jsonb NOT NULL,
      received_at timestamptz NOT NULL DEFAULT now()
    )`);
}

/**
 * Stores an event once: a redelivery of a message id already stored (the sender retried after a
 * lost or failed answer) changes nothing. Returns whether this call stored it.
 */
export async function storeEvent(
  pool: pg.Pool,
  event: { messageId: string; type: string; payload: unknown },
): Promise<boolean> {
  const result = await pool.query(
    `INSERT INTO received_webhooks (message_id, event_type, payload) VALUES ($1, $2, $3)
     ON CONFLICT (message_id) DO NOTHING`,
    [event.messageId, event.type, JSON.stringify(event.payload)],
  );
  return result.rowCount === 1;
}
