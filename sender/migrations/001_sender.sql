-- The sender's schema (SENDER_DATABASE_URL): registrations and their secrets, producer events,
-- the delivery outbox with every attempt, and the emitters that feed it. The receiver's
-- database is a different party's and is never touched from here.

-- A registered endpoint ("webhook" in the seed's API). Deleted rows stay (deleted_at) so the
-- delivery history and reconciliation keep their webhook.
CREATE TABLE webhooks (
  id              text        PRIMARY KEY,
  customer_id     text        NOT NULL CHECK (length(customer_id) BETWEEN 1 AND 255),
  url             text        NOT NULL CHECK (length(url) BETWEEN 1 AND 2048),
  description     text,
  event_types     text[]      NOT NULL DEFAULT '{*}',
  headers         jsonb       NOT NULL DEFAULT '{}',
  max_in_flight   integer     NOT NULL CHECK (max_in_flight > 0),
  status          text        NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'DISABLED')),
  -- First failed attempt since the last success; the webhook is disabled once it is older
  -- than SENDER_DISABLE_AFTER_S.
  failing_since   timestamptz,
  disabled_at     timestamptz,
  disabled_reason text,
  created_at      timestamptz NOT NULL,
  updated_at      timestamptz NOT NULL,
  deleted_at      timestamptz
);
CREATE UNIQUE INDEX webhooks_customer_url_idx ON webhooks (customer_id, url) WHERE deleted_at IS NULL;
CREATE INDEX webhooks_active_idx ON webhooks (status) WHERE deleted_at IS NULL;

-- Signing secrets. The newest row has expires_at NULL; a rotation gives the previous one an
-- expiry, and every unexpired secret signs (one v1 entry each) until then. `secret` is the
-- whsec_ value in clear, or sealed with SENDER_SECRET_KEY (prefix "sealed1:"), see secrets.ts.
CREATE TABLE webhook_secrets (
  id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  webhook_id  text        NOT NULL REFERENCES webhooks (id),
  secret      text        NOT NULL,
  created_at  timestamptz NOT NULL,
  expires_at  timestamptz
);
CREATE INDEX webhook_secrets_webhook_idx ON webhook_secrets (webhook_id);

-- Events producers posted to POST /events (or /webhooks/:id/trigger). `id` is the producer's
-- idempotency key; `answer` is the 202 body given the first time, returned again on a repeat.
CREATE TABLE events (
  id            text        PRIMARY KEY,
  type          text        NOT NULL,
  source        text,
  event_time    timestamptz NOT NULL,
  data          jsonb       NOT NULL,
  request_hash  text        NOT NULL,
  answer        jsonb       NOT NULL,
  created_at    timestamptz NOT NULL
);

