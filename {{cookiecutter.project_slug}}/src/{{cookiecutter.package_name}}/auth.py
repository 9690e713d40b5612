"""Who may call the API: bearer tokens with scopes.

Every /api/ operation names the scope it needs in the OpenAPI document (`security=needs(...)` on
its route), and protect() refuses a request without it: 401 when no valid credential came, 403
when the caller lacks the scope (RFC 6750), in errors.py's JSON body. An /api/ operation that names
no scope is refused to everyone: closed by default. The probes and /openapi.json stay open.

A token is `tok_<key id>_<secret>`: the key id (64 random bits, public) finds its row, the secret
(256 random bits from `secrets`) is stored only as its SHA-256 and compared in constant time. A slow
password hash (Argon2, bcrypt) protects guessable passwords; a 256-bit random secret cannot be
guessed, so one SHA-256 is as safe and keeps each request cheap. Tokens live in the database, so a
revocation holds at once on every worker and every replica. `python -m <package> token ...`
(__main__.py) makes, lists and revokes them.
"""

import hashlib
import hmac
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import Flask, Request, current_app, g, request
from flask_openapi3.utils import parse_rule
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session
from werkzeug.exceptions import Forbidden, HTTPException, Unauthorized
from werkzeug.http import HTTP_STATUS_CODES

from . import oidc
from .db import get_session
from .errors import error_response
from .models import ApiToken

log = logging.getLogger(__name__)

