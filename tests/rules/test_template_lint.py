"""The template's own files are clean: ruff, mypy, and every hook of its .pre-commit-config.yaml (`make lint`),
and its hooks' unit tests cover them (the generated project's lint is tested in test_pre_commit.py)."""

import os
import re
import shutil

from tooling.paths import TEMPLATE
from tooling.process import run, tool

GIT_IDENTITY = ["-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false"]
HOOKS_COVERAGE_FLOOR = 90


def test_ruff_check_and_format_of_the_template_code():
    paths = ["hooks", "local_extensions.py", "tests", "benchmarks"]
    run([tool("ruff"), "check", "--no-cache", *paths], cwd=TEMPLATE)
    run([tool("ruff"), "format", "--check", "--no-cache", *paths], cwd=TEMPLATE)


def test_mypy_strict_passes_on_the_hooks_and_the_extension(tmp_path):
    """mypy with [tool.mypy] of pyproject.toml: strict, on the files it names (hooks/, local_extensions.py)."""
    result = run([tool("mypy"), "--cache-dir", str(tmp_path / "mypy")], cwd=TEMPLATE, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"^Success: no issues found in [1-9]\d* source files?$", result.stdout, flags=re.MULTILINE), (
        result.stdout
    )


def test_pre_commit_passes_on_a_clean_copy_of_the_template(tmp_path):
    """`make lint` on a copy (its fixers must not touch the working tree): the files git would commit."""
    listed = run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"], cwd=TEMPLATE).stdout
    copy = tmp_path / "template"
    for name in filter(None, listed.split("\0")):
        if (TEMPLATE / name).is_file():  # (a file deleted but not yet committed is still listed)
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(TEMPLATE / name, copy / name)
    run(["git", "init", "--quiet"], cwd=copy)
    run(["git", "add", "--all"], cwd=copy)
    run(["git", *GIT_IDENTITY, "commit", "--quiet", "--no-verify", "-m", "copy"], cwd=copy)
    result = run([tool("pre-commit"), "run", "--all-files", "--color=never"], cwd=copy, check=False, timeout=900)
    assert result.returncode == 0, result.stdout + result.stderr
    hooks = ("ruff check", "ruff format", "mypy (strict)", "shellcheck", "YAML syntax", "TOML syntax", "JSON syntax")
    for name in hooks:
        assert re.search(rf"^{re.escape(name)}[^\n]*Passed$", result.stdout, flags=re.MULTILINE), result.stdout


def test_the_hooks_unit_tests_cover_the_hooks(tmp_path):
    """tests/rules/test_hooks.py covers hooks/, branches included, to the floor (93% when written).
    (local_extensions.py runs inside cookiecutter while it bakes: test_invalid_answers.py tests it.)"""
    result = run(
        [
            tool("pytest"),
            "-q",
            "-p",
            "no:cacheprovider",
            "--cov=hooks",
            "--cov-branch",
            "--cov-report=term-missing",
            f"--cov-fail-under={HOOKS_COVERAGE_FLOOR}",
            "tests/rules/test_hooks.py",
        ],
        cwd=TEMPLATE,
        env={**os.environ, "COVERAGE_FILE": str(tmp_path / ".coverage")},
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    assert re.search(r"Required test coverage of \d+(\.\d+)?% reached", result.stdout), result.stdout[-3000:]
