"""The template as a throwaway git repository, and projects made from it by cruft (`cruft create`,
committed in a git repository of their own), for the tests of template updates."""

import json
import os
import shutil
from pathlib import Path

from .paths import TEMPLATE
from .process import run, tool

# Git's identity from the environment, and no user or system configuration (a signing key, hooks).
GIT_ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "Template Tests",
    "GIT_AUTHOR_EMAIL": "template-tests@example.com",
    "GIT_COMMITTER_NAME": "Template Tests",
    "GIT_COMMITTER_EMAIL": "template-tests@example.com",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(*args, cwd):
    return run(["git", *args], cwd=cwd, env=GIT_ENV).stdout.strip()


def cruft(*args, cwd, check=True):
    return run([tool("cruft"), *args], cwd=cwd, env=GIT_ENV, check=check, timeout=300)


def commit_all(repo: Path, message: str) -> str:
    git("add", "--all", cwd=repo)
    git("commit", "--quiet", "--message", message, cwd=repo)
    return git("rev-parse", "HEAD", cwd=repo)


def copy_template(repo: Path) -> None:
    """The template's files as git sees them (tracked and new, not ignored), copied into repo."""
    listed = run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"], cwd=TEMPLATE).stdout
    for name in filter(None, listed.split("\0")):
        source = TEMPLATE / name
        if source.is_file():  # (a file deleted but not yet committed is still listed)
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, repo / name)


def create(template: Path, output: Path, answers: dict) -> Path:
    """`cruft create` a project from the template repository, and commit it in a git repository of its own."""
    cruft("create", "--no-input", "--output-dir", output, "--extra-context", json.dumps(answers), template, cwd=output)
    project = output / "my-service"
    git("init", "--quiet", "--initial-branch", "main", cwd=project)
    commit_all(project, "Project made with cruft create")
    return project
