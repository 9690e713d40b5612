"""Who may call the API (auth.py): every /api/ operation of the OpenAPI document, token by token."""

import hashlib
import hmac
import logging
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask, request
from flask.testing import FlaskClient
from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from {{ cookiecutter.package_name }} import auth
from {{ cookiecutter.package_name }}.auth import SCOPE_RULE, SCOPES
from {{ cookiecutter.package_name }}.models import ApiToken

from .conftest import MakeToken

# Values an operation's path parameters take here (the operation answers 404: the check is first).
PATH_VALUES = {"item_id": "1"}
WELL_FORMED_UNKNOWN = "tok_0123456789abcdef_" + "A" * 43


def api_operations(app: Flask) -> list[tuple[str, str, dict[str, Any]]]:
    """(method, URL, operation) of every /api/ operation in the document."""
    document = app.test_client().get("/openapi.json").get_json()
    found = []
    for path, item in document["paths"].items():
        if path.startswith("/api/"):
            url = path.format(**PATH_VALUES)
            found += [(method.upper(), url, operation) for method, operation in item.items()]
    assert found
    return found


def scope_of(operation: dict[str, Any]) -> str:
    [requirement] = operation["security"]
    [scope] = requirement[auth.SCHEME]
    return str(scope)


def assert_challenge(response: Any, status: int, header: str) -> None:
    assert response.status_code == status, response.get_json()
    assert response.headers["WWW-Authenticate"] == header
    body = response.get_json()
    assert body["status"] == status and body["error"] in ("Unauthorized", "Forbidden")
    assert response.headers["X-Request-ID"]


def test_every_scope_follows_the_naming_rule() -> None:
    assert all(SCOPE_RULE.fullmatch(scope) for scope in SCOPES)


def test_every_api_operation_declares_a_known_scope_and_its_refusals(app: Flask) -> None:
    document = app.test_client().get("/openapi.json").get_json()
    assert document["components"]["securitySchemes"][auth.SCHEME]["scheme"] == "bearer"
    for method, url, operation in api_operations(app):
        assert scope_of(operation) in SCOPES, (method, url)
        for status in ("401", "403", "429"):
            assert status in operation["responses"], (method, url, status)
        assert "WWW-Authenticate" in operation["responses"]["401"]["headers"]
        assert "Retry-After" in operation["responses"]["429"]["headers"]


def test_every_api_operation_refuses_without_a_credential(anonymous: FlaskClient) -> None:
    for method, url, _ in api_operations(anonymous.application):
        response = anonymous.open(url, method=method, json={"name": "x"})
        assert_challenge(response, 401, 'Bearer realm="api"')


@pytest.mark.parametrize(
    "credential",
    [
        f"Bearer {WELL_FORMED_UNKNOWN}",
        "Bearer tok_short_secret",
        # A JWT (alg none): no JWT is accepted without OIDC. A made-up one, not a secret:
        "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.",  # pragma: allowlist secret
        "Basic dXNlcjpwYXNz",
        "Bearer",
    ],
)
def test_every_api_operation_refuses_an_invalid_credential(
    anonymous: FlaskClient, credential: str
) -> None:
    for method, url, _ in api_operations(anonymous.application):
        response = anonymous.open(
            url, method=method, json={"name": "x"}, headers={"Authorization": credential}
        )
        assert_challenge(response, 401, 'Bearer realm="api", error="invalid_token"')


def test_every_api_operation_refuses_a_token_without_its_scope(
    anonymous: FlaskClient, make_token: MakeToken
) -> None:
    for n, (method, url, operation) in enumerate(api_operations(anonymous.application)):
        scope = scope_of(operation)
        others = make_token(f"others-{n}", *(set(SCOPES) - {scope}))
        response = anonymous.open(
            url, method=method, json={"name": "x"}, headers={"Authorization": f"Bearer {others}"}
        )
        header = f'Bearer realm="api", error="insufficient_scope", scope="{scope}"'
        assert_challenge(response, 403, header)


def test_a_read_only_token_reads_and_cannot_write(
    anonymous: FlaskClient, client: FlaskClient, make_token: MakeToken
) -> None:
    item = client.post("/api/items", json={"name": "kept"}).get_json()
    headers = {"Authorization": f"Bearer {make_token('reader', 'items:read')}"}
    assert anonymous.get("/api/items", headers=headers).status_code == 200
    assert anonymous.get(f"/api/items/{item['id']}", headers=headers).status_code == 200
    assert anonymous.post("/api/items", json={"name": "x"}, headers=headers).status_code == 403
    assert anonymous.delete(f"/api/items/{item['id']}", headers=headers).status_code == 403
    assert client.get(f"/api/items/{item['id']}").status_code == 200


