"""HTTP requests to a running app, and checks of its logs."""

import json
import re
import urllib.error
import urllib.request

ERROR_LEVELS = ("ERROR", "CRITICAL")
# An error in a text log: the app's LOG_FORMAT=text ("<date> <time>,<ms> ERROR <logger> [<id>] ...")
# or gunicorn's own format ("[ERROR]"), which it uses before it reads its configuration.
TEXT_ERROR = re.compile(r"\d\d:\d\d:\d\d,\d{3} (?:ERROR|CRITICAL) |\[(?:ERROR|CRITICAL)\]")


def http_exchange(
    method: str, url: str, body=None, timeout: float = 10, raw: bytes | None = None, headers=None, context=None
):
    """(status, response headers, parsed JSON body) of one request; 4xx/5xx are returned, not raised.

    body is sent as JSON; raw is sent as it is, with the given headers. context: an ssl.SSLContext for https.
    """
    if body is not None:
        raw, headers = json.dumps(body).encode(), {"Content-Type": "application/json", **(headers or {})}
    req = urllib.request.Request(url, data=raw, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout, context=context) as response:
            status, answer, answer_headers = response.status, response.read(), response.headers
    except urllib.error.HTTPError as error:
        status, answer, answer_headers = error.code, error.read(), error.headers
    return status, answer_headers, json.loads(answer) if answer else None


def http(method: str, url: str, body=None, timeout: float = 10, raw: bytes | None = None, headers=None, context=None):
    """(status, parsed JSON body) of one request, as http_exchange."""
    status, _, answer = http_exchange(method, url, body, timeout, raw, headers, context)
    return status, answer


def json_record(line: str) -> dict | None:
    """The JSON object on a log line (after any `docker compose logs` prefix), or None."""
    start = line.find("{")
    try:
        record = json.loads(line[start:]) if start >= 0 else None
    except ValueError:
        return None
    return record if isinstance(record, dict) else None


def json_records(log: str) -> list[dict]:
    """Every line of a LOG_FORMAT=json log, parsed: a line that is not one JSON object fails."""
    records = [json_record(line) for line in log.splitlines() if line.strip()]
    assert records and None not in records, log
    return records


def assert_no_errors(log: str) -> None:
    """A log that should be clean, JSON or text, has no line at level ERROR or CRITICAL and no Python
    traceback (a JSON line keeps its traceback in a field, which still says "Traceback")."""
    errors = [
        line
        for line in log.splitlines()
        if (json_record(line) or {}).get("level") in ERROR_LEVELS or TEXT_ERROR.search(line)
    ]
    assert not errors and "Traceback" not in log, log
