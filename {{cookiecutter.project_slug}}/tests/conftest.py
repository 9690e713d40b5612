"""Fixtures: an app on a migrated database (SQLite, or TEST_DATABASE_URL) and its client.

Run against PostgreSQL with e.g.
    TEST_DATABASE_URL=postgresql+psycopg://user:password@127.0.0.1:5432/test pytest
"""

import os
from pathlib import Path

import pytest
from sqlalchemy import delete, make_url

from {{ cookiecutter.package_name }} import create_app
from {{ cookiecutter.package_name }}.config import Settings
from {{ cookiecutter.package_name }}.db import make_engine
from {{ cookiecutter.package_name }}.migrate import upgrade
from {{ cookiecutter.package_name }}.models import Item


def make_settings(tmp_dir: Path, database_url: str) -> Settings:
    return Settings(
        database_url=make_url(database_url), data_dir=tmp_dir, secret_key="test", db_timeout=2
    )


@pytest.fixture(scope="session")
def settings(tmp_path_factory) -> Settings:
    tmp_dir = tmp_path_factory.mktemp("data")
    url = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_dir}/test.db"
    settings = make_settings(tmp_dir, url)
    upgrade(settings)  # the real migrations, not create_all: they are under test too
    return settings


@pytest.fixture
def app(settings):
    app = create_app(settings)
    yield app
    engine = make_engine(settings)
    with engine.begin() as connection:
        connection.execute(delete(Item))
    engine.dispose()
    app.extensions["db_engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def create(client):
    """Create an item through the API and return its JSON."""

    def create(name="widget", **fields):
        response = client.post("/api/items", json={"name": name, **fields})
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    return create
