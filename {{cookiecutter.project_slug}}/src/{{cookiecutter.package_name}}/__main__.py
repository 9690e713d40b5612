"""Management commands: python -m {{ cookiecutter.package_name }} --help"""

import argparse
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
    args = parser.parse_args(argv)

    try:
        settings = Settings.from_env()
    except ConfigError as error:
        print(f"configuration error: {error}", file=sys.stderr)
        return 2
    logs.configure(settings.log_format, settings.log_level)
    if args.command == "migrate":
        upgrade(settings, args.revision)
    else:
        print(f"database: {settings.database_url.render_as_string(hide_password=True)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
