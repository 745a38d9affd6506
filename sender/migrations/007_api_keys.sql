-- API keys with scopes (docs/sender.md, "API keys"): shown once at creation, stored as SHA-256.
-- The keys from SENDER_API_KEY stay bootstrap admin keys beside these.
CREATE TABLE api_keys (
  id           text        PRIMARY KEY,
  name         text        NOT NULL,
  prefix       text        NOT NULL,
  key_sha256   bytea       NOT NULL UNIQUE,
  scopes       text[]      NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz,
  last_used_at timestamptz,
  revoked_at   timestamptz
);
