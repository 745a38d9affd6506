#!/usr/bin/env bash
# Runs once, when the postgres image initialises an empty data directory: the receiver's database
# is POSTGRES_DB; the sender is a separate party with a separate database on the same server.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  --set db="${HOOKPIPE_SENDER_DB:-hookpipe_sender}" <<'SQL'
SELECT format('CREATE DATABASE %I', :'db') WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db')
\gexec
SQL
