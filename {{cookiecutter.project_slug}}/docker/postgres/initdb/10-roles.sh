#!/bin/bash
# Runs once, when the database is first created (the official image runs every script in
# /docker-entrypoint-initdb.d): the roles by duty, made by the script `make db-roles` runs too.
set -o errexit -o nounset -o pipefail
bash /opt/db/bin/roles.sh
