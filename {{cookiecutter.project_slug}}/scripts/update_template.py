"""Bring in what the template changed, on a branch of its own: the template-update workflow
(.github/workflows/template-update.yml) runs this, and you can too. Needs cruft (pip install cruft).

    python3 scripts/update_template.py [REMOTE]        # REMOTE: where the branch is pushed (origin)

- `cruft check`: up to date with the template (.cruft.json's commit)? Then nothing happens.
- Otherwise `cruft update` (the same as `make update-template`), committed on a new branch
  template-update/<template commit>, pushed to REMOTE. A branch already pushed for that commit is
  left as it is (its pull request is open). Its name goes to $GITHUB_OUTPUT for the next step.

The workflow does it in two jobs, so that the template's code (cruft runs its hooks and filters)
never runs where a credential could push:

    python3 scripts/update_template.py --bundle FILE          # no credential: the commit into FILE
    python3 scripts/update_template.py --push-bundle FILE REMOTE  # no cruft: checks FILE, pushes it

A bundle is pushed only if it holds one branch template-update/<commit> of one commit on top of
the checked-out one.

cruft leaves out what [tool.cruft] skip names in pyproject.toml (.env, the secrets, data/), which
git ignores too; this script refuses to commit or push any of them all the same.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NEVER_COMMITTED = (".env", "secrets/", "data/")
BRANCH = re.compile(r"template-update/[0-9a-f]{12}")


class Refused(Exception):
    """What stops the script, in one line for stderr."""


def git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.strip()


def output(branch: str) -> None:
    """The branch's name, for the workflow's next step or job."""
    if "GITHUB_OUTPUT" in os.environ:
        with open(os.environ["GITHUB_OUTPUT"], "a") as github_output:
            github_output.write(f"branch={branch}\n")


def check_files(changed: list[str]) -> None:
    forbidden = [name for name in changed if name.startswith(NEVER_COMMITTED)]
    if forbidden:
        raise Refused(f"the update would commit {', '.join(forbidden)}: stopped, nothing pushed")


def update(remote: str | None) -> str | None:
    """cruft update, committed on a new branch (left checked out); None when up to date, or when
    remote (if given) has the branch already."""
    if git("status", "--porcelain"):
        raise Refused("the working tree has uncommitted changes: commit or stash them first")
    if subprocess.run(["cruft", "check"], cwd=ROOT).returncode == 0:
        print("Up to date with the template: nothing to do.")
        return None
    subprocess.run(["cruft", "update", "--skip-apply-ask"], cwd=ROOT, check=True)
    commit = json.loads((ROOT / ".cruft.json").read_text())["commit"]
    branch = f"template-update/{commit[:12]}"
    if remote and git("ls-remote", "--heads", remote, branch):
        git("reset", "--hard", "--quiet")
        git("clean", "--force", "-d", "--quiet")  # (the tree was clean: only what cruft added goes)
        print(f"{branch} is already on {remote}: nothing more to do.")
        return None
    git("switch", "--quiet", "--create", branch)
    git("add", "--all")
    check_files(git("diff", "--cached", "--name-only").splitlines())
    message = f"Update from the template (cruft update to {commit[:12]})"
    git("commit", "--quiet", "--message", message)
    return branch


def push(branch: str, remote: str) -> bool:
    """Push branch to remote, unless it is there already (its pull request is open)."""
    if git("ls-remote", "--heads", remote, branch):
        print(f"{branch} is already on {remote}: nothing more to do.")
        return False
    git("push", "--quiet", remote, branch)
    print(f"Pushed {branch}.")
    return True


def read_bundle(bundle: str) -> str:
    """The branch of a bundle made by --bundle, fetched after checking it: one branch, one commit
    on top of HEAD, none of NEVER_COMMITTED. Another job made it, running the template's code."""
    git("bundle", "verify", "--quiet", bundle)  # complete, and its base is here
    heads = git("bundle", "list-heads", bundle).splitlines()
    names = [line.split()[-1].removeprefix("refs/heads/") for line in heads]
    if len(names) != 1 or not BRANCH.fullmatch(names[0]):
        raise Refused(f"{bundle} must hold one branch template-update/<commit>, not {names}")
    branch = names[0]
    git("fetch", "--quiet", bundle, f"refs/heads/{branch}:refs/heads/{branch}")
    head = git("rev-parse", "HEAD")
    if git("rev-list", "--parents", "--max-count=1", branch).split()[1:] != [head]:
        raise Refused(f"{branch} must be one commit on top of {head}")
    check_files(git("diff", "--name-only", f"HEAD..{branch}").splitlines())
    return branch


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("remote", nargs="?", default="origin")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--bundle", metavar="FILE", help="write the update into FILE, push nothing")
    mode.add_argument("--push-bundle", metavar="FILE", help="push the update FILE holds")
    args = parser.parse_args(argv)
    try:
        if args.push_bundle:
            branch = read_bundle(str(Path(args.push_bundle).resolve()))
            if push(branch, args.remote):
                output(branch)
            return 0
        base, base_commit = git("rev-parse", "--abbrev-ref", "HEAD"), git("rev-parse", "HEAD")
        branch = update(None if args.bundle else args.remote)
        if branch is None:
            return 0
        if args.bundle:
            bundle = str(Path(args.bundle).resolve())
            git("bundle", "create", "--quiet", bundle, f"{base_commit}..{branch}")
            print(f"Wrote {branch} into {args.bundle}.")
            output(branch)
        else:
            git("push", "--quiet", args.remote, branch)
            print(f"Pushed {branch}.")
            output(branch)
        git("switch", "--quiet", base)
        return 0
    except Refused as refused:
        print(f"update_template.py: {refused}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
