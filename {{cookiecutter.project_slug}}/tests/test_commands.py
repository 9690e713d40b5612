"""The management commands (`python -m <the package>`) and the WSGI entry point."""

import importlib
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, text
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


@pytest.fixture
def migrated(environment: Path) -> Path:
    assert main(["migrate"]) == 0
    return environment


def token_rows(database: Path) -> list[Any]:
    engine = make_engine(make_settings(database, f"sqlite:///{database}/app.db"))
    with engine.connect() as connection:
        rows = [
            tuple(map(str, row)) for row in connection.execute(text("SELECT * FROM api_tokens"))
        ]
    engine.dispose()
    return rows


def test_token_create_prints_the_token_alone(
    migrated: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["token", "create", "--name", "ci", "--scope", "items:read", "--scope", "items:write"]
    assert main([*args, "--expires-in", "30"]) == 0
    out = capsys.readouterr().out
    assert re.fullmatch(r"tok_[0-9a-f]{16}_[A-Za-z0-9_-]{43}\n", out), out
    assert out.strip() not in repr(token_rows(migrated))  # only its hash is stored


def test_token_list_shows_no_secret_and_revoke_marks_it(
    migrated: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["token", "create", "--name", "reader", "--scope", "items:read"]) == 0
    token = capsys.readouterr().out.strip()
    assert main(["token", "list"]) == 0
    listing = capsys.readouterr().out
    header, line = listing.splitlines()
    assert header.split() == ["NAME", "SCOPES", "CREATED", "EXPIRES", "LAST", "USED", "REVOKED"]
    assert line.split()[:2] == ["reader", "items:read"] and line.split()[-3:] == ["-", "-", "-"]
    assert token not in listing and token.split("_")[1] not in listing
    assert main(["token", "revoke", "reader"]) == 0
    assert capsys.readouterr().out == "revoked reader\n"
    assert main(["token", "list"]) == 0
    assert capsys.readouterr().out.splitlines()[1].split()[-1] != "-"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--name", "x", "--scope", "items:delete"], "unknown scope 'items:delete'"),
        (["--name", "taken", "--scope", "items:read"], "a token named 'taken' exists"),
        (["--name", "x", "--scope", "items:read", "--expires-in", "0"], "--expires-in '0'"),
        (["--name", "x", "--scope", "items:read", "--expires-in", "1.5"], "--expires-in '1.5'"),
        (["--name", "x", "--scope", "items:read", "--expires-in", "-3"], "--expires-in '-3'"),
        (["--name", "a b", "--scope", "items:read"], "name 'a b'"),
        (["--name", "x" * 65, "--scope", "items:read"], "name 'xxx"),
    ],
)
def test_token_create_refuses_bad_input_with_one_line_and_writes_nothing(
    migrated: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert main(["token", "create", "--name", "taken", "--scope", "items:read"]) == 0
    capsys.readouterr()
    before = token_rows(migrated)
    assert main(["token", "create", *args]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1
    assert captured.err.startswith("token create: ") and message in captured.err
    assert token_rows(migrated) == before


def test_token_revoke_of_an_unknown_name_exits_2(
    migrated: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["token", "revoke", "nobody"]) == 2
    assert capsys.readouterr().err == "token revoke: no token named 'nobody'\n"
