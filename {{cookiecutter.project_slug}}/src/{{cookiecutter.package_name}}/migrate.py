"""Apply the Alembic migrations in migrations/ to the configured database."""

from pathlib import Path

from alembic import command
from alembic.config import Config

from .config import Settings

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(settings: Settings) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["settings"] = settings  # read by migrations/env.py
    return config


def upgrade(settings: Settings, revision: str = "head") -> None:
    if settings.database_url.get_backend_name() == "sqlite":
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(settings), revision)
