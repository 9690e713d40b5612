"""The generated project's pre-commit hooks (`make lint`): they pass on every combination's first
commit, fail on a planted defect of each kind, and run ruff and mypy from the dev lock.

pre-commit, ruff and mypy come from a virtualenv of the project's dev lock, one per database answer,
first on PATH (as an activated .venv); pre-commit installs the other hooks' tools from PyPI once, into
its cache (PRE_COMMIT_HOME, by default ~/.cache/pre-commit), shared by every run below; mypy's cache is
shared by the session too, so after the first combination each run takes seconds. The combinations run
a few at a time (each run is mostly waiting for a tool's process to start).
"""

import os
import re
import secrets
import shutil
import string
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

from tooling.bake import bake_with
from tooling.combinations import CHECKED, combination_id
from tooling.locks import DATABASES, requirements
from tooling.process import make_venv, run

GIT_IDENTITY = ["-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false"]


@pytest.fixture(scope="session")
def hook_env(cookies_session, tmp_path_factory) -> dict[str, dict[str, str]]:
    """database answer -> the environment of its pre-commit runs: the project's dev lock in a virtualenv
    first on PATH (as `make lint` runs in an activated .venv), one mypy cache, and no hook skipped."""
    envs = {}
    for database in DATABASES:
        venv = make_venv(bake_with(cookies_session, {"database": database}))
        env = {**os.environ, "MYPY_CACHE_DIR": str(tmp_path_factory.mktemp(f"mypy-cache-{database}"))}
        env.pop("SKIP", None)
        envs[database] = {**env, "VIRTUAL_ENV": str(venv), "PATH": f"{venv / 'bin'}{os.pathsep}{env['PATH']}"}
    return envs


def first_commit(baked: Path, repo: Path) -> Path:
    """A copy of the baked project, as a git repository with everything in its first commit."""
    shutil.copytree(baked, repo, ignore=shutil.ignore_patterns(".git", ".venv"))
    run(["git", "init", "--quiet"], cwd=repo)
    run(["git", "add", "--all"], cwd=repo)
    run(["git", *GIT_IDENTITY, "commit", "--quiet", "--no-verify", "-m", "first commit"], cwd=repo)
    return repo


def pre_commit_all_files(repo: Path, env: dict[str, str]):
    """`make lint`'s command, with the dev lock's pre-commit; returns the finished process."""
    pre_commit = Path(env["VIRTUAL_ENV"], "bin", "pre-commit")
    return run([pre_commit, "run", "--all-files", "--color=never"], cwd=repo, env=env, check=False, timeout=900)


def failed_hooks(output: str) -> set[str]:
    return set(re.findall(r"^- hook id: (\S+)$", output, flags=re.MULTILINE))


@pytest.fixture(scope="module")
def first_commit_runs(cookies_session, tmp_path_factory, hook_env, figures):
    """Every combination of combinations.CHECKED baked, committed and run through pre-commit: id -> (repo, process)."""
    repos = {
        combination_id(answers): first_commit(
            bake_with(cookies_session, answers), tmp_path_factory.mktemp("repo") / "p"
        )
        for answers in CHECKED
    }
    envs = {combination_id(answers): hook_env[answers["database"]] for answers in CHECKED}
    # The hooks' tools are installed once, before the runs in parallel would each wait for them.
    first = next(iter(repos))
    results = {first: pre_commit_all_files(repos[first], envs[first])}
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 1)) as pool:
        rest = {
            name: pool.submit(pre_commit_all_files, repo, envs[name]) for name, repo in repos.items() if name != first
        }
        results |= {name: future.result() for name, future in rest.items()}
    figures["pre-commit on the first commit of each further combination"] = (
        f"{len(rest)} runs in {time.monotonic() - started:.0f} s"
    )
    return {name: (repos[name], results[name]) for name in repos}


@pytest.mark.parametrize("answers", CHECKED, ids=combination_id)
def test_pre_commit_passes_on_the_first_commit(first_commit_runs, answers):
    repo, result = first_commit_runs[combination_id(answers)]
    assert result.returncode == 0, result.stdout + result.stderr
    # The tools that must have run (the others skip when a combination has no file of theirs).
    for name in (
        "ruff check",
        "ruff format",
        "mypy",
        "hadolint",
        "compose-lint",
        "zizmor",
        "no secret committed",
        "YAML syntax",
        "TOML syntax",
    ):
        assert re.search(rf"^{re.escape(name)}[^\n]*Passed$", result.stdout, flags=re.MULTILINE), result.stdout
    if answers["database"] == "postgresql":
        assert re.search(r"^shellcheck\.+Passed$", result.stdout, flags=re.MULTILINE), result.stdout
    assert run(["git", "status", "--porcelain"], cwd=repo).stdout == "", "a hook changed a generated file"


def append(path: Path, text: str) -> None:
    path.write_text(path.read_text() + text)


def plant_lint_error(repo: Path) -> None:
    append(next(repo.glob("src/*/api.py")), "\n\ndef broken() -> None:\n    print(undefined_name)\n")


def plant_type_error(repo: Path) -> None:
    append(next(repo.glob("src/*/api.py")), '\n\ndef answer() -> int:\n    return "forty-two"\n')


def plant_bad_yaml(repo: Path) -> None:
    (repo / "docker/broken.yaml").write_text("services: [unclosed\n")


def plant_dockerfile_defect(repo: Path) -> None:
    # DL3006: an image with no tag, whatever `latest` is that day.
    dockerfile = repo / "Dockerfile"
    text, count = re.subn(
        r"^FROM ghcr\.io/astral-sh/uv:\S+ AS uv$", "FROM ubuntu AS uv", dockerfile.read_text(), flags=re.M
    )
    assert count == 1
    dockerfile.write_text(text)


