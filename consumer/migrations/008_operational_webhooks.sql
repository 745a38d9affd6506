-- Operational webhooks (docs/receiver-operational-webhooks.md): the receiver tells its operator about
-- itself (dead_letter.created, dead_letter.replayed) through a small outbox of its own. Events are
-- enqueued in the transaction of the change that causes them; the consumer's delivery worker
-- claims due rows with FOR UPDATE SKIP LOCKED and a lease (next_attempt_at moved past the attempt
-- timeout), so several consumers never send one delivery at once and a crashed one's claims come
-- due again. Written to be safe to run twice.

-- Secrets are stored as the keyring stores them (receiver_secrets): as given, never returned.
CREATE TABLE IF NOT EXISTS operational_endpoints (
  id               text        PRIMARY KEY,
  url              text        NOT NULL,
  signature_scheme text        NOT NULL DEFAULT 'standard-webhooks'
                               CHECK (signature_scheme IN ('standard-webhooks', 'github', 'stripe')),
  secret           text        NOT NULL,
  event_types      text[]      NOT NULL CHECK (cardinality(event_types) > 0),
  description      text,
  active           boolean     NOT NULL DEFAULT true,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  -- A removed endpoint stays, so its delivery history does.
  deleted_at       timestamptz
);
CREATE INDEX IF NOT EXISTS operational_endpoints_live_idx
  ON operational_endpoints (id) WHERE deleted_at IS NULL;

CREATE TABLE IF NOT EXISTS operational_deliveries (
  id               bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  endpoint_id      text        NOT NULL REFERENCES operational_endpoints (id),
  -- The webhook-id: fixed at enqueue, the same on every attempt.
  message_id       text        NOT NULL,
  event_type       text        NOT NULL,
  -- The exact bytes signed and sent.
  body             bytea       NOT NULL,
  status           text        NOT NULL DEFAULT 'pending'
                               CHECK (status IN ('pending', 'delivered', 'failed', 'canceled')),
  attempts         integer     NOT NULL DEFAULT 0,
  next_attempt_at  timestamptz NOT NULL DEFAULT now(),
  claim_token      uuid,
  last_status_code integer,
  last_error       text,
  last_attempt_at  timestamptz,
  created_at       timestamptz NOT NULL DEFAULT now(),
  finished_at      timestamptz
);
CREATE INDEX IF NOT EXISTS operational_deliveries_due_idx
  ON operational_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX IF NOT EXISTS operational_deliveries_endpoint_idx
  ON operational_deliveries (endpoint_id, id);

CREATE TABLE IF NOT EXISTS operational_attempts (
  delivery_id bigint      NOT NULL REFERENCES operational_deliveries (id) ON DELETE CASCADE,
  attempt     integer     NOT NULL,
  status_code integer,
  error       text,
  duration_ms integer     NOT NULL,
  started_at  timestamptz NOT NULL,
  PRIMARY KEY (delivery_id, attempt)
);
