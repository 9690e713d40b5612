"""JWT access tokens from an identity provider: a real one in miniature, served by the test on
127.0.0.1 (its discovery document and its JWKS, fetches counted), with keys the test makes. Each
token goes to oidc.verify (why it is refused) and through the app (the answer a client gets)."""

import base64
import dataclasses
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from flask import Flask
from werkzeug.test import TestResponse

from {{ cookiecutter.package_name }} import oidc
from {{ cookiecutter.package_name }}.app import create_app
from {{ cookiecutter.package_name }}.config import Settings

AUDIENCE = "https://api.example.test"
PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class Provider:
    """The discovery document and the JWKS of an issuer on 127.0.0.1, and tokens signed by it."""

    def __init__(self, key: PrivateKey) -> None:
        self.keys: dict[str, PrivateKey] = {"key-1": key}
        self.discovery_fetches = self.jwks_fetches = 0
        self.document: dict[str, Any] = {}  # changes to the discovery document
        self.status = 200  # of every answer
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path == "/realms/test/.well-known/openid-configuration":
                    provider.discovery_fetches += 1
                    body = {"issuer": provider.issuer, "jwks_uri": provider.issuer + "/jwks"}
                    body |= provider.document
                elif self.path == "/realms/test/jwks":
                    provider.jwks_fetches += 1
                    body = provider.jwks()
                else:
                    self.send_error(404)
                    return
                if provider.status != 200:
                    self.send_response(provider.status)
                    self.send_header("Location", body["jwks_uri"])  # for a redirect
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.issuer = f"http://127.0.0.1:{self.server.server_port}/realms/test"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def jwks(self) -> dict[str, Any]:
        keys = []
        for kid, key in self.keys.items():
            if isinstance(key, rsa.RSAPrivateKey):
                jwk = jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
                jwk["alg"] = "RS256"
            else:
                jwk = jwt.algorithms.ECAlgorithm.to_jwk(key.public_key(), as_dict=True)
                jwk["alg"] = "ES256"
            keys.append({**jwk, "kid": kid, "use": "sig"})
        return {"keys": keys}

    def claims(self, **claims: Any) -> dict[str, Any]:
        now = int(time.time())
        defaults = {"iss": self.issuer, "aud": AUDIENCE, "sub": "alice", "iat": now}
        defaults |= {"nbf": now, "exp": now + 300, "scope": "items:read"}
        return {key: value for key, value in (defaults | claims).items() if value is not None}

    def token(self, kid: str = "key-1", algorithm: str | None = None, **claims: Any) -> str:
        key = self.keys[kid]
        algorithm = algorithm or ("RS256" if isinstance(key, rsa.RSAPrivateKey) else "ES256")
        return jwt.encode(self.claims(**claims), key, algorithm=algorithm, headers={"kid": kid})


def unsigned(header: dict[str, Any], claims: dict[str, Any], key: bytes | None = None) -> str:
    """A token written by hand: `alg: none` (no key), or HS256 keyed with `key`."""

    def encode(part: bytes) -> str:
        return base64.urlsafe_b64encode(part).rstrip(b"=").decode()

    signing_input = f"{encode(json.dumps(header).encode())}.{encode(json.dumps(claims).encode())}"
    signature = hmac.new(key, signing_input.encode(), hashlib.sha256).digest() if key else b""
    return f"{signing_input}.{encode(signature)}"


@pytest.fixture
def provider(rsa_key: rsa.RSAPrivateKey) -> Iterator[Provider]:
    provider = Provider(rsa_key)
    yield provider
    provider.server.shutdown()
    provider.server.server_close()


@pytest.fixture
def make_app(settings: Settings) -> Iterator[Callable[..., Flask]]:
    """make_app(issuer): the app with this issuer and AUDIENCE."""
    apps = []

    def make_app(issuer: str) -> Flask:
        with_oidc = dataclasses.replace(settings, oidc_issuer=issuer, oidc_audience=AUDIENCE)
        apps.append(create_app(with_oidc))
        return apps[-1]

    yield make_app
    for app in apps:
        app.extensions["db_engine"].dispose()


