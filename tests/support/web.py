"""HTTP requests to a running app, and checks of its logs."""

import json
import urllib.error
import urllib.request


def http(method: str, url: str, body=None, timeout: float = 10, raw: bytes | None = None, headers=None):
    """(status, parsed JSON body) of one request; 4xx/5xx are returned, not raised.

    body is sent as JSON; raw is sent as it is, with the given headers.
    """
    if body is not None:
        raw, headers = json.dumps(body).encode(), {"Content-Type": "application/json", **(headers or {})}
    req = urllib.request.Request(url, data=raw, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            status, answer = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, answer = error.code, error.read()
    return status, json.loads(answer) if answer else None


def assert_no_errors(log: str) -> None:
    """A log that should be clean has none of gunicorn's `[ERROR]` lines and no Python traceback."""
    assert "[ERROR]" not in log and "Traceback" not in log, log
