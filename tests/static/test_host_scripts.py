"""The generated project's host scripts (the scripts/*.py that the Makefile runs with the host's python3,
`$(PYTHON)`: `make setup`, `make deploy`, ...; the post-gen hook runs scripts/setup.py too) promise Python 3.9
or newer. (The other scripts/ run in GitHub workflows, on the Python the workflow sets up.)

Statically, for every answer that changes them: the project's own pre-commit hook covers each of them, and
vermin, with that hook's flags, finds anything newer (syntax, modules, and members such as `datetime.UTC`,
which a parser for 3.9 accepts). For real, where this machine has a Python 3.9: each script is imported by it,
and scripts/swarm.py writes the same stack file as on this Python and refuses to deploy an image the registry
lacks (the whole deployment runs on 3.9 in test_swarm.py; scripts/setup.py in test_setup_script.py).
"""

import os
import re
import shlex
import shutil
import sys

import pytest
import yaml

from hooks import post_gen_project as post_gen
from tooling.bake import bake_with
from tooling.combinations import combination_id, one_per
from tooling.process import run, skip_or_fail, tool

# scripts/setup.py changes with the database and monitoring answers, scripts/swarm.py comes with deploy=swarm.
VARIANTS = one_per(lambda answers: (answers["database"], answers["monitoring"], answers["deploy"]))


@pytest.fixture(scope="module", params=VARIANTS, ids=combination_id)
def project(request, cookies_session):
    return bake_with(cookies_session, request.param), request.param


def host_scripts(project):
    """The scripts the Makefile runs with the host's python3 ($(PYTHON)), and the post-gen hook's."""
    names = set(re.findall(r"\$\(PYTHON\) (scripts/[\w.-]+\.py)", (project / "Makefile").read_text()))
    return sorted(project / name for name in names | {post_gen.SETUP_SCRIPT})


def vermin_hook(project):
    """The project's own pre-commit hook that checks them."""
    config = yaml.safe_load((project / ".pre-commit-config.yaml").read_text())
    (hook,) = [hook for repo in config["repos"] for hook in repo["hooks"] if hook["id"] == "vermin"]
    return hook


def vermin(project):
    """The hook's command: vermin and its flags."""
    command = shlex.split(vermin_hook(project)["entry"])
    return [tool(command[0]), *command[1:]]


def test_every_host_script_needs_nothing_newer_than_python_39(project):
    path, answers = project
    scripts = host_scripts(path)
    expected = {"setup.py"} | ({"swarm.py"} if answers["deploy"] == "swarm" else set())
    assert {script.name for script in scripts} == expected
    files = re.compile(vermin_hook(path)["files"])
    assert [s for s in scripts if not files.search(str(s.relative_to(path)))] == [], "the hook misses these"
    result = run([*vermin(path), *scripts], check=False)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("code", "named"),
    [
        ("from datetime import UTC\n", "datetime.UTC"),  # scripts/swarm.py had it (3.11)
        ("import tomllib\n", "tomllib"),
        ("def f(a: int | None) -> None:\n    pass\n", "union types"),
        ("match 1:\n    case _:\n        pass\n", "pattern matching"),
    ],
)
def test_the_check_finds_what_python_39_lacks(cookies_session, tmp_path, code, named):
    project = bake_with(cookies_session, {})
    script = tmp_path / "scripts/new.py"
    script.parent.mkdir()
    script.write_text(code)
    result = run([*vermin(project), script], check=False)
    assert result.returncode != 0 and named in result.stdout, result.stdout


def test_every_host_script_imports_on_python_39(project, python39):
    path, _ = project
    for script in host_scripts(path):
        load = "import importlib.util, sys; s = importlib.util.spec_from_file_location('m', sys.argv[1]); "
        load += "s.loader.exec_module(importlib.util.module_from_spec(s))"
        run([python39, "-c", load, script])


@pytest.fixture
def swarm_project(cookies_session):
    if not shutil.which("docker"):
        skip_or_fail("REQUIRE_DOCKER", "no docker command")
    return bake_with(cookies_session, {"deploy": "swarm"})


def test_the_stack_file_is_the_same_on_python_39(swarm_project, python39):
    """`make stack-file` (docker compose config, then the script's own changes): no daemon needed."""
    env = {**os.environ, "REGISTRY": "registry.example.com/team", "APP_TAG": "0.1.0"}  # as make sets them
    command = ["scripts/swarm.py", "stack-file", "s"]
    on_39 = run([python39, *command], cwd=swarm_project, env=env).stdout
    assert on_39 == run([sys.executable, *command], cwd=swarm_project, env=env).stdout
    assert yaml.safe_load(on_39)["services"]["app"]["image"].startswith("registry.example.com/team/")


def test_deploy_refuses_at_once_when_the_registry_lacks_the_image_on_python_39(swarm_project, python39):
    """Nothing listens on the registry's port here: the one line names the image and `make push`, before
    anything touches the swarm (the same with a registry that lacks it: test_swarm.py)."""
    env = {**os.environ, "REGISTRY": "127.0.0.1:9", "APP_TAG": "0.1.0"}  # the discard port: nothing answers
    result = run([python39, "scripts/swarm.py", "deploy", "s", "s.db"], cwd=swarm_project, env=env, check=False)
    lines = result.stderr.splitlines()
    assert result.returncode == 1 and result.stdout == "", result.stdout
    assert len(lines) == 1 and lines[0].startswith("cannot deploy: the registry has no 127.0.0.1:9/"), lines
    assert "`make push APP_VERSION=0.1.0`" in lines[0], lines
