#!/bin/bash
# Restore a dump made by backup.sh, replacing the current contents of the tables it holds.
# Run: make restore FILE=<name>   (make backups lists the names)
set -o errexit -o nounset -o pipefail

# The db-backups volume (see backup.sh); the dumps are the *.dump files at its top.
backups=/var/lib/postgresql
name="${1:-}"
if [[ "$name" != *.dump || "$name" == */* || ! -f "$backups/$name" ]]; then
  echo "restore: refusing: no backup named '$name' in the db-backups volume. There are:" >&2
  (cd "$backups" && ls -1 -- *.dump 2>/dev/null) >&2 || echo "  (none)" >&2
  exit 1
fi

# (Assigned, then exported: `export X="$(...)"` would hide a failure to read the file.)
PGPASSWORD="$(< "$POSTGRES_PASSWORD_FILE")"
export PGPASSWORD
# --clean drops each object before recreating it; --single-transaction makes it all or nothing.
pg_restore --username="$POSTGRES_USER" --dbname="$POSTGRES_DB" --clean --if-exists \
  --single-transaction --exit-on-error "$backups/$name"
echo "restored: $name"
