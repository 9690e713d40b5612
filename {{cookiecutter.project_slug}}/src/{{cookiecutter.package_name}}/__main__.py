"""Management commands: python -m {{ cookiecutter.package_name }} --help"""

import argparse
{%- if cookiecutter.reports == "yes" %}
import os
{%- endif %}
import sys

from . import logs
from .config import ConfigError, Settings
from .migrate import upgrade


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"python -m {__package__}")
    commands = parser.add_subparsers(dest="command", required=True)
    migrate = commands.add_parser("migrate", help="apply the database migrations (alembic upgrade)")
    migrate.add_argument("revision", nargs="?", default="head", help="default: head")
    commands.add_parser("check-config", help="read the configuration and print the database in use")
    token = commands.add_parser("token", help="make, list and revoke API tokens (docs/api.md)")
    actions = token.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create", help="make a token and print it (shown this once)")
    create.add_argument("--name", required=True, help="who or what uses it, e.g. ci or alice")
    create.add_argument(
        "--scope",
        action="append",
        required=True,
        help="what it may do, once per scope, e.g. items:read (all scopes: docs/api.md)",
    )
    create.add_argument(
        "--expires-in", metavar="DAYS", help="days until it expires (default: never)"
    )
    actions.add_parser("list", help="the tokens: name, scopes, expiry, last use (never a secret)")
    revoke = actions.add_parser("revoke", help="revoke a token: refused from now on")
    revoke.add_argument("name")
{%- if cookiecutter.reports == "yes" %}
    report_parser = commands.add_parser("report", help="the reports (docs/reports.md)")
    report_parser.add_argument(
        "action", choices=["run", "serve"], help="run: one run now; serve: the reports service"
    )
{%- endif %}
    return parser


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        settings = Settings.from_env()
    except ConfigError as error:
        print(f"configuration error: {error}", file=sys.stderr)
        return 2
    logs.configure(settings.log_format, settings.log_level)
    if args.command == "migrate":
        upgrade(settings, args.revision)
    elif args.command == "token":
        from . import tokens  # here: the other commands need none of the web app's libraries

        try:
            print(tokens.run(settings, args))
        except tokens.TokenError as error:
            print(f"token {args.action}: {error}", file=sys.stderr)
            return 2
{%- if cookiecutter.reports == "yes" %}
    elif args.command == "report":
        return report(settings, args.action)
{%- endif %}
    else:
        print(f"database: {settings.database_url.render_as_string(hide_password=True)}")
    return 0

{%- if cookiecutter.reports == "yes" %}


def report(settings: Settings, action: str) -> int:
    """`report run`: one run now, waiting for one in progress; exit 1 if it fails (logged).
    `report serve`: the reports service (reports/service.py)."""
    # Imported here: the app and the other commands do not load the reports' code.
    from .reports.runs import ReportSettings, run_once
    from .reports.service import serve

    try:
        reports = ReportSettings.from_env(os.environ, settings)
    except ConfigError as error:
        print(f"configuration error: {error}", file=sys.stderr)
        return 2
    title = "{{ cookiecutter.project_slug }}: reports"
    if action == "serve":
        serve(settings, reports, title, port=int(os.environ.get("PORT") or 8000))
        return 0
    try:
        name = run_once(settings, reports, title)
    except Exception:  # noqa: BLE001 (run_once logged it, as one line)
        return 1
    print(f"{reports.folder / 'runs' / name}")
    return 0
{%- endif %}


if __name__ == "__main__":
    sys.exit(main())
