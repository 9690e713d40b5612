"""Management commands: python -m {{ cookiecutter.package_name }} --help"""

import argparse
{%- if cookiecutter.reports == "yes" %}
import os
{%- endif %}
import sys

from . import logs
from .config import ConfigError, Settings
from .migrate import upgrade


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=f"python -m {__package__}")
    commands = parser.add_subparsers(dest="command", required=True)
    migrate = commands.add_parser("migrate", help="apply the database migrations (alembic upgrade)")
    migrate.add_argument("revision", nargs="?", default="head", help="default: head")
    commands.add_parser("check-config", help="read the configuration and print the database in use")
{%- if cookiecutter.reports == "yes" %}
    report_parser = commands.add_parser("report", help="the reports (docs/reports.md)")
    report_parser.add_argument(
        "action", choices=["run", "serve"], help="run: one run now; serve: the reports service"
    )
{%- endif %}
    args = parser.parse_args(argv)

    try:
        settings = Settings.from_env()
    except ConfigError as error:
        print(f"configuration error: {error}", file=sys.stderr)
        return 2
    logs.configure(settings.log_format, settings.log_level)
    if args.command == "migrate":
        upgrade(settings, args.revision)
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
