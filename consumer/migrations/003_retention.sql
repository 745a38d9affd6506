-- Retention (consumer/src/retention.ts) deletes replayed dead letters by their replay time, and
-- keeps an event's failure history while any dead letter of its webhook-id remains. Dead letters
-- are few next to events, so these indexes cost the write path little.
CREATE INDEX dead_letters_replayed_idx ON dead_letters (replayed_at) WHERE replayed_at IS NOT NULL;
CREATE INDEX dead_letters_webhook_idx ON dead_letters (webhook_id);
