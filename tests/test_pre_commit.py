"""The generated project's pre-commit hooks (`make lint`): they pass on every combination's first
commit, fail on a planted defect of each kind, and pin the versions of its dev lock.

pre-commit installs each hook's tool from PyPI once, into its cache (PRE_COMMIT_HOME, by default
~/.cache/pre-commit), shared by every run below; mypy's cache is shared by the session too, so after
the first combination each run takes seconds. The combinations run a few at a time (each run is
mostly waiting for a tool's process to start).
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

from .support.bake import bake_with
from .support.combinations import CHECKED, combination_id
from .support.locks import DATABASES, requirements
from .support.process import run, tool

GIT_IDENTITY = ["-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false"]


@pytest.fixture(scope="session")
def hook_env(tmp_path_factory) -> dict[str, str]:
    """The environment of every pre-commit run: one mypy cache for all, and no hook skipped."""
    env = {**os.environ, "MYPY_CACHE_DIR": str(tmp_path_factory.mktemp("mypy-cache"))}
    env.pop("SKIP", None)
    return env


def first_commit(baked: Path, repo: Path) -> Path:
    """A copy of the baked project, as a git repository with everything in its first commit."""
    shutil.copytree(baked, repo, ignore=shutil.ignore_patterns(".git", ".venv"))
    run(["git", "init", "--quiet"], cwd=repo)
    run(["git", "add", "--all"], cwd=repo)
    run(["git", *GIT_IDENTITY, "commit", "--quiet", "--no-verify", "-m", "first commit"], cwd=repo)
    return repo


def pre_commit_all_files(repo: Path, env: dict[str, str]):
    """`make lint`'s command; returns the finished process."""
    return run([tool("pre-commit"), "run", "--all-files", "--color=never"], cwd=repo, env=env, check=False, timeout=900)


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
    # The hooks' tools are installed once, before the runs in parallel would each wait for them.
    first = next(iter(repos))
    results = {first: pre_commit_all_files(repos[first], hook_env)}
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 1)) as pool:
        rest = {
            name: pool.submit(pre_commit_all_files, repo, hook_env) for name, repo in repos.items() if name != first
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
    result = pre_commit_all_files(repo, hook_env)
    assert result.returncode != 0, result.stdout
    assert hook in failed_hooks(result.stdout), result.stdout


def hook_pins(config: dict) -> dict[str, str]:
    """Every `name==version` of the hooks' additional_dependencies: normalized name -> version."""
    pins: dict[str, str] = {}
    for repo in config["repos"]:
        assert repo["repo"] == "local", "every hook is a local one, installed from PyPI"
        for hook in repo["hooks"]:
            assert hook["language"] == "python", f"{hook['id']} is not installed from PyPI"
            for requirement in hook.get("additional_dependencies", []):
                name, _, version = requirement.partition("==")
                assert version, f"{hook['id']}: {requirement} is not pinned with =="
                name = re.sub(r"[-_.]+", "-", name).lower()
                assert pins.setdefault(name, version) == version, f"two versions of {name}"
    return pins


@pytest.mark.parametrize("database", DATABASES)
def test_hook_versions_are_the_dev_locks(cookies_session, database):
    """ruff, mypy and what mypy reads have, in pre-commit, the versions of requirements-dev.txt (hadolint is
    pre-commit's alone: it has no musllinux wheel, and the images install the dev lock)."""
    project = bake_with(cookies_session, {"database": database})
    pins = hook_pins(yaml.safe_load((project / ".pre-commit-config.yaml").read_text()))
    locked = {
        name: line.split("==")[1].split(" ")[0]
        for name, (line, _) in requirements((project / "requirements-dev.txt").read_text()).items()
    }
    shared = set(pins) & set(locked)
    assert {"ruff", "mypy", "flask", "sqlalchemy", "pytest"} <= shared
    assert {name: pins[name] for name in shared} == {name: locked[name] for name in shared}
