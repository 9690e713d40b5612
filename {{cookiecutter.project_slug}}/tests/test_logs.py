import io
import json
import logging
import logging.config
import re
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from {{ cookiecutter.package_name }} import logs
from {{ cookiecutter.package_name }}.config import ConfigError, Settings

GIVEN_ID = "client-42:a.b_c"
GENERATED_ID = re.compile(r"[0-9a-f]{32}")
TEXT_LINE = re.compile(
    r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (?P<level>[A-Z]+) (?P<logger>\S+) "
    r"\[(?P<request_id>[^\]]+)\] (?P<message>.*)"
)
# What a client may send to forge a log line or rewrite a terminal: line breaks (Python's and
# Unicode's), NUL, ANSI escape sequences, every other C0 and C1 control, and `\\` (the escape's).
NASTY = (
    ["\n", "\r", "\r\n", "\x00", "\x1b[31m", "\x1b[2J", "\x1b]0;title\x07", "\\", "\\n"]
    + ["\x85", "\u2028", "\u2029", "\x7f", "\u202e"]
    + [chr(code) for code in [*range(0x20), *range(0x80, 0xA0)]]
)
nasty_text = st.lists(st.one_of(st.sampled_from(NASTY), st.text(max_size=5)), max_size=8).map(
    "".join
)
# The `log_output` fixture: log_output(log_format) sends the log lines to the stream it returns.
LogOutput = Callable[[str], io.StringIO]
Line = dict[str, Any]


@pytest.fixture
def log_output() -> Iterator[LogOutput]:
    """Where the app's log lines go during a test: read() returns what was written so far."""
    stream = io.StringIO()

    def use(log_format: str) -> io.StringIO:
        logs.configure(log_format, "INFO", stream=stream)
        return stream

    yield use
    logs.configure("text", "INFO")


def json_lines(stream: io.StringIO) -> list[Line]:
    """Every line written, each parsed: a line that is not one JSON object fails the test."""
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert all(isinstance(line, dict) for line in lines)
    return lines


def access_lines(lines: list[Line]) -> list[Line]:
    return [line for line in lines if line["logger"] == logs.access_log.name]


def test_json_access_line_has_every_field(client: FlaskClient, log_output: LogOutput) -> None:
    stream = log_output("json")
    response = client.get("/api/items?page=1", headers={"X-Request-ID": GIVEN_ID})
    assert response.status_code == 200
    [line] = access_lines(json_lines(stream))
    assert line["level"] == "INFO"
    assert datetime.fromisoformat(line["timestamp"]).utcoffset() == timedelta(0)
    assert line["request_id"] == GIVEN_ID
    assert (line["method"], line["path"], line["status"]) == ("GET", "/api/items", 200)
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["caller"] == "token:tests"  # its name, never the token
    assert line["message"] == f"GET /api/items 200 {line['duration_ms']} ms by token:tests"


def test_successful_probes_are_logged_at_debug_only(
    client: FlaskClient, log_output: LogOutput
) -> None:
    stream = log_output("json")
    assert client.get("/healthz").status_code == 200
    assert access_lines(json_lines(stream)) == []  # INFO and above only
    logs.access_log.setLevel(logging.DEBUG)
    try:
        client.get("/healthz")
    finally:
        logs.access_log.setLevel(logging.NOTSET)
    [line] = access_lines(json_lines(stream))
    assert (line["level"], line["path"], line["status"]) == ("DEBUG", "/healthz", 200)


def test_text_access_line_carries_the_request_id(
    client: FlaskClient, log_output: LogOutput
) -> None:
    stream = log_output("text")
    client.post("/api/items", json={"name": "logged"}, headers={"X-Request-ID": GIVEN_ID})
    [line] = [m for m in map(TEXT_LINE.fullmatch, stream.getvalue().splitlines()) if m]
    assert (line["level"], line["logger"]) == ("INFO", logs.access_log.name)
    assert line["request_id"] == GIVEN_ID
    assert re.fullmatch(r"POST /api/items 201 \d+\.\d+ ms by token:tests", line["message"])


