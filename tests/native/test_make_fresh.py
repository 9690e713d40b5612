"""`make lint` passes in a fresh project with only what its README asks for: make, Python and git, no
virtualenv active (VIRTUAL_ENV unset, no virtualenv's bin on PATH). The Makefile makes the dev tools'
virtualenv itself, .venv from requirements-dev.txt: with uv where there is one (PATH then holds it,
alone in its folder), else with python3's venv and pip; once per database answer (mypy reads other
code with each), one each way. It is the lint job of the project's CI (ci.yml), which installs nothing
first. A Python older than 3.11 without uv is refused in one line. (`make test` runs the tests in a
container, so it needs Docker alone: tests/docker/test_compose_stack.py runs it in a fresh project.)
"""

import os
from pathlib import Path

import pytest

from tooling.bake import bake_with
from tooling.combinations import DEFAULTS, FULLEST
from tooling.process import run, tool, without_virtualenvs

# database answer -> whether uv is on PATH, and the answers: every file with PostgreSQL, the defaults with SQLite.
WAYS = {"postgresql": True, "sqlite": False}
ANSWERS = {"postgresql": FULLEST, "sqlite": {**DEFAULTS, "database": "sqlite"}}


def fresh_repository(project: Path) -> None:
    """`make lint` needs a git repository (pre-commit checks the files git knows)."""
    run(["git", "init", "--quiet"], cwd=project)
    run(["git", "add", "--all"], cwd=project)


@pytest.mark.parametrize("database", WAYS, ids=lambda database: f"{database}-{'uv' if WAYS[database] else 'pip'}")
def test_make_lint_passes_in_a_fresh_project_with_no_virtualenv(cookies_session, tmp_path, database):
    project = bake_with(cookies_session, ANSWERS[database])
    fresh_repository(project)
    env = without_virtualenvs(os.environ)
    if WAYS[database]:
        (tmp_path / "uv").symlink_to(tool("uv"))
        env["PATH"] = f"{tmp_path}{os.pathsep}{env['PATH']}"
    result = run(["make", "lint"], cwd=project, env=env, timeout=1200)
    made_by = "uv venv" if WAYS[database] else "-m venv .venv"
    assert made_by in result.stdout, result.stdout
    assert "mypy (strict)" in result.stdout and "Passed" in result.stdout
    # Made once: the next `make lint` finds .venv up to date with the lock.
    assert run(["make", "--question", ".venv/bin/pre-commit"], cwd=project, env=env, check=False).returncode == 0


def test_make_lint_refuses_a_python_older_than_3_11_without_uv_in_one_line(cookies_session, python39):
    project = bake_with(cookies_session, {"database": "sqlite"})
    fresh_repository(project)
    env = without_virtualenvs(os.environ)
    assert run(["sh", "-c", "command -v uv"], env=env, check=False).returncode != 0, "uv is on PATH"
    result = run(["make", "lint", f"PYTHON={python39}"], cwd=project, env=env, check=False)
    assert result.returncode != 0
    assert result.stderr.splitlines()[0] == (
        "the dev tools need Python 3.11+: install uv, or name one: make lint PYTHON=python3.13"
    ), result.stderr
    assert not (project / ".venv").exists()


def test_an_active_virtualenv_is_used_as_it_is(cookies_session):
    """As in the dev container (VIRTUAL_ENV=/opt/venv): no .venv made, its bin first on pre-commit's PATH."""
    project = bake_with(cookies_session, {"database": "sqlite"})
    env = {**without_virtualenvs(os.environ), "VIRTUAL_ENV": "/opt/venv"}
    planned = run(["make", "--dry-run", "lint"], cwd=project, env=env).stdout
    assert planned.splitlines() == ['PATH="/opt/venv/bin:$PATH" pre-commit run --all-files --show-diff-on-failure']