# Every scope the API knows, and what it allows: one rule, `<resource>:<read|write>`. A new
# resource adds its two lines here and names them on its routes with needs().
SCOPES = {
    "items:read": "list and read items",
    "items:write": "create and delete items",
{%- if cookiecutter.reports == "yes" %}
    "reports:read": "read the reports at /reports/ (docs/reports.md)",
{%- endif %}
}
SCOPE_RULE = re.compile(r"[a-z][a-z0-9-]*:(read|write)")
# The name of the scheme in the OpenAPI document, and what /docs' Authorize button asks for.
SCHEME = "bearerAuth"
SECURITY_SCHEMES = {
    SCHEME: {
        "type": "http",
        "scheme": "bearer",
        "description": "An API token (`token create`, docs/api.md),"
        " sent as `Authorization: Bearer <token>`.",
    }
}
REALM = "api"
PREFIX = "tok"
# The key id is 16 hex digits, the secret 43 base64url characters (token_urlsafe(32)).
TOKEN = re.compile(PREFIX + r"_(?P<key_id>[0-9a-f]+)_(?P<secret>[A-Za-z0-9_-]+)")
KEY_ID_LENGTH, SECRET_LENGTH = 16, 43
# A JWT is three base64url parts; its header starts with `{"` (eyJ).
JWT = re.compile(r"eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
# The last use is written at most this often per token, not on every request: cheap hot path.
LAST_USE_EVERY = timedelta(minutes=1)
# The columns a request needs, by key id: built once (a statement per request costs more than the
# query), read as plain rows.
BY_KEY_ID = select(
    ApiToken.id,
    ApiToken.name,
    ApiToken.secret_hash,
    ApiToken.scopes,
    ApiToken.expires_at,
    ApiToken.last_used_at,
    ApiToken.revoked_at,
).where(ApiToken.key_id == bindparam("key_id"))
# The scope no caller holds: what an /api/ operation that names none requires.
NOBODY = "(no scope declared)"


@dataclass(frozen=True)
class Caller:
    """Who sent the request: `token:<name>` (or `oidc:<subject>`), and what it may do."""

    name: str
    scopes: frozenset[str]


def needs(scope: str) -> list[dict[str, list[str]]]:
    """An operation's `security`: a bearer credential with this scope."""
    if scope not in SCOPES:
        raise ValueError(f"unknown scope {scope!r}: add it to auth.SCOPES")
    return [{SCHEME: [scope]}]


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_token() -> tuple[str, str, str]:
    """A new token, its key id and the hash of its secret (what the database keeps)."""
    key_id, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
    return f"{PREFIX}_{key_id}_{secret}", key_id, hash_secret(secret)


def now() -> datetime:
    return datetime.now(UTC)


def aware(moment: datetime) -> datetime:
    """SQLite keeps no time zone: its values were written in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def token_caller(session: Session, value: str) -> Caller | None:
    """The caller of an API token, or None if it is malformed, unknown, expired or revoked."""
    match = TOKEN.fullmatch(value)
    if match is None or (len(match["key_id"]), len(match["secret"])) != (
        KEY_ID_LENGTH,
        SECRET_LENGTH,
    ):
        return None
    token = session.execute(BY_KEY_ID, {"key_id": match["key_id"]}).one_or_none()
    if token is None:
        return None
    # Constant time: how long the comparison takes tells nothing about the stored hash.
    if not hmac.compare_digest(hash_secret(match["secret"]), token.secret_hash):
        return None
    moment = now()
    if token.revoked_at is not None or (
        token.expires_at is not None and aware(token.expires_at) <= moment
    ):
        return None
    if token.last_used_at is None or moment - aware(token.last_used_at) >= LAST_USE_EVERY:
        session.execute(update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=moment))
        session.commit()
    return Caller(name=f"token:{token.name}", scopes=frozenset(token.scopes))


def jwt_caller(value: str) -> Caller | None:
    """The caller of a JWT access token from the identity provider (oidc.py, when OIDC_ISSUER and
    OIDC_AUDIENCE are set), or None. An unreachable provider raises its 503."""
    try:
        identity = oidc.verify(value)
    except oidc.InvalidToken as error:
        log.info("JWT refused: %s", error)  # why, never the token
        return None
    return Caller(name=f"oidc:{identity.subject}", scopes=identity.scopes)


def authenticate_request(req: Request) -> Caller | None:
    """The caller that req's `Authorization: Bearer` credential names, or None. Reusable outside
    /api/ (e.g. a page that needs a scope: see require())."""
    kind, _, value = req.headers.get("Authorization", "").partition(" ")
    value = value.strip()
    if kind.lower() != "bearer" or not value:
        return None
    if JWT.fullmatch(value):
        return jwt_caller(value)
    return token_caller(get_session(), value)


def challenge(status: int, message: str, **params: str) -> HTTPException:
    """The 401 or 403 answer, with its WWW-Authenticate header (RFC 6750, section 3)."""
    header = ", ".join([f'Bearer realm="{REALM}"', *(f'{k}="{v}"' for k, v in params.items())])
    error: type[HTTPException] = Unauthorized if status == 401 else Forbidden
    response = error_response(status, HTTP_STATUS_CODES[status], message)
    response.headers["WWW-Authenticate"] = header
    return error(response=response)


def require(scope: str) -> Caller:
    """The current request's caller if it holds scope; else raises the 401 or 403 to answer."""
    caller: Caller | None = g.get("caller")
    if caller is None:
        if g.get("auth_failed"):
            raise challenge(
                401,
                "The credential is unknown, expired or revoked.",
                error="invalid_token",
            )
        raise challenge(401, "Send a credential: Authorization: Bearer <token>.")
    if scope not in caller.scopes:
        raise challenge(
            403,
            f"The credential lacks the scope {scope}.",
            error="insufficient_scope",
            scope=scope,
        )
    return caller


def operation_scopes(app: Flask) -> dict[tuple[str, str], str]:
    """(URL rule, method) -> the scope each documented operation declares (made once)."""
    scopes: dict[tuple[str, str], str] | None = app.extensions.get("auth_scopes")
    if scopes is None:
        paths = app.api_doc["paths"]  # type: ignore[attr-defined]  # an OpenAPI app
        scopes = {}
        for rule in app.url_map.iter_rules():
            for method, operation in paths.get(parse_rule(rule.rule), {}).items():
                for requirement in operation.get("security") or []:
                    scopes.update({(rule.rule, method.upper()): s for s in requirement[SCHEME]})
        app.extensions["auth_scopes"] = scopes
    return scopes


def init_app(app: Flask) -> None:
    """Find out who calls (g.caller, or None; g.auth_failed when a credential was sent but is not
    valid). It refuses nothing: protect() does, once the rate limiter has counted the request."""

    @app.before_request
    def _authenticate() -> None:
        g.caller = authenticate_request(request)
        g.auth_failed = g.caller is None and "Authorization" in request.headers


def protect(app: Flask, prefix: str = "/api/") -> None:
    """Refuse every request under prefix without the scope its operation declares. Call it last in
    create_app: what runs before it (the limiter) sees refused requests too."""

    @app.before_request
    def _require_scope() -> None:
        # 404, 405 and OPTIONS (Flask's answer: the Allow header) tell nothing about the data.
        if request.url_rule is None or not request.path.startswith(prefix):
            return
        if request.method == "OPTIONS":
            return
        method = "GET" if request.method == "HEAD" else request.method
        require(operation_scopes(current_app).get((request.url_rule.rule, method), NOBODY))
