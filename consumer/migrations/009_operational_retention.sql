-- Retention (consumer/src/retention.ts) deletes finished operational deliveries by the time they
-- finished; pending ones are never in this index, so it costs the outbox's hot rows nothing.
CREATE INDEX IF NOT EXISTS operational_deliveries_finished_idx
  ON operational_deliveries (finished_at) WHERE status <> 'pending';
