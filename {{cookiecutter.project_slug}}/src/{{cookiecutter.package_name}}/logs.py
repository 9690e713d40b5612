"""Logs: one line per record, as JSON (LOG_FORMAT=json, for log collectors) or text (for people).

Every record logged while a request is handled carries the request's id, method and path, and
each request ends with one access line that adds its status and duration:

    {"timestamp": "2026-01-05T10:00:00.123+00:00", "level": "INFO",
     "logger": "{{ cookiecutter.package_name }}.access",
     "message": "GET /api/items 200 3.1 ms by token:ci", "request_id": "5f0c9a...",
     "client": "203.0.113.7", "caller": "token:ci", "method": "GET",
     "path": "/api/items", "status": 200, "duration_ms": 3.1}

    2026-01-05 10:00:00,123 INFO {{ cookiecutter.package_name }}.access
      [5f0c9a...] GET /api/items 200 3.1 ms by token:ci

(Each is one line, wrapped here. The path never includes the query string, which may hold what
does not belong in logs; the caller is the token's name, never the token: no header is logged.
A client's control characters are escaped in both formats: a request gives one line whatever it
sends.)

The request id is the request's X-Request-ID header when it is sane: 1 to 128 letters, digits,
`-`, `_`, `.` or `:`, enough for a UUID or a proxy's id. Anything else (too long, spaces, control
characters, quotes) could forge or break log lines, so the app makes a new id instead. Every
response, errors included, carries the id back in X-Request-ID: a client, a proxy and these logs
can name the same request.

gunicorn.conf.py loads this file in gunicorn's master process, without importing the package, so
that gunicorn's own lines have the same format: it may import only the standard library and Flask.
"""

import json
import logging
import re
import time
import uuid
from datetime import UTC, datetime
from typing import Any, TextIO

from flask import Flask, Response, g, has_request_context, request

FORMATS = ("json", "text")
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# The name of the handler that configure() installs: calling it again replaces that one only.
HANDLER = "app"
REQUEST_ID_HEADER = "X-Request-ID"
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
# What a record may tell about its request, in the order the JSON lines show it.
REQUEST_FIELDS = ("request_id", "client", "caller", "method", "path", "status", "duration_ms")

access_log = logging.getLogger("{{ cookiecutter.package_name }}.access")
# The probes (the healthcheck every few seconds, Prometheus' scrapes) would drown the other access
# lines: while they succeed, they are logged at DEBUG only (shown in development).
PROBE_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})


class RequestFilter(logging.Filter):
    """Adds the id, method and path of the request being handled (if any) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context():
            record.request_id = g.get("request_id", "-")
            # The client's address: the peer's, or behind the proxy the one it reports (wsgi.py).
            record.client = request.remote_addr
            # Who called (auth.py): a token's or a JWT subject's name, never the credential.
            caller = g.get("caller")
            if caller is not None:
                record.caller = caller.name
            record.method = request.method
            record.path = request.path
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line; a traceback goes into its "exception" field, not onto new lines."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in REQUEST_FIELDS:
            if hasattr(record, name):
                line[name] = getattr(record, name)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, default=str)


def escape(text: str) -> str:
    """text with every character that could break or forge a log line written as an escape, as in
    Python: a newline as `\\n`, ESC as `\\x1b`, U+2028 as `\\u2028`, and `\\` itself as `\\\\`
    (so that unescape() gives back the original exactly). Printable characters, non-ASCII letters
    too, stay as they are."""
    if text.isprintable() and "\\" not in text:
        return text  # the usual case, and the fast one
    return "".join(
        char if char.isprintable() and char != "\\" else char.encode("unicode_escape").decode()
        for char in text
    )


def unescape(text: str) -> str:
    """The original of escape(text)."""
    return text.encode("latin-1", "backslashreplace").decode("unicode_escape")


class TextFormatter(logging.Formatter):
    """time, level, logger, [request id or -], message: one line per record, for people.

    Any field may hold what a client sent (the path, a header, an exception's message): the whole
    line is escaped here, whoever logged it, so that a newline, a carriage return or a terminal
    escape sequence in it cannot forge a line or rewrite the screen. A traceback follows on lines
    of its own, each indented (only a record's first line starts with its time) and escaped too.
    """

    def __init__(self) -> None:
        super().__init__(
            "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s",
            defaults={"request_id": "-"},
        )

    def format(self, record: logging.LogRecord) -> str:
        record.message = record.getMessage()
        record.asctime = self.formatTime(record, self.datefmt)
        lines = [escape(self.formatMessage(record))]
        # Not record.exc_text: another handler's formatter may have filled it, unescaped.
        if record.exc_info:
            lines += self.formatException(record.exc_info).split("\n")
        if record.stack_info:
            lines += self.formatStack(record.stack_info).split("\n")
        return "\n    ".join([lines[0], *map(escape, lines[1:])])


def check_format(log_format: str) -> None:
    if log_format not in FORMATS:
        raise ValueError(f"LOG_FORMAT={log_format!r} must be one of: {', '.join(FORMATS)}")


def make_handler(log_format: str, stream: TextIO | None = None) -> logging.Handler:
    """A handler writing to stream (default: stderr, which `docker logs` shows) in log_format."""
    check_format(log_format)
    handler = logging.StreamHandler(stream)
    handler.set_name(HANDLER)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    handler.addFilter(RequestFilter())
    return handler


def configure(log_format: str, level: str, stream: TextIO | None = None) -> None:
    """Every record (Python's warnings too) goes to one handler, in log_format.

    Calling it again replaces that handler and leaves any other alone (pytest's, for one).
    """
    root = logging.getLogger()
    for handler in [h for h in root.handlers if h.get_name() == HANDLER]:
        root.removeHandler(handler)
    root.addHandler(make_handler(log_format, stream))
    root.setLevel(level)
    logging.captureWarnings(True)


def gunicorn_config(log_format: str, level: str) -> dict[str, Any]:
    """gunicorn's logconfig_dict: its own lines in the app's format, its access log off."""
    check_format(log_format)
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "handlers": {HANDLER: {"()": make_handler, "log_format": log_format}},
        "root": {"level": level.upper(), "handlers": [HANDLER]},
        "loggers": {
            # No handler of its own (this drops gunicorn's): its lines go to the root's.
            "gunicorn.error": {"level": level.upper(), "propagate": True},
            # Off: the app logs each request itself (init_app), with the request id.
            "gunicorn.access": {"propagate": False},
        },
    }


def init_app(app: Flask) -> None:
    """Give every request an id and log one access line per request. Call it before any other
    init_app, so that its timer starts first and its access line sees the final response."""

    @app.before_request
    def _start_request() -> None:
        given = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = given if SANE_REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        g.request_log_started = time.perf_counter()

    # after_request functions run for error responses too (the errors module turns every
    # exception into one), and in reverse order of registration: this one runs last.
    @app.after_request
    def _log_request(response: Response) -> Response:
        response.headers[REQUEST_ID_HEADER] = g.request_id
        duration_ms = round((time.perf_counter() - g.request_log_started) * 1000, 1)
        status = response.status_code
        quiet = request.path in PROBE_PATHS and status < 400
        caller = g.get("caller")
        access_log.log(
            logging.DEBUG if quiet else logging.INFO,
            "%s %s %s %s ms%s",
            request.method,
            request.path,
            status,
            duration_ms,
            f" by {caller.name}" if caller is not None else "",
            extra={"status": status, "duration_ms": duration_ms},
        )
        return response
