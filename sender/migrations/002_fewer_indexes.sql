-- Every delivery is written about three times (enqueue, claim, outcome) and each attempt once:
-- drop indexes no query needs, to keep that write path cheap at thousands of events a second.
-- A duplicate_id fault finds its delivered message through deliveries_webhook_idx instead.
DROP INDEX IF EXISTS deliveries_emitter_delivered_idx;
DROP INDEX IF EXISTS deliveries_status_idx;
DROP INDEX IF EXISTS delivery_attempts_message_idx;
