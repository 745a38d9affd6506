-- What the consumer needs beyond 001: the record key of a dead letter (so a replay republishes
-- under the same key, keeping the customer's partition), a jsonb cast that cannot fail (a dead
-- letter is stored even when its body is not valid jsonb), and indexes for the API's filters.

ALTER TABLE dead_letters ADD COLUMN record_key bytea;

CREATE FUNCTION hookpipe_try_jsonb(body bytea) RETURNS jsonb LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
  RETURN convert_from(body, 'UTF8')::jsonb;
EXCEPTION WHEN others THEN
  RETURN NULL;
END $$;

CREATE INDEX dead_letters_customer_idx ON dead_letters (customer_id, id);
CREATE INDEX dead_letters_type_idx ON dead_letters (event_type, id);
