"""The API against its own OpenAPI document, fuzzed by Schemathesis.

Schemathesis reads /openapi.json and runs all its phases: the document's examples, coverage of
each rule's edges, fuzzing, then the stateful phase, which follows the document's links (create,
then get and delete the id it answered). Every default check runs on every answer: no 5xx, only
documented statuses, content types and headers, bodies that match their schemas (an undeclared
field fails), what the document forbids is refused and what it allows is accepted, a method a
path does not take gets 405 with Allow, ... Every request sends a token with every scope, and the
authentication checks (ignored_auth: the same request without it, or with a wrong one, must be
refused with 401) run on each operation that declares one. The app is served from this process,
on a free port of 127.0.0.1, with the test database. The budget (MAX_EXAMPLES per operation) and
the seed are fixed, so a run is repeatable: raise the budget to look harder, change the seed to
look elsewhere.
"""

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from schemathesis.cli import schemathesis
from werkzeug.serving import make_server

MAX_EXAMPLES = 25
SEED = 18


@pytest.fixture
def base_url(app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


def fuzz(base_url: str, report: Path, *options: str) -> dict[str, Any]:
    """Schemathesis' command line (`schemathesis run`), in this process; its JSON report."""
    args = [
        "run",
        f"{base_url}/openapi.json",
        f"--max-examples={MAX_EXAMPLES}",
        f"--seed={SEED}",
        "--workers=1",
        "--generation-database=none",
        "--no-color",
        "--report=json",
        f"--report-json-path={report}",
        *options,
    ]
    result = CliRunner().invoke(schemathesis, args)
    summary: dict[str, Any] = json.loads(report.read_text())
    summary["output"] = result.output
    return summary


def test_the_api_does_what_its_document_says(
    base_url: str, token: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # Schemathesis' and Hypothesis' caches go there, not here
    run = fuzz(base_url, tmp_path / "report.json", f"--header=Authorization: Bearer {token}")
    assert run["exit_code"] == 0, run["output"]
    assert run["operations"]["tested"] == run["operations"]["total"] > 0, run["output"]
    phases = {name: phase["status"] for name, phase in run["phases"].items()}
    assert phases["coverage"] == phases["fuzzing"] == phases["stateful"] == "success", phases
    assert run["test_cases"]["generated"] > 0 and not run["failures"], run["output"]


def test_the_document_is_openapi_3_1_and_the_docs_page_is_served(app: Flask) -> None:
    client = app.test_client()
    document = client.get("/openapi.json").get_json()
    assert document["openapi"].startswith("3.1")
    page = client.get("/docs")
    assert page.status_code == 200 and b"swagger-ui-bundle.js" in page.data
    assert client.get("/docs/js/swagger-ui-bundle.js").status_code == 200
