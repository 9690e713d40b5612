#!/bin/bash
# Dump the database into the db-backups volume as /backups/<db>-<UTC time>.dump, in pg_dump's
# custom format (compressed; pg_restore can pick tables from it). Run: make backup
set -o errexit -o nounset -o pipefail

export PGPASSWORD="$(< "$POSTGRES_PASSWORD_FILE")"
name="${POSTGRES_DB}-$(date -u +%Y%m%dT%H%M%SZ).dump"

# Write under a temporary name first: a file with the final name is always a complete dump.
pg_dump --username="$POSTGRES_USER" --dbname="$POSTGRES_DB" --format=custom --file="/backups/$name.partial"
mv "/backups/$name.partial" "/backups/$name"
echo "backup written: $name"
