-- Shares of an emitter's events that ask the receiver's consumer to fail them on purpose
-- (data.simulate, honoured when the consumer runs with CONSUMER_FAILURE_INJECTION=on):
-- {"retry": share failing once or twice, "dead": share failing always}.
ALTER TABLE emitters ADD COLUMN simulate jsonb NOT NULL DEFAULT '{}';
