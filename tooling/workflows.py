"""GitHub workflow checks shared by the tests: zizmor's findings, and the pins of `uses:` lines."""

import json
import os
import re
from pathlib import Path

from .process import run, tool

# `uses: owner/repo[/path]@<40 hex digits>  # v1.2.3`: a commit, which no one can move, and its
# version in the comment, which Dependabot moves with it.
PINNED = re.compile(r"^\s*(?:- )?uses: ([\w.-]+/[\w./-]+)@([0-9a-f]{40})  # (v\d+\.\d+\.\d+)$")
USES = re.compile(r"^\s*(?:- )?uses:")


def github_files(project: Path) -> list[Path]:
    """A project's workflows and its Dependabot config: what zizmor audits."""
    return sorted([*(project / ".github/workflows").glob("*.yml"), project / ".github/dependabot.yml"])


def zizmor(*paths: Path) -> list[dict]:
    """zizmor's findings at its default settings (persona, severities, no config file), offline: the
    audits that ask GitHub's API (impostor-commit, ref-confusion, known-vulnerable-actions,
    stale-action-refs, ref-version-mismatch) cannot run here, every other one does."""
    env = {k: v for k, v in os.environ.items() if k not in ("GH_TOKEN", "GITHUB_TOKEN", "ZIZMOR_GITHUB_TOKEN")}
    result = run(
        [tool("zizmor"), "--offline", "--no-config", "--format", "json", *map(str, paths)], env=env, check=False
    )
    assert result.returncode in (0, 11, 12, 13, 14), result.stderr  # 1x: findings, x the highest severity
    return json.loads(result.stdout)


def pins(workflow: Path) -> list[tuple[str, str, str]]:
    """(action, commit, version) of each `uses:` line; fails on a line that is not pinned so."""
    found = []
    for line in workflow.read_text().splitlines():
        if USES.match(line):
            match = PINNED.match(line)
            assert match, f"{workflow.name}: not pinned to a commit with its version: {line.strip()}"
            found.append(match.groups())
    return found
