#!/bin/bash
# Restore a dump made by backup.sh, replacing the current contents of the tables it holds.
# Run: make restore FILE=<name>   (make backups lists the names)
set -o errexit -o nounset -o pipefail

name="${1:-}"
if [ -z "$name" ] || [ ! -f "/backups/$name" ]; then
  echo "restore: refusing: no backup named '$name' in the db-backups volume. There are:" >&2
  ls -1 /backups >&2
  exit 1
fi

export PGPASSWORD="$(< "$POSTGRES_PASSWORD_FILE")"
# --clean drops each object before recreating it; --single-transaction makes it all or nothing.
pg_restore --username="$POSTGRES_USER" --dbname="$POSTGRES_DB" --clean --if-exists \
  --single-transaction --exit-on-error "/backups/$name"
echo "restored: $name"
