-- Emitter leases: several sender processes share one database, and each running emitter is run
-- by exactly one of them. `owner` is that process's SENDER_INSTANCE_ID; it renews `lease_until`
-- every third of SENDER_EMITTER_LEASE_MS, and any process may take over a running emitter whose
-- lease has run out (its owner died). Lease times are the database's clock, so the processes'
-- own clocks never decide who owns what. IF NOT EXISTS: a database that ran this file under its
-- earlier name (007_emitter_leases) takes it again as a no-op.
ALTER TABLE emitters
  ADD COLUMN IF NOT EXISTS owner text,
  ADD COLUMN IF NOT EXISTS lease_until timestamptz;
CREATE INDEX IF NOT EXISTS emitters_lease_idx ON emitters (lease_until) WHERE status = 'running';
