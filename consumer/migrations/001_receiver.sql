-- The receiver's schema (DATABASE_URL): the keyring the handlers verify with, the events the
-- consumer persists, and the dead letters it gives up on.

-- Secrets the receiver accepts, each owned by a customer. Two rows of one customer = rotation.
-- The value is needed in clear to compute HMACs; it is never returned by the API or logged.
CREATE TABLE receiver_secrets (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_id text        NOT NULL CHECK (length(customer_id) BETWEEN 1 AND 255),
  secret      text        NOT NULL UNIQUE,
  label       text,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX receiver_secrets_customer_idx ON receiver_secrets (customer_id);

-- Handler replicas LISTEN on this channel and reload their keyring when it fires.
CREATE FUNCTION receiver_secrets_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('receiver_secrets_changed', '');
  RETURN NULL;
END $$;
CREATE TRIGGER receiver_secrets_changed
  AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON receiver_secrets
  FOR EACH STATEMENT EXECUTE FUNCTION receiver_secrets_notify();

-- One row per webhook-id, ever: redelivery never makes a second row.
CREATE TABLE events (
  webhook_id      text        PRIMARY KEY,
  customer_id     text        NOT NULL,
  event_type      text        NOT NULL,
  payload         jsonb       NOT NULL,
  retry_count     integer     NOT NULL DEFAULT 0,
  signed_at       timestamptz,               -- webhook-timestamp of the verified signature
  received_at     timestamptz NOT NULL,      -- when a handler accepted it
  persisted_at    timestamptz NOT NULL DEFAULT now(),
  request_id      text,
  kafka_topic     text        NOT NULL,
  kafka_partition integer     NOT NULL,
  kafka_offset    bigint      NOT NULL
);
CREATE INDEX events_persisted_idx ON events (persisted_at, webhook_id);
CREATE INDEX events_customer_idx ON events (customer_id, persisted_at);
CREATE INDEX events_type_idx ON events (event_type, persisted_at);

-- Every failed processing attempt, for an event's retry history.
CREATE TABLE event_failures (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  webhook_id    text        NOT NULL,
  retry_count   integer     NOT NULL,
  error_class   text        NOT NULL,
  error_message text        NOT NULL,
  outcome       text        NOT NULL CHECK (outcome IN ('retry', 'dead_letter')),
  not_before    timestamptz,
  kafka_topic   text        NOT NULL,
  kafka_partition integer   NOT NULL,
  kafka_offset  bigint      NOT NULL,
  failed_at     timestamptz NOT NULL DEFAULT now(),
  UNIQUE (kafka_topic, kafka_partition, kafka_offset)
);
CREATE INDEX event_failures_webhook_idx ON event_failures (webhook_id, failed_at);

-- Events the consumer gave up on. At most one unreplayed row per webhook-id; a replayed row
-- stays as history (replayed_at set) and the event may dead-letter again later.
CREATE TABLE dead_letters (
  id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  webhook_id         text        NOT NULL,
  customer_id        text,
  event_type         text,
  retry_count        integer     NOT NULL,
  reason             text        NOT NULL,
  error_class        text        NOT NULL,
  payload            jsonb,                 -- null when the body was not JSON
  raw_body           bytea       NOT NULL,  -- the exact bytes, for replay
  headers            jsonb       NOT NULL,  -- the record's headers, as strings
  original_topic     text        NOT NULL,
  original_partition integer     NOT NULL,
  original_offset    bigint      NOT NULL,
  first_failed_at    timestamptz NOT NULL,
  failed_at          timestamptz NOT NULL DEFAULT now(),
  replayed_at        timestamptz,
  replay_count       integer     NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX dead_letters_open_webhook_idx ON dead_letters (webhook_id) WHERE replayed_at IS NULL;
CREATE INDEX dead_letters_failed_idx ON dead_letters (failed_at, id);
