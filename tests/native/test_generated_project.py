"""Layer 3: the baked project's own test suite passes natively, from a fresh virtualenv, and it serves."""

import os
import re
import signal
import subprocess

import pytest

from tooling.bake import bake_with
from tooling.postgres import find_bin_dir, free_port, postgres_server
from tooling.process import make_venv, run, skip_or_fail, wait_for
from tooling.web import assert_no_errors, http


@pytest.fixture(scope="module", params=["postgresql", "sqlite"], ids=lambda db: f"database={db}")
def installed(request, cookies_session):
    """A baked project with its own virtualenv: (project path, venv path, answers)."""
    answers = {"database": request.param}
    project = bake_with(cookies_session, answers)
    return project, make_venv(project), answers


def run_own_suite(project, venv, env=None) -> float:
    """The project's pytest, which measures its coverage and fails under 90% (pyproject.toml); returns it."""
    result = run([venv / "bin/pytest", "-q", "-p", "no:cacheprovider"], cwd=project, env=env)
    assert " passed" in result.stdout and "failed" not in result.stdout
    coverage = re.search(r"Required test coverage of 90(\.0)?% reached\. Total coverage: ([\d.]+)%", result.stdout)
    assert coverage, result.stdout[-3000:]
    return float(coverage[2])


def test_own_suite_passes_on_sqlite(installed, figures):
    project, venv, answers = installed
    coverage = run_own_suite(project, venv)
    figures[f"coverage of the generated project's tests (database={answers['database']}, on SQLite)"] = f"{coverage}%"


@pytest.mark.parametrize("installed", ["postgresql"], indirect=True, ids=["database=postgresql"])
def test_own_suite_passes_on_real_postgresql(installed):
    project, venv, _ = installed
    bin_dir = find_bin_dir()
    if bin_dir is None:
        skip_or_fail("REQUIRE_POSTGRES", "no PostgreSQL server binaries (initdb) on this machine")
    with postgres_server(bin_dir) as url:
        run_own_suite(project, venv, env={**os.environ, "TEST_DATABASE_URL": url})


def test_readme_native_commands_serve_the_api(installed):
    """The native run of docs/development.md: migrate, then gunicorn; /healthz answers and an item round-trips."""
    project, venv, _ = installed
    readme = (project / "docs/development.md").read_text()
    assert "python -m my_service migrate" in readme and "gunicorn --config gunicorn.conf.py" in readme
    port = free_port()
    env = {**os.environ, "PATH": f"{venv / 'bin'}:{os.environ['PATH']}", "PORT": str(port)}
    run([venv / "bin/python", "-m", "my_service", "migrate"], cwd=project, env=env)
    server = subprocess.Popen(
        [venv / "bin/gunicorn", "--config", "gunicorn.conf.py"],
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:

        def healthz():
            try:
                return http("GET", f"{base}/healthz")
            except OSError:  # not listening yet
                return None

        answer = wait_for(healthz, timeout=10, every=0.1)
        assert answer == (200, {"status": "ok"}), f"gunicorn did not answer /healthz within 10 s: {answer}"
        assert http("POST", f"{base}/api/items", {"name": "anonymous"})[0] == 401
        create = ["token", "create", "--name", "native", "--scope", "items:read", "--scope", "items:write"]
        token = run([venv / "bin/python", "-m", "my_service", *create], cwd=project, env=env).stdout.strip()
        headers = {"Authorization": f"Bearer {token}"}
        status, created = http("POST", f"{base}/api/items", {"name": "round trip"}, headers=headers)
        assert status == 201
        assert http("GET", f"{base}/api/items/{created['id']}", headers=headers) == (200, created)
        assert (project / "data/app.db").exists()  # SQLite, with no server
    finally:
        server.send_signal(signal.SIGTERM)
        output, _ = server.communicate(timeout=30)
    assert server.returncode == 0, output
    assert_no_errors(output)
    # One access line per request, from the app (text, LOG_FORMAT's default), with its request id and caller.
    assert re.search(
        r" INFO my_service\.access \[[0-9a-f]{32}\] POST /api/items 201 [\d.]+ ms by token:native\n", output
    ), output
    assert token.split("_")[-1] not in output  # never the token itself
