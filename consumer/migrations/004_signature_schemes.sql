-- Receiver secrets carry the signature scheme they verify (standard-webhooks, github, stripe).
-- Uniqueness moves from the secret's value to its SHA-256: a duplicate insert's error names the
-- digest, so PostgreSQL's own log (DETAIL: Key (...)=(...) already exists) never holds a secret.

ALTER TABLE receiver_secrets
  ADD COLUMN signature_scheme text NOT NULL DEFAULT 'standard-webhooks'
    CHECK (signature_scheme IN ('standard-webhooks', 'github', 'stripe'));

-- convert_to is only STABLE (it depends on the encoding name): this wrapper is IMMUTABLE for the
-- fixed 'UTF8' it passes, which a generated column needs.
CREATE FUNCTION hookpipe_secret_sha256(secret text) RETURNS bytea LANGUAGE sql IMMUTABLE STRICT AS $$
  SELECT sha256(convert_to(secret, 'UTF8'))
$$;

ALTER TABLE receiver_secrets DROP CONSTRAINT receiver_secrets_secret_key;
ALTER TABLE receiver_secrets
  ADD COLUMN secret_sha256 bytea GENERATED ALWAYS AS (hookpipe_secret_sha256(secret)) STORED;
CREATE UNIQUE INDEX receiver_secrets_secret_sha256_idx ON receiver_secrets (secret_sha256);
