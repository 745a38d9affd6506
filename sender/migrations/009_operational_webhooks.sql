-- Operational webhooks (docs/operational-webhooks.md): endpoints of the sender's operator that
-- get signed events about the sender itself (endpoint.disabled, endpoint.enabled,
-- message.attempt.exhausted). Each is a `webhooks` row marked operational, so its secrets, its
-- deliveries, their retries and attempt records are those of any webhook; everything about
-- customers' webhooks (lists, fan-out, emitters, linked secrets, reconciliation) leaves them out.
-- IF NOT EXISTS / OR REPLACE: running this file again changes nothing.
ALTER TABLE webhooks ADD COLUMN IF NOT EXISTS operational boolean NOT NULL DEFAULT false;
-- The one check an event's cause makes: which operational endpoints are there (few rows).
CREATE INDEX IF NOT EXISTS webhooks_operational_idx ON webhooks (id) WHERE operational AND deleted_at IS NULL;
-- Reconciliation accounts for what the receiver got from customers' webhooks only.
CREATE OR REPLACE VIEW delivery_outcomes AS
SELECT d.message_id,
       min(d.customer_id) AS customer_id,
       min(d.webhook_id)  AS webhook_id,
       CASE
         WHEN bool_or(d.status = 'delivered') THEN 'delivered'
         WHEN bool_or(d.status IN ('pending', 'held')) THEN 'pending'
         WHEN bool_or(d.status = 'failed') THEN 'failed'
         WHEN bool_or(d.status = 'rejected') THEN 'rejected'
         ELSE 'canceled'
       END AS outcome,
       bool_and(d.fault IS NOT NULL) AS fault_only,
       max(d.finished_at) AS finished_at,
       min(w.url) AS webhook_url
FROM deliveries d
JOIN webhooks w ON w.id = d.webhook_id
WHERE NOT w.operational
GROUP BY d.message_id;
