-- Incremental keyring loads (docs/handler.md, "Keyring"): every row of receiver_secrets carries the
-- transaction that last wrote it, and removals leave a tombstone with theirs. A handler reads what
-- was written by transactions at or after the oldest one still running at its previous read
-- (pg_snapshot_xmin of that read's snapshot): nothing committed later can be missed, and what is
-- read twice is applied twice harmlessly.
ALTER TABLE receiver_secrets ADD COLUMN changed_xid xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE INDEX receiver_secrets_changed_idx ON receiver_secrets (changed_xid);

CREATE FUNCTION receiver_secrets_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.changed_xid := pg_current_xact_id();
  RETURN NEW;
END $$;
CREATE TRIGGER receiver_secrets_touch BEFORE UPDATE ON receiver_secrets
  FOR EACH ROW EXECUTE FUNCTION receiver_secrets_touch();

-- secret_id 0 stands for "everything" (a TRUNCATE): handlers load the whole table again.
CREATE TABLE receiver_secret_removals (
  secret_id   bigint      NOT NULL,
  removed_xid xid8        NOT NULL DEFAULT pg_current_xact_id(),
  removed_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX receiver_secret_removals_xid_idx ON receiver_secret_removals (removed_xid);
CREATE INDEX receiver_secret_removals_at_idx ON receiver_secret_removals (removed_at);

CREATE FUNCTION receiver_secrets_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    INSERT INTO receiver_secret_removals (secret_id) VALUES (0);
  ELSE
    INSERT INTO receiver_secret_removals (secret_id) VALUES (OLD.id);
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER receiver_secrets_removed AFTER DELETE ON receiver_secrets
  FOR EACH ROW EXECUTE FUNCTION receiver_secrets_removed();
CREATE TRIGGER receiver_secrets_truncated AFTER TRUNCATE ON receiver_secrets
  FOR EACH STATEMENT EXECUTE FUNCTION receiver_secrets_removed();
