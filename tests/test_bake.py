"""Layer 1 and 2: every supported combination bakes, and its files pass static checks."""

import ast
import json
import re
import tomllib

import pytest
import yaml

from .combinations import SUPPORTED, combination_id
from .conftest import bake_with, run, tool

TEMPLATE_MARKER = re.compile(r"\{\{|\{%|\{#")


def text_files(project):
    for path in sorted(project.rglob("*")):
        if path.is_file():
            try:
                yield path, path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                continue


@pytest.fixture(scope="module", params=SUPPORTED, ids=combination_id)
def project(request, cookies_session):
    """Each combination is baked once for all the checks below."""
    return bake_with(cookies_session, request.param), request.param


def test_no_template_markers_left(project):
    path, _ = project
    leftovers = [
        f"{file.relative_to(path)}:{number}: {line.strip()}"
        for file, text in text_files(path)
        for number, line in enumerate(text.splitlines(), 1)
        if TEMPLATE_MARKER.search(line)
    ]
    assert leftovers == []


def test_data_files_parse(project):
    path, _ = project
    parsed = 0
    for file, text in text_files(path):
        if file.suffix in (".yaml", ".yml"):
            list(yaml.safe_load_all(text))
        elif file.suffix == ".json":
            json.loads(text)
        elif file.suffix == ".toml":
            tomllib.loads(text)
        else:
            continue
        parsed += 1
    assert parsed >= 1  # at least pyproject.toml


def test_python_compiles(project):
    path, _ = project
    sources = [file for file in path.rglob("*.py")]
    assert sources
    for file in sources:
        ast.parse(file.read_text(encoding="utf-8"), filename=str(file))


def test_ruff_check_and_format(project):
    path, _ = project
    run([tool("ruff"), "check", "--no-cache", "."], cwd=path)
    run([tool("ruff"), "format", "--check", "--no-cache", "."], cwd=path)


def test_answers_flow_into_the_project(project):
    path, answers = project
    pyproject = tomllib.loads((path / "pyproject.toml").read_text())
    assert pyproject["project"]["name"] == "my-service"
    requirements = (path / "requirements.txt").read_text()
    assert ("psycopg" in requirements) == (answers["database"] == "postgresql")
    pins = [line for line in requirements.splitlines() if line and not line.startswith("#")]
    assert pins and all("==" in line for line in pins)


def test_files_of_unselected_options_are_absent(project):
    path, answers = project
    secrets = {p.name for p in (path / "secrets").glob("*.txt")}
    assert ("db_password.txt" in secrets) == (answers["database"] == "postgresql")
    assert ("grafana_admin_password.txt" in secrets) == (answers["monitoring"] == "prometheus-grafana")
