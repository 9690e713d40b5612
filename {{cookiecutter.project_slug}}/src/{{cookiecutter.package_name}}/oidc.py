"""JWT access tokens from an identity provider (OIDC), taken when OIDC_ISSUER and OIDC_AUDIENCE
are set (docs/api.md, "Plug in an identity provider").

The checks are PyJWT's (pyjwt.readthedocs.io), chosen over Authlib and python-jose: it does one
thing, verifying JWTs, is typed, well kept and the most used; its PyJWKClient caches the provider's
keys and fetches them again for an unknown key id, at most once per cooldown. python-jose is barely
kept (it had an algorithm-confusion flaw, CVE-2024-33663), Authlib is a whole OAuth framework.
PyJWT (and cryptography, which it loads) is imported by the functions that use it: an app without
OIDC_ISSUER never pays its import time, a tenth of a second.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.request
from collections.abc import Mapping
from http.client import HTTPException as HTTPClientError
from typing import TYPE_CHECKING, Any, NamedTuple

from flask import Flask, current_app
from werkzeug.exceptions import ServiceUnavailable

from .config import Settings, secure_url

if TYPE_CHECKING:
    import jwt

log = logging.getLogger(__name__)

# Public-key algorithms only: never "none", never HMAC (whose secret would be the provider's
# public key, which anyone can fetch, if the key's type were not checked).
ALGORITHMS = (
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "ES256",
    "ES384",
    "ES512",
    "EdDSA",
)
# Seconds of clock difference allowed between the provider and this server for exp and nbf.
LEEWAY = 30
# Seconds to wait for the provider, well under gunicorn's timeout: a request waits for it.
TIMEOUT = 5
# Seconds the keys are kept before they are fetched again (a key the provider withdrew is refused
# after at most this long), and the least time between two fetches for an unknown key id (a
# client inventing key ids cannot make this server hammer the provider).
KEYS_LIFESPAN = 300
REFETCH_COOLDOWN = 30
# Seconds to wait before asking an unreachable provider for its discovery document again.
RETRY_AFTER = 5


class Identity(NamedTuple):
    """Who a valid token stands for: the provider's subject (sub), and the scopes it grants."""

    subject: str
    scopes: frozenset[str]


class InvalidToken(Exception):
    """The token is not one this API takes: a 401 (the message says why, without the token)."""


class ProviderUnavailable(ServiceUnavailable):
    """The identity provider's keys cannot be fetched: a 503 with Retry-After, not a 401, since
    the client's token may well be valid (errors.py answers it as JSON)."""

    def __init__(self) -> None:
        super().__init__("The identity provider cannot be reached.", retry_after=RETRY_AFTER)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # A redirect could lead to a plain http:// address: the provider's URLs are used as given.
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def fetch_json(url: str) -> Any:
    with urllib.request.build_opener(_NoRedirect).open(url, timeout=TIMEOUT) as response:
        return json.loads(response.read(1024 * 1024))


def scopes_of(claims: Mapping[str, Any]) -> frozenset[str]:
    """`scope` (a space-separated string: Keycloak, Auth0) and `scp` (a list or a string: Okta,
    Microsoft Entra ID)."""
    scopes: set[str] = set()
    for claim in ("scope", "scp"):
        value = claims.get(claim, [])
        if isinstance(value, str):
            value = value.split()
        if not isinstance(value, list) or not all(isinstance(scope, str) for scope in value):
            raise InvalidToken(f"the {claim} claim is neither a string nor a list of strings")
        scopes.update(value)
    return frozenset(scopes)


