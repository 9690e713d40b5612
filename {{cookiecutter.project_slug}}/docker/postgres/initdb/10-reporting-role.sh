#!/bin/bash
# Runs once, when the database is first created (the official image runs every script in
# /docker-entrypoint-initdb.d). It creates `reporting`, a read-only role for Grafana's reports
# and for postgres-exporter: it can read the app's tables, and cannot change anything.
set -o errexit -o nounset -o pipefail

password="$(< /run/secrets/db_reporting_password)"

psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  --set password="$password" --set db="$POSTGRES_DB" --set owner="$POSTGRES_USER" <<'SQL'
CREATE ROLE reporting LOGIN PASSWORD :'password';
-- Every session of this role is read-only, whatever it asks for.
ALTER ROLE reporting SET default_transaction_read_only = on;
GRANT CONNECT ON DATABASE :"db" TO reporting;
GRANT USAGE ON SCHEMA public TO reporting;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO reporting;
-- Tables the app's migrations create later are readable too.
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public GRANT SELECT ON TABLES TO reporting;
-- Read access to the statistics views postgres-exporter reports.
GRANT pg_monitor TO reporting;
SQL
