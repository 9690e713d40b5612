from pathlib import Path

import pytest
from flask.testing import FlaskClient

from {{ cookiecutter.package_name }}.app import create_app

from .conftest import make_settings

UNREACHABLE = {
    # A SQLite file in a folder that does not exist cannot be opened.
    "sqlite": "sqlite:///{tmp}/missing-folder/app.db",
{%- if cookiecutter.database == "postgresql" %}
    # Nothing listens on port 1.
    "postgresql": "postgresql+psycopg://user:password@127.0.0.1:1/nothing",
{%- endif %}
}


@pytest.fixture(params=sorted(UNREACHABLE))
def down_client(request: pytest.FixtureRequest, tmp_path: Path) -> FlaskClient:
    settings = make_settings(tmp_path, UNREACHABLE[request.param].format(tmp=tmp_path))
    return create_app(settings).test_client()


def test_healthz(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readyz_when_database_is_up(client: FlaskClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json()["database"] == "ok"


def test_readyz_is_503_when_database_is_down(down_client: FlaskClient) -> None:
    response = down_client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["status"] == "unavailable"


def test_healthz_stays_200_when_database_is_down(down_client: FlaskClient) -> None:
    assert down_client.get("/healthz").status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/api/items", None),
        ("POST", "/api/items", {"name": "x"}),
        ("GET", "/api/items/1", None),
    ],
)
def test_api_is_503_json_when_database_is_down(
    down_client: FlaskClient, token: str, method: str, path: str, body: dict[str, str] | None
) -> None:
    # A token is looked up in the database: that is what fails first.
    headers = {"Authorization": f"Bearer {token}"}
    response = down_client.open(path, method=method, json=body, headers=headers)
    assert response.status_code == 503
    assert response.get_json()["error"] == "Service Unavailable"
    assert response.headers["Retry-After"] == "5"
    assert response.headers["X-Request-ID"]  # errors carry the request id too (see test_logs.py)