class Verifier:
    """Checks the access tokens of one issuer for one audience (this API)."""

    def __init__(self, issuer: str, audience: str) -> None:
        self.issuer, self.audience = issuer, audience
        self.refetch_cooldown: float = REFETCH_COOLDOWN
        self._keys: jwt.PyJWKClient | None = None
        self._lock = threading.Lock()
        self._retry_at = 0.0

    def keys(self) -> jwt.PyJWKClient:
        """The client of the provider's JWKS, found once through its discovery document."""
        with self._lock:
            if self._keys is None:
                import jwt

                if time.monotonic() < self._retry_at:
                    raise ProviderUnavailable()
                try:
                    self._keys = jwt.PyJWKClient(
                        self.jwks_uri(),
                        lifespan=KEYS_LIFESPAN,
                        timeout=TIMEOUT,
                        cooldown_duration=self.refetch_cooldown,
                    )
                except (OSError, ValueError, HTTPClientError) as error:
                    log.error("OIDC discovery of %s failed: %s", self.issuer, error)
                    self._retry_at = time.monotonic() + RETRY_AFTER
                    raise ProviderUnavailable() from None
            return self._keys

    def jwks_uri(self) -> str:
        url = self.issuer.rstrip("/") + "/.well-known/openid-configuration"
        document = fetch_json(url)
        if not isinstance(document, dict) or document.get("issuer") != self.issuer:
            raise ValueError(f"{url} does not name the issuer {self.issuer!r} (OIDC_ISSUER)")
        jwks_uri = document.get("jwks_uri")
        if not isinstance(jwks_uri, str) or not secure_url(jwks_uri):
            raise ValueError(f"{url} has no https:// jwks_uri")
        return jwks_uri

    def signing_key(self, kid: str) -> jwt.PyJWK:
        import jwt

        try:
            return self.keys().get_signing_key(kid)
        except (jwt.PyJWKClientConnectionError, jwt.PyJWKSetError, ValueError) as error:
            # Unreachable, or an answer that is no key set (PyJWKSetError: no key in it is usable).
            log.warning("the OIDC keys cannot be fetched: %s", error)
            raise ProviderUnavailable() from None
        except jwt.PyJWKClientError:
            raise InvalidToken("the token's key is not one of the issuer's") from None

    def verify(self, token: str) -> Identity:
        import jwt

        # The messages name no value from the token: they go into a response header.
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise InvalidToken("the token is not a JWT") from None
        # Refused before any key is fetched: an algorithm outside the list, a token without kid.
        algorithm, kid = header.get("alg"), header.get("kid")
        if algorithm not in ALGORITHMS:
            raise InvalidToken("the token's algorithm is not accepted")
        if not kid:
            raise InvalidToken("the token names no key (kid)")
        key = self.signing_key(kid)
        # The key's own algorithm (its `alg`, else the one of its type) must be the token's.
        if key.algorithm_name != algorithm:
            raise InvalidToken("the token's key is not for its algorithm")
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[algorithm],
                audience=self.audience,
                issuer=self.issuer,
                leeway=LEEWAY,
                # nbf is checked when present: Keycloak's and Auth0's access tokens have none.
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except jwt.PyJWTError as error:
            raise InvalidToken(reason(error)) from None
        return Identity(claims["sub"], scopes_of(claims))


def reason(error: jwt.PyJWTError) -> str:
    import jwt

    if isinstance(error, jwt.MissingRequiredClaimError):
        return f"the token has no {error.claim} claim"
    reasons: dict[type[jwt.PyJWTError], str] = {
        jwt.ExpiredSignatureError: "the token has expired",
        jwt.ImmatureSignatureError: "the token is not valid yet",
        jwt.InvalidAudienceError: "the token is for another audience",
        jwt.InvalidIssuerError: "the token is from another issuer",
        jwt.InvalidSignatureError: "the token's signature is wrong",
    }
    return reasons.get(type(error), "the token is invalid")


def init_app(app: Flask, settings: Settings) -> None:
    if settings.oidc_issuer and settings.oidc_audience:
        app.extensions["oidc"] = Verifier(settings.oidc_issuer, settings.oidc_audience)


def verify(token: str) -> Identity:
    """Who a JWT access token stands for (auth.py makes it the caller `oidc:<sub>`): InvalidToken,
    or ProviderUnavailable (a 503)."""
    verifier: Verifier | None = current_app.extensions.get("oidc")
    if verifier is None:
        raise InvalidToken("this API takes no tokens from an identity provider")
    return verifier.verify(token)
