"""The rate limits (limits.py), counted in memory as in a native run: the 429's shape and
headers, one count per caller and per address, the stricter count of failed authentications,
and what is never limited. (The stack's shared store: the template's own stack tests.)"""

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask, Request, abort, g
from flask.testing import FlaskClient

from {{ cookiecutter.package_name }} import auth
from {{ cookiecutter.package_name }}.app import create_app
from {{ cookiecutter.package_name }}.auth import SCOPES, Caller
from {{ cookiecutter.package_name }}.config import ConfigError, Settings


def stand_in_for_auth(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """What auth.py tells the limiter, from a test header: X-Test-Caller names a valid caller (with
    every scope), any other Authorization a credential that failed (GET /test-auth answers it 401,
    as an /api/ operation would)."""

    def identify(req: Request) -> Caller | None:
        name = req.headers.get("X-Test-Caller")
        return Caller(name, frozenset(SCOPES)) if name else None

    def test_auth() -> dict[str, str]:
        if g.auth_failed:
            abort(401)
        return {"caller": g.caller.name if g.caller else ""}

    monkeypatch.setattr(auth, "authenticate_request", identify)
    app.add_url_rule("/test-auth", view_func=test_auth)


@pytest.fixture
def limited(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[FlaskClient]:
    low = dataclasses.replace(
        settings,
        ratelimit_caller="3/minute",
        ratelimit_anonymous="5/minute",
        ratelimit_auth_failures="2/minute",
    )
    app = create_app(low)
    stand_in_for_auth(app, monkeypatch)
    yield app.test_client()
    app.extensions["db_engine"].dispose()


ALICE = {"X-Test-Caller": "token:alice"}


def statuses(client: FlaskClient, count: int, **kwargs: Any) -> list[int]:
    return [client.get("/test-auth", **kwargs).status_code for _ in range(count)]


def test_a_caller_over_its_limit_gets_429_while_another_is_served(limited: FlaskClient) -> None:
    assert statuses(limited, 3, headers=ALICE) == [200] * 3
    response = limited.get("/test-auth", headers={**ALICE, "X-Request-ID": "over-the-limit"})
    assert response.status_code == 429
    body = response.get_json()
    assert body["error"] == "Too Many Requests" and body["status"] == 429
    assert "caller" in body["message"]
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert response.headers["X-RateLimit-Limit"] == "3"
    assert response.headers["X-RateLimit-Remaining"] == "0"
    assert int(response.headers["X-RateLimit-Reset"]) > 0
    assert response.headers["X-Request-ID"] == "over-the-limit"
    assert response.content_type == "application/json"
    # Another caller, from the same address, has its own count.
    assert statuses(limited, 3, headers={"X-Test-Caller": "token:bob"}) == [200] * 3


def test_every_route_counts_toward_one_callers_limit(limited: FlaskClient) -> None:
    assert limited.get("/api/items", headers=ALICE).status_code == 200
    assert limited.get("/openapi.json", headers=ALICE).status_code == 200
    assert statuses(limited, 2, headers=ALICE) == [200, 429]


def test_requests_without_a_valid_credential_are_limited_per_address(limited: FlaskClient) -> None:
    here = {"REMOTE_ADDR": "198.51.100.1"}
    assert statuses(limited, 6, environ_base=here) == [200] * 5 + [429]
    answer = limited.get("/test-auth", environ_base=here)
    assert "address" in answer.get_json()["message"]
    assert statuses(limited, 1, environ_base={"REMOTE_ADDR": "198.51.100.2"}) == [200]
    # A valid caller from the same address is still served.
    assert statuses(limited, 1, environ_base=here, headers=ALICE) == [200]


def test_failed_authentications_are_limited_more_strictly(limited: FlaskClient) -> None:
    here = {"REMOTE_ADDR": "198.51.100.3"}
    bad = {"Authorization": "Bearer wrong"}
    assert statuses(limited, 3, environ_base=here, headers=bad) == [401, 401, 429]
    answer = limited.get("/test-auth", environ_base=here, headers=bad)
    assert "failed authentications" in answer.get_json()["message"]
    assert "Retry-After" in answer.headers
    assert answer.headers["X-RateLimit-Limit"] == "2"  # the headers name the limit that was hit
    # Guessing is stopped from that address; a valid caller there, a request without a credential
    # (within the anonymous limit) and other addresses are served.
    assert statuses(limited, 1, environ_base=here, headers=ALICE) == [200]
    assert statuses(limited, 1, environ_base=here) == [200]
    assert statuses(limited, 1, environ_base={"REMOTE_ADDR": "198.51.100.4"}, headers=bad) == [401]


def test_the_headers_name_the_limit_that_counts(limited: FlaskClient) -> None:
    here = {"REMOTE_ADDR": "198.51.100.6"}
    answers = [limited.get("/test-auth", environ_base=here) for _ in range(3)]
    remaining = [answer.headers["X-RateLimit-Remaining"] for answer in answers]
    assert remaining == ["4", "3", "2"]  # the anonymous limit (5), one less per request
    assert "Retry-After" not in answers[0].headers  # a 429's header (and a 503's) only


def test_only_failures_count_toward_the_failed_authentication_limit(limited: FlaskClient) -> None:
    here = {"REMOTE_ADDR": "198.51.100.5"}
    # Three successful anonymous requests: under the anonymous limit (5), over the failures' (2).
    assert statuses(limited, 3, environ_base=here) == [200] * 3


def test_probes_and_metrics_are_never_limited(limited: FlaskClient) -> None:
    for path in ("/healthz", "/readyz", "/metrics"):
        answers = {limited.get(path).status_code for _ in range(10)}
        assert answers == {200}, path
    # Nor do they use up the address's count.
    assert statuses(limited, 5) == [200] * 5


def test_a_limit_setting_that_is_no_limit_is_refused() -> None:
    with pytest.raises(ConfigError, match="RATELIMIT_CALLER"):
        Settings.from_env({"RATELIMIT_CALLER": "lots"})
    assert Settings.from_env({"RATELIMIT_CALLER": "10/second;300/minute"}).ratelimit_caller


def test_an_unreachable_store_does_not_take_the_api_down(settings: Settings) -> None:
    """Fail-open, deliberately: with the store down, each process counts in its own memory."""
    down = dataclasses.replace(
        settings, ratelimit_anonymous="2/minute", ratelimit_storage_uri="valkey://127.0.0.1:9"
    )
    app = create_app(down)
    client = app.test_client()
    assert [client.get("/openapi.json").status_code for _ in range(3)] == [200, 200, 429]
    app.extensions["db_engine"].dispose()
