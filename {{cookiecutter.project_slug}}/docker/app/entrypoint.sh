#!/bin/sh
# Runs before every command of the container: `docker run IMAGE` starts gunicorn (the CMD), and
# `docker run IMAGE <command>` runs <command> instead, e.g. `migrate`, `check-config`, `token list` or `sh`.
set -o errexit -o nounset

case "${1:-}" in
  # Shortcuts for the management commands: python -m {{ cookiecutter.package_name }} migrate | check-config | token
  migrate | check-config | token)
    set -- python -m {{ cookiecutter.package_name }} "$@"
    ;;
esac

# exec replaces this shell, so the command becomes PID 1 and receives `docker stop`'s SIGTERM.
exec "$@"
