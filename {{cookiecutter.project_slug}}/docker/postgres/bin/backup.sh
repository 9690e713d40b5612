#!/bin/bash
# Dump the database into the db-backups volume as <db>-<UTC time>.dump, in pg_dump's custom
# format (compressed; pg_restore can pick tables from it). Run: make backup
set -o errexit -o nounset -o pipefail

# The db-backups volume: mounted at the postgres user's home, so that a new volume belongs to
# postgres (compose.yaml).
backups=/var/lib/postgresql
if [ ! -w "$backups" ]; then
  echo "backup: $backups (the db-backups volume) is not writable by $(id -un). A volume made by an" >&2
  echo "older compose.yaml, whose db started as root, belongs to root; hand it to postgres once with:" >&2
  echo "  docker compose run --rm --no-deps --user root --cap-add CHOWN --entrypoint chown db postgres: $backups" >&2
  exit 1
fi

# (Assigned, then exported: `export X="$(...)"` would hide a failure to read the file.)
PGPASSWORD="$(< "$POSTGRES_PASSWORD_FILE")"
export PGPASSWORD
name="${POSTGRES_DB}-$(date -u +%Y%m%dT%H%M%SZ).dump"

# Write under a temporary name first: a file with the final name is always a complete dump.
pg_dump --username="$POSTGRES_USER" --dbname="$POSTGRES_DB" --format=custom --file="$backups/$name.partial"
mv "$backups/$name.partial" "$backups/$name"
echo "backup written: $name"
