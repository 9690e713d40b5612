"""Rate limits per caller, with Flask-Limiter: over a limit, 429 with Retry-After.

Three limits, each a setting (config.py, docs/configuration.md), each counted on its own:
- per caller (g.caller, set by auth.py from a valid token or JWT), on every route together;
- per client address, for requests without a valid credential;
- per client address again, stricter, for requests whose credential failed (auth.py's
  g.auth_failed), counting those answered 401: guessing tokens is slow, while a valid token, or
  a request without one, from the same address is still served.
The client address is request.remote_addr: the proxy's X-Forwarded-For, believed from the proxy
only (wsgi.py). The probes and /metrics are never limited, nor is a request that matches no
route (404, 405): it costs no more than the 429 would.

The counters live in RATELIMIT_STORAGE_URI: the stack's valkey server, shared by every gunicorn
worker and every replica (compose.yaml); unset, in this process's memory (a native run, tests).
If the server is unreachable, each process counts in its own memory until it is back (logged as
a warning): the API stays up, still limited, only less exactly (fail-open, see docs/api.md).
"""

from typing import Any

from flask import Flask, Response, g, request
from flask_limiter import ApplicationLimit, Limiter, RequestLimit

from .config import Settings

# Blueprints never limited: the probes (Docker, the proxy, Swarm) and Prometheus' scrapes.
NOT_LIMITED = frozenset({"health", "metrics"})
# Give up on an unreachable store quickly: a request waits at most this long (seconds) before
# the in-memory counters take over.
STORE_TIMEOUT = 0.5


def caller() -> Any:
    """The authenticated caller (auth.py), or None."""
    return g.get("caller")


def caller_key() -> str:
    return str(caller().name)


def address_key() -> str:
    return request.remote_addr or "unknown"


def authentication_failed(response: Response) -> bool:
    return response.status_code == 401


def breached(limit: RequestLimit) -> None:
    """A 429 names the limit it hit in the log (never the key: it may be a token's name)."""
    g.rate_limit_hit = str(limit.limit)


# Flask-Limiter writes Retry-After into every answer it adds its headers to, overwriting one that
# was there (a 503's). These two keep it on the limiter's own 429s only, and at least 1 second
# there (it rounds down to 0 in the last second of a window).
def remember_retry_after(response: Response) -> Response:
    g.retry_after = response.headers.get("Retry-After")
    return response


def retry_after_of_the_limits_only(response: Response) -> Response:
    if g.get("rate_limit_hit"):
        if response.headers.get("Retry-After") == "0":
            response.headers["Retry-After"] = "1"
    elif g.get("retry_after") is not None:
        response.headers["Retry-After"] = g.retry_after
    else:
        response.headers.pop("Retry-After", None)
    return response


def init_app(app: Flask, settings: Settings) -> Limiter:
    """Limit every route but the probes and /metrics. Call after auth.init_app: its g.caller
    must be set before the limits are checked."""
    limits = [
        ApplicationLimit(
            settings.ratelimit_caller,
            key_function=caller_key,
            scope="caller",
            exempt_when=lambda: caller() is None,
            error_message="Too many requests for this caller: try again after Retry-After seconds.",
        ),
        ApplicationLimit(
            settings.ratelimit_anonymous,
            key_function=address_key,
            scope="anonymous",
            exempt_when=lambda: caller() is not None,
            error_message="Too many requests from this address: "
            "try again after Retry-After seconds.",
        ),
        ApplicationLimit(
            settings.ratelimit_auth_failures,
            key_function=address_key,
            scope="auth-failures",
            # Only requests with a credential that failed: the others' headers then name the
            # limit that counts them.
            exempt_when=lambda: not g.get("auth_failed"),
            deduct_when=authentication_failed,
            error_message="Too many failed authentications from this address: "
            "try again after Retry-After seconds.",
        ),
    ]
    in_memory = settings.ratelimit_storage_uri.startswith("memory:")
    timeouts = {"socket_connect_timeout": STORE_TIMEOUT, "socket_timeout": STORE_TIMEOUT}
    # Flask runs after_request functions in the reverse order they were added: this one last.
    app.after_request(retry_after_of_the_limits_only)
    limiter = Limiter(
        key_func=address_key,
        application_limits=limits,  # type: ignore[arg-type]  # typed as strings or callables only
        storage_uri=settings.ratelimit_storage_uri,
        storage_options={} if in_memory else timeouts,  # type: ignore[arg-type]  # floats are fine
        # A moving window: never more than the limit in any span of its length (a fixed window
        # lets twice the limit through around its edge).
        strategy="moving-window",
        headers_enabled=True,  # X-RateLimit-Limit, -Remaining, -Reset (epoch seconds), Retry-After
        in_memory_fallback_enabled=not in_memory,
        on_breach=breached,
    )
    limiter.request_filter(lambda: request.blueprint in NOT_LIMITED)
    limiter.init_app(app)
    app.after_request(remember_retry_after)  # runs before the limiter's headers are added
    return limiter
