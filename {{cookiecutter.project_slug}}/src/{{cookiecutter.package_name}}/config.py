"""Configuration, read once from environment variables.

Every secret can also come from a file named by <NAME>_FILE, as with the official Docker images
(e.g. SECRET_KEY_FILE=/run/secrets/secret_key): the value then never shows in `docker inspect`.
"""

import ipaddress
import os
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from limits import parse_many
from sqlalchemy import URL, make_url

from .logs import FORMATS, LEVELS


class ConfigError(RuntimeError):
    """A setting is missing or wrong; the message says which and how to fix it."""


def read_setting(environ: Mapping[str, str], name: str, default: str | None = None) -> str | None:
    """The value of NAME, or the contents of the file named by NAME_FILE, or default."""
    file_name = environ.get(f"{name}_FILE")
    if file_name and name in environ:
        raise ConfigError(f"set {name} or {name}_FILE, not both")
    if file_name:
        try:
            # Strip the trailing newline that editors add, as the official images do.
            return Path(file_name).read_text(encoding="utf-8").rstrip("\r\n")
        except OSError as error:
            raise ConfigError(f"{name}_FILE={file_name} cannot be read: {error.strerror}") from None
    return environ.get(name, default)


def read_int(environ: Mapping[str, str], name: str, default: int) -> int:
    # Empty counts as unset: compose passes `${NAME:-}` when .env does not set NAME.
    value = environ.get(name) or str(default)
    try:
        return int(value)
    except ValueError:
        raise ConfigError(f"{name}={value!r} is not a whole number") from None


def read_choice(environ: Mapping[str, str], name: str, default: str, choices: Sequence[str]) -> str:
    """NAME's value (empty counts as unset), compared without regard to case, or a ConfigError."""
    value = environ.get(name) or default
    for choice in choices:
        if value.lower() == choice.lower():
            return choice
    raise ConfigError(f"{name}={value!r} must be one of: {', '.join(choices)}")


def read_rate_limit(environ: Mapping[str, str], name: str, default: str) -> str:
    """NAME's value (empty counts as unset) in the `limits` library's notation: "60 per minute",
    "60/minute", several joined with ";" ("10 per second; 300 per minute"); or a ConfigError."""
    value = environ.get(name) or default
    try:
        parse_many(value)
    except ValueError:
        raise ConfigError(f"{name}={value!r} is not a rate limit such as 60 per minute") from None
    return value


def database_url(environ: Mapping[str, str], data_dir: Path) -> URL:
{%- if cookiecutter.database == "postgresql" %}
    """DATABASE_URL if set, else PostgreSQL from POSTGRES_* settings, else a SQLite file."""
{%- else %}
    """DATABASE_URL if set, else a SQLite file."""
{%- endif %}
    url = read_setting(environ, "DATABASE_URL")
    if url:
        return make_url(url)
{%- if cookiecutter.database == "postgresql" %}
    if environ.get("POSTGRES_HOST"):
        # URL.create quotes the password, so any character is safe in it.
        return URL.create(
            "postgresql+psycopg",
            username=environ.get("POSTGRES_USER", "postgres"),
            password=read_setting(environ, "POSTGRES_PASSWORD"),
            host=environ["POSTGRES_HOST"],
            port=read_int(environ, "POSTGRES_PORT", 5432),
            database=environ.get("POSTGRES_DB", "postgres"),
        )
{%- endif %}
    return URL.create("sqlite", database=str(data_dir / "app.db"))


def secure_url(url: str) -> bool:
    """An https:// URL, or an http:// one to this machine (a test's identity provider): nothing
    else may hand out the keys that sign access tokens."""
    parts = urlsplit(url)
    if not parts.hostname:
        return False
    if parts.scheme == "https":
        return True
    if parts.scheme != "http":
        return False
    if parts.hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(parts.hostname).is_loopback
    except ValueError:  # a name, not an address
        return False


def read_oidc(environ: Mapping[str, str]) -> tuple[str | None, str | None]:
    """OIDC_ISSUER and OIDC_AUDIENCE (docs/api.md): both or neither, and a secure issuer URL."""
    issuer, audience = environ.get("OIDC_ISSUER") or None, environ.get("OIDC_AUDIENCE") or None
    if (issuer is None) != (audience is None):
        raise ConfigError("set OIDC_ISSUER and OIDC_AUDIENCE together, or neither")
    if issuer is not None:
        parts = urlsplit(issuer)
        if not secure_url(issuer) or parts.query or parts.fragment:
            raise ConfigError(
                f"OIDC_ISSUER={issuer!r} must be an https:// URL without query or fragment "
                "(http:// only to a loopback address such as 127.0.0.1, for tests)"
            )
    return issuer, audience


@dataclass(frozen=True)
class Settings:
    database_url: URL
    data_dir: Path
    secret_key: str
    log_level: str = "INFO"
    # "text" for people, "json" (one object per line) for log collectors: see logs.py.
    log_format: str = "text"
    # Largest request body accepted, in bytes; larger ones get 413.
    max_content_length: int = 64 * 1024
    # Seconds a request may wait for the database before it gets a 503.
    db_timeout: int = 5
    # Swagger UI at /docs (docs.py); some turn it off in production. /openapi.json stays.
    api_docs: bool = True
    # An identity provider whose JWT access tokens the API also takes (oidc.py); None: none.
    oidc_issuer: str | None = None
    oidc_audience: str | None = None
    # Rate limits (limits.py): per caller (a valid token), per client address without a valid
    # credential, and per address for failed authentications only (401s: guessing).
    ratelimit_caller: str = "300 per minute"
    ratelimit_anonymous: str = "60 per minute"
    ratelimit_auth_failures: str = "10 per minute"
    # Where the limits count: a valkey:// server that every worker and replica share (the
    # stack's), or memory://, this process's own memory (a native run).
    ratelimit_storage_uri: str = "memory://"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "Settings":
        environ = os.environ if environ is None else environ
        data_dir = Path(environ.get("DATA_DIR", "data")).resolve()
        oidc_issuer, oidc_audience = read_oidc(environ)
        return cls(
            database_url=database_url(environ, data_dir),
            data_dir=data_dir,
            # Without a key each process makes its own: fine for this API, which keeps no sessions.
            secret_key=read_setting(environ, "SECRET_KEY") or secrets.token_hex(32),
            log_level=read_choice(environ, "LOG_LEVEL", "INFO", LEVELS),
            log_format=read_choice(environ, "LOG_FORMAT", "text", FORMATS),
            max_content_length=read_int(environ, "MAX_CONTENT_LENGTH", 64 * 1024),
            db_timeout=read_int(environ, "DB_TIMEOUT", 5),
            api_docs=read_choice(environ, "API_DOCS", "true", ("true", "false")) == "true",
            oidc_issuer=oidc_issuer,
            oidc_audience=oidc_audience,
            ratelimit_caller=read_rate_limit(environ, "RATELIMIT_CALLER", "300 per minute"),
            ratelimit_anonymous=read_rate_limit(environ, "RATELIMIT_ANONYMOUS", "60 per minute"),
            ratelimit_auth_failures=read_rate_limit(
                environ, "RATELIMIT_AUTH_FAILURES", "10 per minute"
            ),
            ratelimit_storage_uri=read_setting(environ, "RATELIMIT_STORAGE_URI") or "memory://",
        )
