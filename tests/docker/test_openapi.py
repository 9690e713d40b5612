"""The generated API's contract, for real: Schemathesis (from the project's dev lock) against the default
stack in production mode, through the app's published port, with an API token: every phase and default
check (ignored_auth among them), no failure. The document itself is checked in tests/static/test_openapi.py."""

import json
import re
import urllib.request

import pytest

from tooling.bake import bake_with
from tooling.combinations import DEFAULTS
from tooling.docker import require_docker, running_stack
from tooling.openapi import schemathesis_figures
from tooling.process import run


@pytest.mark.docker
def test_schemathesis_finds_nothing_against_the_running_stack(cookies_session, venv, tmp_path, figures):
    """Every phase, every default check, through the app's published port of the production-mode stack.
    (With a front door in front of the app, point `url` at its published port instead.)"""
    require_docker()
    project = bake_with(cookies_session, {"project_slug": "openapi"})
    with running_stack(project, DEFAULTS, production=True) as (stack, _):
        url = stack.url("APP_PORT")
        # Every scope the document names (reports:read for /auth/reports), so that each operation succeeds.
        token = stack.token("schemathesis", "items:read", "items:write", "reports:read")
        with urllib.request.urlopen(f"{url}/openapi.json", timeout=10) as response:
            operations = sum(len(methods) for methods in json.load(response)["paths"].values())
        report = tmp_path / "report"
        result = run(
            [
                venv / "bin/schemathesis",
                "run",
                f"{url}/openapi.json",
                "--max-examples=50",
                "--seed=18",
                "--workers=1",
                "--generation-database=none",
                "--no-color",
                "--report=json,ndjson",
                f"--report-dir={report}",
                # Every request is authenticated; ignored_auth sends each without (or with a wrong) one.
                f"--header=Authorization: Bearer {token}",
            ],
            cwd=tmp_path,  # its cache goes there
            check=False,
            timeout=600,
        )
    assert result.returncode == 0, result.stdout[-5000:]
    found = schemathesis_figures(report)
    assert found["failures"] == 0 and found["operations"] == operations, found
    assert "ignored_auth" in found["check_names"], found
    assert set(found["phases"]) == {"examples", "coverage", "fuzzing", "stateful"}
    assert found["phases"]["stateful"] == "success" and found["phases"]["fuzzing"] == "success"
    figures["Schemathesis vs the default stack (production mode, app's port)"] = (
        f"{found['requests']} requests, {found['checks']} checks ({len(found['check_names'])} kinds:"
        f" {', '.join(found['check_names'])}), {found['test_cases']} test cases, phases {found['phases']},"
        f" {found['failures']} failures"
    )
    print(figures["Schemathesis vs the default stack (production mode, app's port)"])
    assert re.search(r"No issues found", result.stdout), result.stdout[-3000:]