@pytest.fixture
def oidc_app(make_app: Callable[..., Flask], provider: Provider) -> Flask:
    return make_app(provider.issuer)


def verify(app: Flask, token: str) -> oidc.Identity:
    with app.app_context():
        return oidc.verify(token)


def call(app: Flask, token: str, method: str = "GET") -> TestResponse:
    headers = {"Authorization": f"Bearer {token}"}
    return app.test_client().open("/api/items", method=method, headers=headers, json={"name": "x"})


def refused(app: Flask, token: str, reason: str) -> None:
    """oidc.verify refuses the token for this reason; the app answers 401 invalid_token."""
    with pytest.raises(oidc.InvalidToken, match=reason):
        verify(app, token)
    response = call(app, token)
    assert response.status_code == 401, response.get_json()
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_a_valid_token_is_its_subject_with_its_scopes(oidc_app: Flask, provider: Provider) -> None:
    identity = verify(oidc_app, provider.token(scope="items:read items:write"))
    assert identity == oidc.Identity("alice", frozenset({"items:read", "items:write"}))
    # scp, a list (Okta) or a string (Microsoft Entra ID), counts as well.
    assert verify(oidc_app, provider.token(scope=None, scp=["items:read"])).scopes == {"items:read"}
    assert verify(oidc_app, provider.token(scope=None, scp="a b")).scopes == {"a", "b"}
    assert verify(oidc_app, provider.token(scope=None)).scopes == frozenset()
    assert provider.jwks_fetches == 1  # the keys are kept


def test_a_token_reads_and_writes_as_its_scopes_allow(oidc_app: Flask, provider: Provider) -> None:
    reader = provider.token(scope="items:read")
    assert call(oidc_app, reader).status_code == 200
    response = call(oidc_app, reader, "POST")
    assert response.status_code == 403, response.get_json()
    assert 'error="insufficient_scope"' in response.headers["WWW-Authenticate"]
    assert call(oidc_app, provider.token(scope="items:write"), "POST").status_code == 201
    assert call(oidc_app, provider.token(scope=None, scp=["items:read"])).status_code == 200


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"exp": int(time.time()) - 120}, "has expired"),
        ({"nbf": int(time.time()) + 120}, "not valid yet"),
        ({"aud": "https://another-api.example.test"}, "another audience"),
        ({"iss": "https://another-issuer.example.test"}, "another issuer"),
        ({"exp": None}, "no exp claim"),
        ({"aud": None}, "no aud claim"),
        ({"sub": None}, "no sub claim"),
        ({"scope": 7}, "scope claim is neither"),
        ({"scope": None, "scp": ["ok", 7]}, "scp claim is neither"),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_a_token_with_a_wrong_claim_is_refused(
    oidc_app: Flask, provider: Provider, claims: dict[str, Any], reason: str
) -> None:
    refused(oidc_app, provider.token(**claims), reason)


def test_a_new_key_is_fetched_once_the_cooldown_allows(oidc_app: Flask, provider: Provider) -> None:
    verifier: oidc.Verifier = oidc_app.extensions["oidc"]
    verifier.refetch_cooldown = 0  # here at once; in production at most every REFETCH_COOLDOWN s
    verify(oidc_app, provider.token())
    provider.keys = {"key-2": ec.generate_private_key(ec.SECP256R1())}  # the provider rotates
    assert verify(oidc_app, provider.token(kid="key-2")).subject == "alice"
    assert provider.jwks_fetches == 2
    provider.keys["key-1"] = provider.keys["key-2"]  # a key id the provider withdrew: refused
    token = provider.token(kid="key-1")
    provider.keys.pop("key-1")
    refused(oidc_app, token, "not one of the issuer's")


def test_unknown_key_ids_cannot_make_the_app_hammer_the_provider(
    oidc_app: Flask, provider: Provider
) -> None:
    verify(oidc_app, provider.token())
    for number in range(3):
        provider.keys[f"made-up-{number}"] = ec.generate_private_key(ec.SECP256R1())
        refused(oidc_app, provider.token(kid=f"made-up-{number}"), "not one of the issuer's")
    assert provider.jwks_fetches == 1  # within REFETCH_COOLDOWN of the first fetch