def test_records_outside_a_request_have_no_request_fields(log_output: LogOutput) -> None:
    stream = log_output("json")
    logging.getLogger("somewhere").warning("starting %s", "up")
    [line] = json_lines(stream)
    assert line.keys() == {"timestamp", "level", "logger", "message"}
    assert (line["level"], line["logger"]) == ("WARNING", "somewhere")
    assert line["message"] == "starting up"
    logging.getLogger("somewhere").info("where from?", stack_info=True)
    assert "test_records_outside_a_request" in json_lines(stream)[-1]["stack"]

    stream = log_output("text")
    logging.getLogger("somewhere").warning("starting")
    text_line = TEXT_LINE.fullmatch(stream.getvalue().splitlines()[-1])
    assert text_line and text_line["request_id"] == "-"


def test_an_unhandled_error_is_one_json_line_with_its_traceback_and_request_id(
    app: Flask, log_output: LogOutput
) -> None:
    def boom() -> str:
        raise RuntimeError("kaput")

    app.add_url_rule("/boom", view_func=boom)
    stream = log_output("json")
    response = app.test_client().get("/boom", headers={"X-Request-ID": GIVEN_ID})
    assert response.status_code == 500
    assert response.headers["X-Request-ID"] == GIVEN_ID
    lines = json_lines(stream)
    [error] = [line for line in lines if line["level"] == "ERROR"]
    assert error["request_id"] == GIVEN_ID and error["path"] == "/boom"
    assert "Traceback" in error["exception"] and "RuntimeError: kaput" in error["exception"]
    assert access_lines(lines)[0]["status"] == 500


def test_the_request_id_is_echoed(client: FlaskClient) -> None:
    response = client.get("/healthz", headers={"X-Request-ID": GIVEN_ID})
    assert response.headers["X-Request-ID"] == GIVEN_ID


def test_a_request_id_is_made_when_there_is_none(client: FlaskClient) -> None:
    first = client.get("/healthz").headers["X-Request-ID"]
    second = client.get("/healthz").headers["X-Request-ID"]
    assert GENERATED_ID.fullmatch(first) and GENERATED_ID.fullmatch(second)
    assert first != second


@pytest.mark.parametrize(
    "insane",
    ["x" * 129, "has space", "tab\there", "bell\x07", 'quote"d', "sémantique", "a/b", ""],
    ids=["too-long", "space", "tab", "control", "quote", "non-ascii", "slash", "empty"],
)
def test_an_insane_request_id_is_replaced(client: FlaskClient, insane: str) -> None:
    response = client.get("/healthz", headers={"X-Request-ID": insane})
    assert GENERATED_ID.fullmatch(response.headers["X-Request-ID"])


def test_the_longest_sane_request_id_is_kept(client: FlaskClient) -> None:
    sane = "a" * 128
    assert client.get("/healthz", headers={"X-Request-ID": sane}).headers["X-Request-ID"] == sane


@pytest.mark.parametrize(
    ("method", "path", "body", "content_type", "status"),
    [
        ("GET", "/no/such/path", None, None, 404),
        ("GET", "/api/items/999999", None, None, 404),
        ("PUT", "/api/items", None, None, 405),
        ("POST", "/api/items", b'{"name": "' + b"x" * 70_000 + b'"}', "application/json", 413),
        ("POST", "/api/items", b"not json", "text/plain", 415),
        ("GET", "/api/items?page=0", None, None, 400),
    ],
)
def test_error_responses_carry_the_request_id(
    client: FlaskClient,
    method: str,
    path: str,
    body: bytes | None,
    content_type: str | None,
    status: int,
) -> None:
    headers = {"X-Request-ID": GIVEN_ID, **({"Content-Type": content_type} if content_type else {})}
    response = client.open(path, method=method, data=body, headers=headers)
    assert response.status_code == status
    assert response.get_json()["status"] == status
    assert response.headers["X-Request-ID"] == GIVEN_ID


