-- Retention (sender/src/retention.ts) deletes finished deliveries by finished_at and producer
-- events by created_at, oldest first, in batches. The deliveries index is partial: a row enters
-- it once, when it finishes, not on each of its writes (enqueue, claim, outcome).
CREATE INDEX deliveries_finished_idx ON deliveries (finished_at)
  WHERE status IN ('delivered', 'failed', 'rejected', 'canceled');
CREATE INDEX events_created_idx ON events (created_at);
