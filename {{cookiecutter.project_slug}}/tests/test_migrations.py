import time
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect
from sqlalchemy.exc import OperationalError

from {{ cookiecutter.package_name }}.config import Settings
from {{ cookiecutter.package_name }}.db import make_engine
from {{ cookiecutter.package_name }}.migrate import (
    alembic_config,
    upgrade,
    wait_for_database,
)

from .conftest import make_settings


def test_models_match_the_migrations(settings: Settings) -> None:
    # Fails when models.py changed without a migration: run `alembic revision --autogenerate`.
    command.check(alembic_config(settings))


def test_migrations_go_down_and_up_again(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, f"sqlite:///{tmp_path}/migrations.db")
    upgrade(settings)
    command.downgrade(alembic_config(settings), "base")
    engine = make_engine(settings)
    assert "items" not in inspect(engine).get_table_names()
    upgrade(settings)
    assert "items" in inspect(engine).get_table_names()
    engine.dispose()


def test_wait_for_database_returns_once_it_answers(tmp_path: Path) -> None:
    wait_for_database(make_settings(tmp_path, f"sqlite:///{tmp_path}/wait.db"), timeout=5)


def test_wait_for_database_gives_up_after_its_timeout(tmp_path: Path) -> None:
    # A database that can never be opened (its folder does not exist): every attempt fails.
    settings = make_settings(tmp_path, f"sqlite:///{tmp_path}/missing/wait.db")
    started = time.monotonic()
    with pytest.raises(OperationalError):
        wait_for_database(settings, timeout=0.5)
    assert time.monotonic() - started >= 0.5