def test_gunicorn_lines_take_the_same_format(capsys: pytest.CaptureFixture[str]) -> None:
    logging.config.dictConfig(logs.gunicorn_config("json", "info"))
    try:
        logging.getLogger("gunicorn.error").info("Booting worker with pid: %s", 7)
        logging.getLogger("gunicorn.access").info("not shown: the app logs requests itself")
        [line] = [json.loads(text) for text in capsys.readouterr().err.splitlines()]
        assert (line["logger"], line["message"]) == ("gunicorn.error", "Booting worker with pid: 7")
        # gunicorn quotes what a bad request sent: escaped in the text format as well.
        logging.config.dictConfig(logs.gunicorn_config("text", "info"))
        logging.getLogger("gunicorn.error").warning("Invalid request: %s", "GET /\r\nFAKE\x1b[2J")
        [text] = capsys.readouterr().err.split("\n")[:-1]
        assert text.endswith(" gunicorn.error [-] Invalid request: GET /\\r\\nFAKE\\x1b[2J")
    finally:
        logs.configure("text", "INFO")


def test_log_format_and_level_are_read_and_checked() -> None:
    settings = Settings.from_env({"LOG_FORMAT": "JSON", "LOG_LEVEL": "warning"})
    assert (settings.log_format, settings.log_level) == ("json", "WARNING")
    settings = Settings.from_env({"LOG_FORMAT": "", "LOG_LEVEL": ""})
    assert (settings.log_format, settings.log_level) == ("text", "INFO")
    with pytest.raises(ConfigError, match="LOG_FORMAT='xml' must be one of: json, text"):
        Settings.from_env({"LOG_FORMAT": "xml"})
    with pytest.raises(ConfigError, match="LOG_LEVEL='loud' must be one of: DEBUG, INFO"):
        Settings.from_env({"LOG_LEVEL": "loud"})
    with pytest.raises(ValueError, match="LOG_FORMAT='xml' must be one of: json, text"):
        logs.gunicorn_config("xml", "info")


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=nasty_text, query=nasty_text, header=nasty_text)
@example(path="x\nFAKE INFO line", query="%0a", header="\x1b[2J")
def test_a_request_is_one_text_line_whatever_the_client_sends(
    app: Flask, path: str, query: str, header: str
) -> None:
    """(The app fixture is shared by the examples: they only read.)"""
    stream = io.StringIO()
    logs.configure("text", "INFO", stream=stream)
    try:
        # Controls in a header's value are sent as they are, but a line break cannot be.
        header = header.replace("\n", "").replace("\r", "")
        headers = {"X-Request-ID": header, "User-Agent": header}
        app.test_client().get(
            "/" + quote(path, safe=""), query_string={"q": query}, headers=headers
        )
    finally:
        logs.configure("text", "INFO")
    [line] = stream.getvalue().split("\n")[:-1]  # after the last line's \n: nothing
    assert line.isprintable(), line
    match = TEXT_LINE.fullmatch(line)
    assert match and match["logger"] == logs.access_log.name
    # What a reader turns back into the original: the path, as the app saw it.
    assert logs.unescape(match["message"]) == f"GET /{path} 404 {match['message'].split()[-2]} ms"


@given(text=nasty_text)
def test_escape_is_printable_and_undone_by_unescape(text: str) -> None:
    escaped = logs.escape(text)
    assert escaped.isprintable() and logs.unescape(escaped) == text


def test_a_traceback_follows_on_indented_escaped_lines(log_output: LogOutput) -> None:
    stream = log_output("text")
    try:
        raise ValueError("forged\n2026-01-05 10:00:00,123 INFO fake [x] line\x1b[2J")
    except ValueError:
        logging.getLogger("somewhere").exception("failed on %s", "a\nb")
    first, *rest = stream.getvalue().split("\n")[:-1]
    assert TEXT_LINE.fullmatch(first) and first.endswith("failed on a\\nb")
    assert rest and all(line.startswith("    ") and line.isprintable() for line in rest)
    # The traceback's own line breaks stay: a line it forges is indented, not a record.
    assert rest[-2:] == [
        "    ValueError: forged",
        "    2026-01-05 10:00:00,123 INFO fake [x] line\\x1b[2J",
    ]


def test_json_lines_escape_too(client: FlaskClient, log_output: LogOutput) -> None:
    stream = log_output("json")
    nasty = "".join(NASTY)
    client.get("/" + quote(nasty, safe=""))
    [line] = stream.getvalue().split("\n")[:-1]
    assert line.isascii() and line.isprintable()
    assert json.loads(line)["path"] == "/" + nasty
