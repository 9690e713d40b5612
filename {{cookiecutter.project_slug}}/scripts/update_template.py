"""Bring in what the template changed, on a branch of its own: the template-update workflow
(.github/workflows/template-update.yml) runs this, and you can too. Needs cruft (pip install cruft).

    python3 scripts/update_template.py [REMOTE]   # REMOTE: where the branch is pushed (origin)

- `cruft check`: up to date with the template (.cruft.json's commit)? Then nothing happens.
- Otherwise `cruft update` (the same as `make update-template`), committed on a new branch
  template-update/<template commit>, pushed to REMOTE. A branch already pushed for that commit is
  left as it is (its pull request is open). Its name goes to $GITHUB_OUTPUT for the next step.

cruft leaves out what [tool.cruft] skip names in pyproject.toml (.env, the secrets, data/), which
git ignores too; this script refuses to commit any of them all the same.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NEVER_COMMITTED = (".env", "secrets/", "data/")


def git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.strip()


def fail(message: str) -> int:
    print(f"update_template.py: {message}", file=sys.stderr)
    return 1


def main(argv: list[str]) -> int:
    remote = argv[0] if argv else "origin"
    if git("status", "--porcelain"):
        return fail("the working tree has uncommitted changes: commit or stash them first")
    if subprocess.run(["cruft", "check"], cwd=ROOT).returncode == 0:
        print("Up to date with the template: nothing to do.")
        return 0
    base = git("rev-parse", "--abbrev-ref", "HEAD")
    subprocess.run(["cruft", "update", "--skip-apply-ask"], cwd=ROOT, check=True)
    commit = json.loads((ROOT / ".cruft.json").read_text())["commit"]
    branch = f"template-update/{commit[:12]}"
    if git("ls-remote", "--heads", remote, branch):
        git("reset", "--hard", "--quiet")
        git("clean", "--force", "-d", "--quiet")  # (the tree was clean: only what cruft added goes)
        print(f"{branch} is already on {remote}: nothing more to do.")
        return 0
    git("switch", "--quiet", "--create", branch)
    git("add", "--all")
    staged = git("diff", "--cached", "--name-only").splitlines()
    forbidden = [name for name in staged if name.startswith(NEVER_COMMITTED)]
    if forbidden:
        return fail(f"the update would commit {', '.join(forbidden)}: stopped, nothing pushed")
    git(
        "commit",
        "--quiet",
        "--message",
        f"Update from the template (cruft update to {commit[:12]})",
    )
    git("push", "--quiet", remote, branch)
    git("switch", "--quiet", base)
    print(f"Pushed {branch} ({len(staged)} files changed).")
    if "GITHUB_OUTPUT" in os.environ:
        with open(os.environ["GITHUB_OUTPUT"], "a") as output:
            output.write(f"branch={branch}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