def test_a_revoked_or_expired_token_is_refused_at_once(
    app: Flask, anonymous: FlaskClient, make_token: MakeToken
) -> None:
    engine = app.extensions["db_engine"]
    for name, column, value in (
        ("revoked", ApiToken.revoked_at, auth.now()),
        ("expired", ApiToken.expires_at, auth.now() - timedelta(seconds=1)),
    ):
        headers = {"Authorization": f"Bearer {make_token(name, 'items:read')}"}
        assert anonymous.get("/api/items", headers=headers).status_code == 200
        with engine.begin() as connection:
            connection.execute(
                update(ApiToken).where(ApiToken.name == name).values({column: value})
            )
        response = anonymous.get("/api/items", headers=headers)
        assert_challenge(response, 401, 'Bearer realm="api", error="invalid_token"')


def test_a_token_that_has_not_expired_yet_is_served(
    anonymous: FlaskClient, make_token: MakeToken
) -> None:
    headers = {"Authorization": f"Bearer {make_token('soon', 'items:read', expires_in='1')}"}
    assert anonymous.get("/api/items", headers=headers).status_code == 200


def test_the_database_holds_only_the_hash_of_the_secret(app: Flask, make_token: MakeToken) -> None:
    token = make_token("hashed", "items:read")
    _, key_id, secret = token.split("_", 2)
    assert len(secret) == 43  # 32 random bytes, base64url: 256 bits
    with app.extensions["db_engine"].connect() as connection:
        rows = connection.execute(text("SELECT * FROM api_tokens")).all()
    dump = repr(rows)
    assert token not in dump and secret not in dump
    [row] = [row for row in rows if row.key_id == key_id]
    assert row.secret_hash == hashlib.sha256(secret.encode()).hexdigest()


def test_the_secret_is_compared_in_constant_time(
    anonymous: FlaskClient, make_token: MakeToken, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = make_token("compared", "items:read")
    compared = []

    def compare_digest(a: str, b: str) -> bool:
        compared.append((a, b))
        return hmac.compare_digest(a, b)

    monkeypatch.setattr(auth, "hmac", type("hmac", (), {"compare_digest": compare_digest}))
    wrong = token[:-1] + ("B" if token[-1] != "B" else "C")  # the right key id, a wrong secret
    response = anonymous.get("/api/items", headers={"Authorization": f"Bearer {wrong}"})
    assert response.status_code == 401 and len(compared) == 1
    assert (
        anonymous.get("/api/items", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    )
    assert len(compared) == 2


def test_the_last_use_is_written_at_most_once_a_minute(
    app: Flask, anonymous: FlaskClient, make_token: MakeToken
) -> None:
    headers = {"Authorization": f"Bearer {make_token('used', 'items:read')}"}

    def last_use() -> Any:
        with Session(app.extensions["db_engine"]) as session:
            return session.scalar(select(ApiToken.last_used_at).where(ApiToken.name == "used"))

    assert last_use() is None
    anonymous.get("/api/items", headers=headers)
    first = last_use()
    assert first is not None
    anonymous.get("/api/items", headers=headers)
    assert last_use() == first  # within the minute: not written again
    with app.extensions["db_engine"].begin() as connection:
        earlier = auth.now() - timedelta(minutes=2)
        connection.execute(update(ApiToken).values(last_used_at=earlier))
    anonymous.get("/api/items", headers=headers)
    assert auth.aware(last_use()) > earlier + timedelta(minutes=1)


def test_an_api_route_that_declares_no_scope_is_refused(app: Flask, client: FlaskClient) -> None:
    app.add_url_rule("/api/forgotten", "forgotten", lambda: "open?")
    response = client.get("/api/forgotten")  # a token with every scope: still refused
    assert response.status_code == 403
    assert response.headers["WWW-Authenticate"].endswith('scope="(no scope declared)"')
    assert app.test_client().get("/api/forgotten").status_code == 401


def test_probes_and_the_document_need_no_credential(anonymous: FlaskClient) -> None:
    for path in ("/healthz", "/readyz", "/openapi.json", "/metrics"):
        assert anonymous.get(path).status_code == 200, path


def test_the_caller_is_logged_and_the_token_never(
    client: FlaskClient, token: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        client.post("/api/items", json={"name": "logged"})
        client.get("/api/items", headers={"Authorization": f"Bearer {token}x"})
    assert "by token:tests" in caplog.text
    secret = token.split("_", 2)[2]
    assert secret[:20] not in caplog.text


def test_authenticate_request_is_reusable_outside_the_api(app: Flask, token: str) -> None:
    with app.test_request_context(headers={"Authorization": f"Bearer {token}"}):
        caller = auth.authenticate_request(request)
        assert caller is not None and caller.name == "token:tests"
        assert caller.scopes == frozenset(SCOPES)
