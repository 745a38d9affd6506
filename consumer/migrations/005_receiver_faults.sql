-- Receiver-side fault profiles (docs/receiver-faults.md): per customer, what the handlers do to
-- its verified requests before Kafka (answer a status, answer late, drop the connection). The
-- consumer's API writes them; the handlers LISTEN on receiver_faults_changed and reload.
CREATE TABLE receiver_faults (
  customer_id text        PRIMARY KEY CHECK (length(customer_id) BETWEEN 1 AND 255),
  profile     jsonb       NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION receiver_faults_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('receiver_faults_changed', '');
  RETURN NULL;
END $$;
CREATE TRIGGER receiver_faults_changed
  AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON receiver_faults
  FOR EACH STATEMENT EXECUTE FUNCTION receiver_faults_notify();

-- Attempts per message id of a customer that has a profile, counted across every replica
-- (a profile's first_attempts rule needs the count before it decides).
CREATE TABLE receiver_attempt_counts (
  customer_id text    NOT NULL,
  message_id  text    NOT NULL,
  attempts    integer NOT NULL,
  PRIMARY KEY (customer_id, message_id)
);

-- Every attempt of such a customer and what the handler did with it: how a sender reacted to the
-- faults (attempts per message id, the spacing between them, whether Retry-After was kept).
CREATE TABLE receiver_attempts (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_id   text        NOT NULL,
  message_id    text        NOT NULL,
  attempt       integer,                  -- null when it could not be counted
  received_at   timestamptz NOT NULL,
  action        text        NOT NULL CHECK (action IN ('pass', 'status', 'delay', 'drop')),
  status        integer,
  retry_after_s integer,
  delay_ms      integer,
  handler_id    text
);
CREATE INDEX receiver_attempts_message_idx ON receiver_attempts (customer_id, message_id, received_at);
CREATE INDEX receiver_attempts_received_idx ON receiver_attempts (received_at);
