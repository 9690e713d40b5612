#!/bin/bash
# The database's roles by duty (docs/production.md), made or brought up to date, as the superuser
# (POSTGRES_USER). Run when the database is first created (docker/postgres/initdb/), and by
# `make db-roles` in a project made before the roles were. Safe to run again: it sets each role's
# password from its secret file and changes nothing else that is already right.
#   app_owner  owns the database, its tables and sequences; runs the migrations (may create databases,
#              for the dev container's tests)
#   app        the app: reads and writes the tables' rows, uses their sequences; owns nothing
#   reporting  Grafana, postgres-exporter: reads the tables, and the statistics (pg_monitor)
set -o errexit -o nounset -o pipefail

case "$POSTGRES_USER" in
  app_owner | app | reporting)
    echo "roles: POSTGRES_USER=$POSTGRES_USER is one of the roles by duty: name the superuser otherwise" >&2
    exit 1
    ;;
esac

secret() { cat "/run/secrets/$1"; }

# Over the local socket, as the superuser: the official image trusts local connections.
psql -v ON_ERROR_STOP=1 --no-psqlrc --quiet --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  --set db="$POSTGRES_DB" --set owner_password="$(secret db_owner_password)" \
  --set app_password="$(secret db_app_password)" \
  --set reporting_password="$(secret db_reporting_password)" <<'SQL'
SELECT format('CREATE ROLE %I', name) FROM (VALUES ('app_owner'), ('app'), ('reporting')) AS roles (name)
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = name)
\gexec
-- None is a superuser or may create roles; only the owner may create databases.
ALTER ROLE app_owner LOGIN NOSUPERUSER NOCREATEROLE CREATEDB NOREPLICATION NOBYPASSRLS PASSWORD :'owner_password';
ALTER ROLE app LOGIN NOSUPERUSER NOCREATEROLE NOCREATEDB NOREPLICATION NOBYPASSRLS PASSWORD :'app_password';
ALTER ROLE reporting LOGIN NOSUPERUSER NOCREATEROLE NOCREATEDB NOREPLICATION NOBYPASSRLS PASSWORD :'reporting_password';
-- Every session of reporting is read-only, whatever it asks for.
ALTER ROLE reporting SET default_transaction_read_only = on;

-- The owner role owns the database and its schema: migrations create tables there.
ALTER DATABASE :"db" OWNER TO app_owner;
ALTER SCHEMA public OWNER TO app_owner;
-- Closed by default: no other role may connect, make temporary tables or create objects...
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
-- ...but these two.
GRANT CONNECT ON DATABASE :"db" TO app, reporting;
GRANT USAGE ON SCHEMA public TO app, reporting;

-- What the superuser made in the schema (a project made before the roles: its migrations ran as
-- the superuser) goes to the owner role. A sequence of a serial or identity column follows its
-- table; what an extension made stays the extension's.
SELECT format('ALTER %s %s OWNER TO app_owner',
              CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW'
                             WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'f' THEN 'FOREIGN TABLE'
                             ELSE 'TABLE' END,
              c.oid::regclass)
FROM pg_class AS c
WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
  AND c.relowner = current_user::regrole
  AND NOT EXISTS (SELECT FROM pg_depend AS d WHERE d.classid = 'pg_class'::regclass
                  AND d.objid = c.oid AND d.deptype IN ('a', 'i', 'e'))
\gexec
SELECT format('ALTER %s %s OWNER TO app_owner', CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, t.oid::regtype)
FROM pg_type AS t
WHERE t.typnamespace = 'public'::regnamespace AND t.typtype IN ('e', 'd', 'r')
  AND t.typowner = current_user::regrole
  AND NOT EXISTS (SELECT FROM pg_depend AS d WHERE d.classid = 'pg_type'::regclass
                  AND d.objid = t.oid AND d.deptype = 'e')
\gexec
SELECT format('ALTER ROUTINE %s OWNER TO app_owner', p.oid::regprocedure)
FROM pg_proc AS p
WHERE p.pronamespace = 'public'::regnamespace AND p.proowner = current_user::regrole
  AND NOT EXISTS (SELECT FROM pg_depend AS d WHERE d.classid = 'pg_proc'::regclass
                  AND d.objid = p.oid AND d.deptype = 'e')
\gexec

-- The app: the rows of every table, and the sequences that number them; the same on every table
-- and sequence the owner role creates later (its migrations).
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO app;
ALTER DEFAULT PRIVILEGES FOR ROLE app_owner IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO app;
ALTER DEFAULT PRIVILEGES FOR ROLE app_owner IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO app;
-- reporting: reads every table, now and later, and the statistics views postgres-exporter reports.
GRANT SELECT ON ALL TABLES IN SCHEMA public TO reporting;
ALTER DEFAULT PRIVILEGES FOR ROLE app_owner IN SCHEMA public GRANT SELECT ON TABLES TO reporting;
GRANT pg_monitor TO reporting;
SQL
echo "roles: app_owner, app and reporting are up to date in $POSTGRES_DB"