-- The outbox: one row per message to one webhook. message_id is the webhook-id header, fixed at
-- enqueue time and sent on every attempt; body holds the exact bytes sent on every attempt.
--   pending   due at next_attempt_at (a claim pushes next_attempt_at out by the lease, so a
--             crashed sender's claims become due again)
--   held      the webhook is DISABLED; resumes (pending) when it is re-enabled
--   delivered a 2xx came back
--   failed    a non-retried answer, or the last attempt failed (fault IS NULL only)
--   rejected  a fault delivery got its final non-2xx answer (the expected outcome)
--   canceled  the webhook was deleted before delivery
CREATE TABLE deliveries (
  id                bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  message_id        text        NOT NULL,
  webhook_id        text        NOT NULL REFERENCES webhooks (id),
  customer_id       text        NOT NULL,
  event_id          text,
  emitter_id        text,
  event_type        text        NOT NULL,
  body              bytea       NOT NULL,
  fault             text CHECK (fault IN ('bad_signature', 'stale_timestamp', 'duplicate_id', 'oversized', 'malformed_json')),
  status            text        NOT NULL CHECK (status IN ('pending', 'held', 'delivered', 'failed', 'rejected', 'canceled')),
  attempts          integer     NOT NULL DEFAULT 0,
  next_attempt_at   timestamptz NOT NULL,
  claim_token       text,
  last_attempt_at   timestamptz,
  last_status_code  integer,
  last_error        text,
  created_at        timestamptz NOT NULL,
  finished_at       timestamptz
);
-- A message id is used by one delivery, except duplicate_id faults which replay one on purpose.
CREATE UNIQUE INDEX deliveries_message_idx ON deliveries (message_id) WHERE fault IS DISTINCT FROM 'duplicate_id';
CREATE INDEX deliveries_due_idx ON deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_webhook_idx ON deliveries (webhook_id, id);
CREATE INDEX deliveries_event_idx ON deliveries (event_id) WHERE event_id IS NOT NULL;
CREATE INDEX deliveries_open_idx ON deliveries (webhook_id) WHERE status IN ('pending', 'held');
CREATE INDEX deliveries_emitter_open_idx ON deliveries (emitter_id) WHERE status IN ('pending', 'held');
CREATE INDEX deliveries_emitter_delivered_idx ON deliveries (emitter_id, finished_at)
  WHERE status = 'delivered' AND fault IS NULL;
CREATE INDEX deliveries_status_idx ON deliveries (status, finished_at);

-- Every attempt, as sent: outcome is what the sender decided from it.
CREATE TABLE delivery_attempts (
  id                bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  delivery_id       bigint      NOT NULL REFERENCES deliveries (id),
  webhook_id        text        NOT NULL,
  message_id        text        NOT NULL,
  attempt           integer     NOT NULL,
  fault             text,
  signed_at         bigint      NOT NULL,  -- the webhook-timestamp sent (Unix seconds)
  started_at        timestamptz NOT NULL,
  duration_ms       integer     NOT NULL,
  status_code       integer,
  error             text,
  response_excerpt  text,
  outcome           text        NOT NULL CHECK (outcome IN ('delivered', 'retry', 'failed', 'rejected')),
  next_attempt_at   timestamptz
);
CREATE INDEX delivery_attempts_delivery_idx ON delivery_attempts (delivery_id, attempt);
CREATE INDEX delivery_attempts_message_idx ON delivery_attempts (message_id);
CREATE INDEX delivery_attempts_webhook_idx ON delivery_attempts (webhook_id, started_at);

-- Emitters: one row per run. At most one running per webhook; running rows are resumed when
-- the sender starts.
CREATE TABLE emitters (
  id            text        PRIMARY KEY,
  webhook_id    text        NOT NULL REFERENCES webhooks (id),
  customer_id   text        NOT NULL,
  status        text        NOT NULL CHECK (status IN ('running', 'stopped', 'completed')),
  rate          double precision NOT NULL CHECK (rate > 0),
  max_count     bigint,
  duration_ms   bigint,
  event_types   text[]      NOT NULL,
  faults        jsonb       NOT NULL DEFAULT '{}',
  concurrency   integer     NOT NULL CHECK (concurrency > 0),
  emitted       bigint      NOT NULL DEFAULT 0,
  started_at    timestamptz NOT NULL,
  ends_at       timestamptz,
  stopped_at    timestamptz,
  stop_reason   text
);
CREATE UNIQUE INDEX emitters_running_idx ON emitters (webhook_id) WHERE status = 'running';
CREATE INDEX emitters_webhook_idx ON emitters (webhook_id, started_at);

-- Monotonic per-emitter counters (sent, delivered, failed, fault.<kind>.sent,
-- fault.<kind>.status.<code|error>), bumped in the same statements that move deliveries.
CREATE TABLE emitter_counters (
  emitter_id  text   NOT NULL REFERENCES emitters (id),
  name        text   NOT NULL,
  n           bigint NOT NULL,
  PRIMARY KEY (emitter_id, name)
);

-- What reconciliation reads: one row per message id the sender has a final word on, or is
-- still trying. `delivered` = some delivery carrying this webhook-id got a 2xx.
CREATE VIEW delivery_outcomes AS
SELECT message_id,
       min(customer_id) AS customer_id,
       min(webhook_id)  AS webhook_id,
       CASE
         WHEN bool_or(status = 'delivered') THEN 'delivered'
         WHEN bool_or(status IN ('pending', 'held')) THEN 'pending'
         WHEN bool_or(status = 'failed') THEN 'failed'
         WHEN bool_or(status = 'rejected') THEN 'rejected'
         ELSE 'canceled'
       END AS outcome,
       bool_and(fault IS NOT NULL) AS fault_only,
       max(finished_at) AS finished_at
FROM deliveries
GROUP BY message_id;
