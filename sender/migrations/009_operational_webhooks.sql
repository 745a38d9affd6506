-- Operational webhooks (docs/operational-webhooks.md): endpoints of the sender's operator that
-- get signed events about the sender itself (endpoint.disabled, endpoint.enabled,
-- message.attempt.exhausted). Each is a `webhooks` row marked operational, so its secrets, its
-- deliveries, their retries and attempt records are those of any webhook; everything about
-- customers' webhooks (lists, fan-out, emitters, linked secrets, reconciliation) leaves them out.
-- IF NOT EXISTS / OR REPLACE / the guarded rename: running this file again changes nothing.
ALTER TABLE webhooks ADD COLUMN IF NOT EXISTS operational boolean NOT NULL DEFAULT false;
-- The one check an event's cause makes: which operational endpoints are there (few rows).
CREATE INDEX IF NOT EXISTS webhooks_operational_idx ON webhooks (id) WHERE operational AND deleted_at IS NULL;
-- Reconciliation accounts for what the receiver got from customers' webhooks only: the view
-- reconcilers read keeps to those, over the one that had every delivery (kept, renamed).
DO $$
BEGIN
  IF to_regclass('delivery_outcomes_all') IS NULL THEN
    ALTER VIEW delivery_outcomes RENAME TO delivery_outcomes_all;
  END IF;
END
$$;
CREATE OR REPLACE VIEW delivery_outcomes AS
SELECT o.* FROM delivery_outcomes_all o JOIN webhooks w ON w.id = o.webhook_id WHERE NOT w.operational;
