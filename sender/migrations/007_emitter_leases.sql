-- Emitter leases: several sender processes share one database, and each running emitter is run
-- by exactly one of them. `owner` is that process's SENDER_INSTANCE_ID; it renews `lease_until`
-- every third of SENDER_EMITTER_LEASE_MS, and any process may take over a running emitter whose
-- lease has run out (its owner died). Lease times are the database's clock, so the processes'
-- own clocks never decide who owns what.
ALTER TABLE emitters
  ADD COLUMN owner text,
  ADD COLUMN lease_until timestamptz;
CREATE INDEX emitters_lease_idx ON emitters (lease_until) WHERE status = 'running';
