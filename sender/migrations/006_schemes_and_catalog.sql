-- "Test anyone's webhooks": a webhook signs under one scheme (fixed at registration) and may
-- carry a static payload merged into every generated event's data.
ALTER TABLE webhooks
  ADD COLUMN signature_scheme text NOT NULL DEFAULT 'standard-webhooks'
    CHECK (signature_scheme IN ('standard-webhooks', 'github', 'stripe')),
  ADD COLUMN payload jsonb;

-- Event types users define (POST /event-types, or SENDER_EVENT_CATALOG at start): `schema` is a
-- JSON Schema (draft 2020-12) of the event's data. Built-in types live in code, not here.
CREATE TABLE event_types (
  type         text        PRIMARY KEY CHECK (type ~ '^[\x21-\x7e]{1,255}$'),
  description  text,
  schema       jsonb       NOT NULL,
  created_at   timestamptz NOT NULL,
  updated_at   timestamptz NOT NULL
);

-- Secrets the sender installed on its own stack's receiver (linked secrets): one row per sender
-- secret installed. `receiver_secret_id` is the receiver's id, null when the receiver held that
-- secret already (then it is not ours to remove). The sweep removes a row's secret from the
-- receiver once `remove_after` has passed and records `removed_at`; no foreign key to webhooks,
-- so a removal survives whatever becomes of the webhook.
CREATE TABLE linked_secrets (
  id                  bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  webhook_id          text        NOT NULL,
  sender_secret_id    bigint,
  receiver_secret_id  bigint,
  created_at          timestamptz NOT NULL,
  remove_after        timestamptz,
  removed_at          timestamptz,
  tries               integer     NOT NULL DEFAULT 0,
  last_error          text
);
CREATE INDEX linked_secrets_webhook_idx ON linked_secrets (webhook_id);
CREATE INDEX linked_secrets_due_idx ON linked_secrets (remove_after) WHERE removed_at IS NULL;
