"""Fixtures: an app on a migrated database (SQLite, or TEST_DATABASE_URL) and its client.

Run against PostgreSQL with e.g.
    TEST_DATABASE_URL=postgresql+psycopg://user:password@127.0.0.1:5432/test pytest
{%- if cookiecutter.database == "postgresql" %}
In the dev container (.devcontainer/) they run on the stack's PostgreSQL, in the database
TEST_POSTGRES_DB.
{%- endif %}
"""

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
{%- if cookiecutter.database == "postgresql" %}
from sqlalchemy import URL, create_engine, delete, make_url, text
from sqlalchemy.orm import Session
{%- else %}
from sqlalchemy import URL, delete, make_url
from sqlalchemy.orm import Session
{%- endif %}

from {{ cookiecutter.package_name }}.app import create_app
from {{ cookiecutter.package_name }}.auth import SCOPES
{%- if cookiecutter.database == "postgresql" %}
from {{ cookiecutter.package_name }}.config import Settings, database_url
{%- else %}
from {{ cookiecutter.package_name }}.config import Settings
{%- endif %}
from {{ cookiecutter.package_name }}.db import make_engine
from {{ cookiecutter.package_name }}.migrate import upgrade
from {{ cookiecutter.package_name }}.models import ApiToken, Item
from {{ cookiecutter.package_name }}.tokens import create as create_token

# The `create` fixture: create(name="widget", **fields) posts an item and returns its JSON.
Create = Callable[..., dict[str, Any]]
# The `make_token` fixture: make_token(name, *scopes, expires_in=None) returns a new API token.
MakeToken = Callable[..., str]


def make_settings(tmp_dir: Path, url: str | URL) -> Settings:
    # Rate limits the tests never reach, however many requests they send (Schemathesis sends
    # hundreds); test_limits.py sets low ones.
    unreached = "100000/minute"
    return Settings(
        database_url=make_url(url),
        data_dir=tmp_dir,
        secret_key="test",
        db_timeout=2,
        ratelimit_caller=unreached,
        ratelimit_anonymous=unreached,
        ratelimit_auth_failures=unreached,
    )


def database_for_tests(tmp_dir: Path) -> str | URL:
{%- if cookiecutter.database == "postgresql" %}
    """TEST_DATABASE_URL; else the database TEST_POSTGRES_DB on the app's PostgreSQL server (as in
    the dev container); else a SQLite file."""
{%- else %}
    """TEST_DATABASE_URL, else a SQLite file."""
{%- endif %}
    if os.environ.get("TEST_DATABASE_URL"):
        return os.environ["TEST_DATABASE_URL"]
{%- if cookiecutter.database == "postgresql" %}
    if os.environ.get("TEST_POSTGRES_DB"):
        # The server, user and password file the app uses (POSTGRES_*), read as the app reads them;
        # but never the app's own database: the tests empty its tables.
        server = database_url(os.environ, tmp_dir)
        create_database(server, os.environ["TEST_POSTGRES_DB"])
        return server.set(database=os.environ["TEST_POSTGRES_DB"])
{%- endif %}
    return f"sqlite:///{tmp_dir}/test.db"
{%- if cookiecutter.database == "postgresql" %}


def create_database(server: URL, name: str) -> None:
    """CREATE DATABASE name on the server, unless it exists."""
    engine = create_engine(server, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        query = text("SELECT 1 FROM pg_database WHERE datname = :name")
        if connection.execute(query, {"name": name}).scalar() is None:
            quoted = connection.dialect.identifier_preparer.quote(name)
            connection.execute(text(f"CREATE DATABASE {quoted}"))
    engine.dispose()
{%- endif %}


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    tmp_dir = tmp_path_factory.mktemp("data")
    settings = make_settings(tmp_dir, database_for_tests(tmp_dir))
    upgrade(settings)  # the real migrations, not create_all: they are under test too
    return settings


@pytest.fixture
def app(settings: Settings) -> Iterator[Flask]:
    app = create_app(settings)
    yield app
    engine = make_engine(settings)
    with engine.begin() as connection:
        connection.execute(delete(Item))
        connection.execute(delete(ApiToken))
    engine.dispose()
    app.extensions["db_engine"].dispose()


@pytest.fixture
def make_token(app: Flask) -> MakeToken:
    """Make an API token as `python -m ... token create` does; returns it."""

    def make_token(name: str, *scopes: str, expires_in: str | None = None) -> str:
        with Session(app.extensions["db_engine"]) as session:
            return create_token(session, name, list(scopes), expires_in)

    return make_token


@pytest.fixture
def token(make_token: MakeToken) -> str:
    """A token with every scope."""
    return make_token("tests", *SCOPES)


@pytest.fixture
def client(app: Flask, token: str) -> FlaskClient:
    """A client that sends a token with every scope (`anonymous` sends none)."""
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


@pytest.fixture
def anonymous(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def create(client: FlaskClient) -> Create:
    """Create an item through the API and return its JSON."""

    def create(name: str = "widget", **fields: object) -> dict[str, Any]:
        response = client.post("/api/items", json={"name": name, **fields})
        assert response.status_code == 201, response.get_json()
        item: dict[str, Any] = response.get_json()
        return item

    return create
