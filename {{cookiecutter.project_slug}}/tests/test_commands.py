"""The management commands (`python -m <the package>`) and the WSGI entry point."""

import importlib
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import inspect
from sqlalchemy.exc import OperationalError

from {{ cookiecutter.package_name }} import logs
from {{ cookiecutter.package_name }}.__main__ import main
from {{ cookiecutter.package_name }}.db import make_engine
from {{ cookiecutter.package_name }}.migrate import wait_for_database

from .conftest import make_settings


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """The settings the commands read from the environment: a SQLite file in tmp_path."""
    monkeypatch.delenv("DATABASE_URL_FILE", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/app.db")
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    yield tmp_path
    logs.configure("text", "INFO")  # the commands configure the logs: back to the default


def test_check_config_prints_the_database(
    environment: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check-config"]) == 0
    assert capsys.readouterr().out == f"database: sqlite:///{environment}/app.db\n"


def test_migrate_creates_the_tables(environment: Path) -> None:
    assert main(["migrate"]) == 0
    engine = make_engine(make_settings(environment, f"sqlite:///{environment}/app.db"))
    assert "items" in inspect(engine).get_table_names()
    engine.dispose()


def test_a_configuration_error_exits_2(
    environment: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MAX_CONTENT_LENGTH", "lots")
    assert main(["check-config"]) == 2
    assert "configuration error: MAX_CONTENT_LENGTH='lots'" in capsys.readouterr().err


def test_wait_for_database_returns_once_it_answers(tmp_path: Path) -> None:
    wait_for_database(make_settings(tmp_path, f"sqlite:///{tmp_path}/up.db"), timeout=1)


def test_wait_for_database_gives_up_after_its_timeout(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # A SQLite file in a folder that does not exist cannot be opened: like a server that is down.
    settings = make_settings(tmp_path, f"sqlite:///{tmp_path}/missing-folder/app.db")
    with caplog.at_level(logging.INFO), pytest.raises(OperationalError):
        wait_for_database(settings, timeout=0.3)
    assert "waiting for the database to accept connections" in caplog.text


def test_the_wsgi_module_serves_the_app(environment: Path) -> None:
    wsgi = importlib.import_module("{{ cookiecutter.package_name }}.wsgi")
    assert wsgi.app.test_client().get("/healthz").status_code == 200
