"""Apply the Alembic migrations in migrations/ to the configured database."""

import itertools
import logging
import time
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.exc import DBAPIError

from .config import Settings
from .db import make_engine

MIGRATIONS = Path(__file__).parent / "migrations"
# How long `migrate` waits for the database to accept connections (compose starts it once the db
# is healthy, but `docker compose run migrate` or another orchestrator may start it sooner).
WAIT_FOR_DATABASE = 60  # seconds

log = logging.getLogger(__name__)


def wait_for_database(settings: Settings, timeout: float = WAIT_FOR_DATABASE) -> None:
    """Return once the database accepts a connection; raise if it does not within timeout."""
    engine = make_engine(settings)
    deadline = time.monotonic() + timeout
    try:
        for attempt in itertools.count():
            try:
                with engine.connect():
                    return
            except DBAPIError:  # refused, not yet accepting, name not yet known...
                if time.monotonic() > deadline:
                    raise
                if attempt == 0:
                    log.info("waiting for the database to accept connections")
                time.sleep(0.2)
    finally:
        engine.dispose()


def alembic_config(settings: Settings) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["settings"] = settings  # read by migrations/env.py
    return config


def upgrade(settings: Settings, revision: str = "head") -> None:
    if settings.database_url.get_backend_name() == "sqlite":
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    else:
        wait_for_database(settings)
    command.upgrade(alembic_config(settings), revision)