def plant_shell_defect(repo: Path) -> None:
    # SC2086: an unquoted variable is split into words and globbed.
    script = repo / "docker/app/entrypoint.sh"
    text = script.read_text()
    script.write_text(text.replace('exec "$@"', 'echo starting $1\nexec "$@"', 1))


def plant_compose_defect(repo: Path) -> None:
    append(repo / "compose.yaml", "\nservice-misspelt:\n  app:\n    image: nothing\n")


def plant_workflow_defect(repo: Path) -> None:
    (repo / ".github/workflows").mkdir(parents=True, exist_ok=True)
    (repo / ".github/workflows/broken.yml").write_text("on: push\njobs:\n  build:\n    steps: []\n")


def plant_unpinned_action(repo: Path) -> None:
    # An action by its moving tag instead of a commit: zizmor's unpinned-uses.
    workflow = repo / ".github/workflows/ci.yml"
    text, count = re.subn(r"actions/checkout@[0-9a-f]{40}  # v[\d.]+", "actions/checkout@v5", workflow.read_text())
    assert count >= 1
    workflow.write_text(text)


def plant_credential(repo: Path) -> None:
    # A GitHub token pasted into the code, made up anew each run (so that no real-looking token sits
    # in the template's own source).
    token = "ghp_" + "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(36))
    (next(repo.glob("src/*")) / "publish.py").write_text(f'GITHUB_TOKEN = "{token}"\n')


def plant_private_key(repo: Path) -> None:
    body = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(64))
    (repo / "docker/deploy_key").write_text(
        f"-----BEGIN OPENSSH PRIVATE KEY-----\n{body}\n-----END OPENSSH PRIVATE KEY-----\n"
    )


def plant_trailing_whitespace(repo: Path) -> None:
    readme = repo / "README.md"
    readme.write_text(readme.read_text().replace("\n", "   \n", 1))


def plant_missing_last_newline(repo: Path) -> None:
    (repo / ".dockerignore").write_text((repo / ".dockerignore").read_text().rstrip("\n"))


def plant_host_script_too_new(repo: Path) -> None:
    # datetime.UTC is Python 3.11's: the host's python3 may be 3.9 (a parser for 3.9 accepts it).
    append(repo / "scripts/setup.py", "\n\ndef now() -> object:\n    import datetime\n\n    return datetime.UTC\n")


DEFECTS = {
    "lint-error": (plant_lint_error, "ruff-check"),
    "type-error": (plant_type_error, "mypy"),
    "bad-yaml": (plant_bad_yaml, "check-yaml"),
    "dockerfile-defect": (plant_dockerfile_defect, "hadolint"),
    "shell-defect": (plant_shell_defect, "shellcheck"),
    "compose-defect": (plant_compose_defect, "compose-schema"),
    "workflow-defect": (plant_workflow_defect, "github-workflows"),
    "unpinned-action": (plant_unpinned_action, "zizmor"),
    "credential": (plant_credential, "detect-secrets"),
    "private-key": (plant_private_key, "detect-secrets"),
    "trailing-whitespace": (plant_trailing_whitespace, "trailing-whitespace"),
    "missing-last-newline": (plant_missing_last_newline, "end-of-file-fixer"),
    "host-script-too-new": (plant_host_script_too_new, "vermin"),
}


@pytest.mark.parametrize("defect", DEFECTS)
def test_pre_commit_fails_on_a_planted_defect(cookies_session, tmp_path, hook_env, defect):
    plant, hook = DEFECTS[defect]
    repo = first_commit(bake_with(cookies_session, {}), tmp_path / "project")
    plant(repo)
    run(["git", "add", "--all"], cwd=repo)  # --all-files checks the files git knows
    result = pre_commit_all_files(repo, hook_env["postgresql"])
    assert result.returncode != 0, result.stdout
    assert hook in failed_hooks(result.stdout), result.stdout


# The hooks that run a tool of the dev lock, from where pre-commit runs: hook id -> that tool.
LOCKED_HOOKS = {"ruff-check": "ruff", "ruff-format": "ruff", "mypy": "mypy"}


@pytest.mark.parametrize("database", DATABASES)
def test_ruff_and_mypy_come_from_the_dev_lock_alone(cookies_session, database):
    """ruff and mypy (and what mypy reads) have one version, the dev lock's, which `make upgrade` and
    Dependabot move: their hooks install nothing, and no other hook pins a package of the lock."""
    project = bake_with(cookies_session, {"database": database})
    config = yaml.safe_load((project / ".pre-commit-config.yaml").read_text())
    locked = set(requirements((project / "requirements-dev.txt").read_text()))
    assert {"ruff", "mypy", "pre-commit", "flask", "sqlalchemy", "pytest"} <= locked
    hooks = {hook["id"]: hook for repo in config["repos"] for hook in repo["hooks"]}
    assert all(repo["repo"] == "local" for repo in config["repos"]), "every hook is a local one"
    for hook_id, hook in hooks.items():
        if hook_id in LOCKED_HOOKS:
            assert hook["language"] == "unsupported" and "additional_dependencies" not in hook, hook
            assert hook["entry"].split()[0] == LOCKED_HOOKS[hook_id]
            continue
        assert hook["language"] == "python", f"{hook_id} is not installed from PyPI"
        for requirement in hook.get("additional_dependencies", []):
            name, _, version = requirement.partition("==")
            assert version, f"{hook_id}: {requirement} is not pinned with =="
            assert re.sub(r"[-_.]+", "-", name).lower() not in locked, f"{hook_id} pins {name}, which the dev lock has"
