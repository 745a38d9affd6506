-- Reconciliation compares the sender's 2xx webhook-ids with one receiver's tables; deliveries
-- to other endpoints (a test's own HTTP server, say) are not that receiver's to account for.
-- The webhook's current URL lets a reconciler keep to the endpoints of the receiver it checks.
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
GROUP BY d.message_id;