def test_alg_none_and_hmac_keyed_with_the_public_key_are_refused(
    oidc_app: Flask, provider: Provider, rsa_key: rsa.RSAPrivateKey
) -> None:
    claims = provider.claims()
    not_signed = unsigned({"alg": "none", "typ": "JWT", "kid": "key-1"}, claims)
    refused(oidc_app, not_signed, "algorithm is not accepted")
    public_pem = rsa_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    forged = unsigned({"alg": "HS256", "typ": "JWT", "kid": "key-1"}, claims, key=public_pem)
    refused(oidc_app, forged, "algorithm is not accepted")
    assert provider.jwks_fetches == 0  # refused before any key is fetched


def test_the_algorithm_must_be_the_keys(oidc_app: Flask, provider: Provider) -> None:
    # Both in the allow-list, but the JWK says RS256.
    refused(oidc_app, provider.token(algorithm="RS384"), "not for its algorithm")
    refused(oidc_app, provider.token(algorithm="PS256"), "not for its algorithm")


def test_a_bad_signature_and_garbage_are_refused(oidc_app: Flask, provider: Provider) -> None:
    header, claims, _ = provider.token().split(".")
    _, _, other_signature = provider.token(sub="mallory").split(".")
    refused(oidc_app, f"{header}.{claims}.{other_signature}", "signature")
    for garbage in ("garbage", "a.b.c", "", "Zm9v.YmFy.YmF6"):
        refused(oidc_app, garbage, "not a JWT")
    refused(oidc_app, unsigned({"alg": "RS256", "typ": "JWT"}, claims={}), "names no key")


def unavailable(app: Flask, token: str) -> None:
    """oidc.verify cannot reach the provider; the app answers 503 with Retry-After, not 401."""
    with pytest.raises(oidc.ProviderUnavailable) as raised:
        verify(app, token)
    assert raised.value.code == 503 and raised.value.retry_after == oidc.RETRY_AFTER
    response = call(app, token)
    assert response.status_code == 503, response.get_json()
    assert response.headers["Retry-After"] == str(oidc.RETRY_AFTER)
    assert response.get_json()["error"] == "Service Unavailable"


def test_an_unreachable_provider_is_a_503_not_a_401(oidc_app: Flask, provider: Provider) -> None:
    token = provider.token()
    provider.server.shutdown()
    provider.server.server_close()
    unavailable(oidc_app, token)


def test_an_unreachable_provider_is_asked_again_after_a_pause(
    oidc_app: Flask, provider: Provider
) -> None:
    provider.status = 500
    unavailable(oidc_app, provider.token())
    provider.status = 200
    unavailable(oidc_app, provider.token())  # within RETRY_AFTER: not asked again
    assert provider.discovery_fetches == 1
    oidc_app.extensions["oidc"]._retry_at = 0  # RETRY_AFTER later
    assert verify(oidc_app, provider.token()).subject == "alice"


def test_keys_that_cannot_be_fetched_are_a_503(oidc_app: Flask, provider: Provider) -> None:
    verifier: oidc.Verifier = oidc_app.extensions["oidc"]
    verifier.keys()  # discovered
    provider.status = 500
    unavailable(oidc_app, provider.token())
    assert provider.jwks_fetches == 2  # once for verify, once for the app's request


@pytest.mark.parametrize(
    ("document", "status"),
    [
        ({"issuer": "http://127.0.0.1/another"}, 200),  # not the issuer of OIDC_ISSUER
        ({"jwks_uri": "http://192.0.2.1/jwks"}, 200),  # plain http:// to another machine
        ({}, 302),  # a redirect (to the JWKS): not followed
    ],
)
def test_a_discovery_document_out_of_the_rules_is_refused(
    oidc_app: Flask, provider: Provider, document: dict[str, str], status: int
) -> None:
    provider.document, provider.status = document, status
    unavailable(oidc_app, provider.token())
    assert (provider.discovery_fetches, provider.jwks_fetches) == (1, 0)


def test_without_a_provider_no_jwt_is_taken(app: Flask, provider: Provider) -> None:
    refused(app, provider.token(), "no tokens from an identity provider")
