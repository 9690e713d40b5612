"""Template updates with cruft, for real: a project records the template commit it came from and its
answers (.cruft.json), and `cruft update` brings in a later commit of the template without touching
.env, the secrets or the data.

The template is this working tree's files committed into a throwaway git repository (commit A); a
project is made from it with `cruft create` and committed; then the template gets a commit B that
edits one generated file. The generated template-update workflow's script (scripts/update_template.py)
runs for real too, pushing to a bare repository that stands in for GitHub (the workflow's last step,
`gh pr create`, is GitHub's alone).
"""

import json
import os
import shutil
import sys
from pathlib import Path

import pytest

from tooling.combinations import DEFAULTS, combination_id
from tooling.process import run, tool
from tooling.template_repo import GIT_ENV, commit_all, copy_template, create, cruft, git

# The combination with every service and secret, and the one with the fewest.
COMBINATIONS = [
    {**DEFAULTS, "database": "postgresql", "monitoring": "prometheus-grafana"},
    {**DEFAULTS, "database": "sqlite", "monitoring": "none"},
]

# Commit B: a line added to a generated file.
CHANGED_FILE = "Makefile"
CHANGE = "# Added by template commit B.\n"


@pytest.fixture
def template_repo(tmp_path) -> tuple[Path, str]:
    """The template's files committed as commit A."""
    repo = tmp_path / "template"
    copy_template(repo)
    git("init", "--quiet", "--initial-branch", "main", cwd=repo)
    return repo, commit_all(repo, "A")


def cruft_state(project: Path) -> dict:
    return json.loads((project / ".cruft.json").read_text())


def untouchables(project: Path) -> dict[str, bytes]:
    """What setup wrote and an update must never change: .env and every secret, byte for byte."""
    files = [project / ".env", *sorted((project / "secrets").glob("*.txt"))]
    return {str(file.relative_to(project)): file.read_bytes() for file in files}


def leftovers(project: Path) -> list[str]:
    """The files a patch that did not apply leaves behind."""
    return [str(p.relative_to(project)) for p in project.rglob("*") if p.suffix in (".rej", ".orig")]


@pytest.mark.parametrize("answers", COMBINATIONS, ids=combination_id)
def test_a_new_project_records_its_template_and_is_up_to_date(template_repo, tmp_path, answers):
    template, commit_a = template_repo
    project = create(template, tmp_path, answers)
    state = cruft_state(project)
    assert state["template"] == str(template) and state["commit"] == commit_a
    assert {name: state["context"]["cookiecutter"][name] for name in answers} == answers
    assert cruft("check", cwd=project).returncode == 0
    # Nothing differs from the template, not even the secrets and .env that setup wrote (skipped).
    # (Its output is the hook's: cruft renders the template to compare, and the post-gen hook runs.)
    diff = cruft("diff", "--exit-code", cwd=project, check=False)
    assert diff.returncode == 0 and "diff --git" not in diff.stdout, diff.stdout


@pytest.mark.parametrize("answers", COMBINATIONS, ids=combination_id)
def test_update_brings_the_template_change_and_keeps_answers_secrets_and_edits(template_repo, tmp_path, answers):
    template, commit_a = template_repo
    project = create(template, tmp_path, answers)
    # The project's own edit, which the update must keep: a line at the end of its README.
    with (project / "README.md").open("a") as readme:
        readme.write("\nOur own notes.\n")
    commit_all(project, "Our notes")
    (project / "data").mkdir()
    (project / "data/app.db").write_bytes(b"local data")
    kept = {**untouchables(project), "data/app.db": b"local data"}
    before = cruft_state(project)

    with (template / "{{cookiecutter.project_slug}}" / CHANGED_FILE).open("a") as changed:
        changed.write(CHANGE)
    commit_b = commit_all(template, "B")
    outdated = cruft("check", cwd=project, check=False)
    assert outdated.returncode == 1, outdated.stdout

    update = cruft("update", "--skip-apply-ask", cwd=project)
    assert "Failed to apply" not in update.stdout + update.stderr, update.stdout + update.stderr

    assert (project / CHANGED_FILE).read_text().endswith(CHANGE)
    assert (project / "README.md").read_text().endswith("\nOur own notes.\n")
    after = cruft_state(project)
    assert after["commit"] == commit_b
    same_answers = {name: value for name, value in before["context"]["cookiecutter"].items() if name != "_commit"}
    assert {name: after["context"]["cookiecutter"][name] for name in same_answers} == same_answers
    assert {**untouchables(project), "data/app.db": (project / "data/app.db").read_bytes()} == kept
    assert leftovers(project) == []
    # The update changed the one file and the record, nothing else that git sees.
    changed = git("status", "--porcelain", "--untracked-files=all", cwd=project).splitlines()
    assert sorted(line.split()[-1] for line in changed) == [".cruft.json", CHANGED_FILE]
    assert cruft("check", cwd=project).returncode == 0


def test_update_needs_a_clean_working_tree(template_repo, tmp_path):
    """cruft refuses to apply a template change over uncommitted work (the README says: commit first)."""
    template, _ = template_repo
    project = create(template, tmp_path, DEFAULTS)
    with (template / "{{cookiecutter.project_slug}}" / CHANGED_FILE).open("a") as changed:
        changed.write(CHANGE)
    commit_all(template, "B")
    (project / "README.md").write_text("work in progress\n")
    update = cruft("update", "--skip-apply-ask", cwd=project, check=False)
    assert "unclean git project" in update.stdout + update.stderr
    assert not (project / CHANGED_FILE).read_text().endswith(CHANGE)
    assert cruft("check", cwd=project, check=False).returncode == 1  # still outdated


def test_cruft_create_refuses_an_invalid_answer_like_cookiecutter(template_repo, tmp_path):
    """The answers' checks (local_extensions.py's check_answers, through `__checked`) run under cruft too."""
    template, _ = template_repo
    output = tmp_path / "out"
    output.mkdir()
    answers = json.dumps({"project_slug": "Not A Slug"})
    refused = cruft("create", "--no-input", "--extra-context", answers, template, cwd=output, check=False)
    assert refused.returncode != 0
    assert "ERROR: project_slug" in " ".join((refused.stdout + refused.stderr).split())
    assert list(output.iterdir()) == []


# ---------------------------------------------------------------- scripts/update_template.py

UPDATE_SCRIPT = "scripts/update_template.py"


def with_remote(project: Path, tmp_path: Path) -> Path:
    """A bare repository as the project's origin (GitHub's place), with its main branch pushed."""
    remote = tmp_path / "origin.git"
    git("init", "--quiet", "--bare", "--initial-branch", "main", str(remote), cwd=tmp_path)
    git("remote", "add", "origin", str(remote), cwd=project)
    git("push", "--quiet", "origin", "main", cwd=project)
    return remote


def update_script(project: Path, github_output: Path, *args: str, with_cruft=True):
    """The workflow's step: the script (with cruft on PATH, or not) and GitHub's output file."""
    path = os.environ["PATH"]
    if with_cruft:
        path = f"{Path(tool('cruft')).parent}{os.pathsep}{path}"
    else:
        assert shutil.which("cruft", path=path) is None, "cruft must not be on PATH here"
    env = {**GIT_ENV, "PATH": path, "GITHUB_OUTPUT": str(github_output)}
    args = args or ("origin",)
    return run([sys.executable, UPDATE_SCRIPT, *args], cwd=project, env=env, check=False, timeout=300)


def branches(remote: Path) -> list[str]:
    return sorted(git("for-each-ref", "--format=%(refname:short)", "refs/heads", cwd=remote).split())


def test_update_script_pushes_a_template_change_as_a_branch_and_nothing_when_up_to_date(template_repo, tmp_path):
    """With every service and secret (COMBINATIONS[0]); cruft itself is run on both above."""
    template, _ = template_repo
    project = create(template, tmp_path, COMBINATIONS[0])
    remote = with_remote(project, tmp_path)
    (project / "data").mkdir()
    (project / "data/app.db").write_bytes(b"local data")
    kept = {**untouchables(project), "data/app.db": b"local data"}
    output = tmp_path / "github-output"
    output.touch()

    # Up to date: nothing happens, no branch.
    current = update_script(project, output)
    assert current.returncode == 0 and "nothing to do" in current.stdout, current.stdout + current.stderr
    assert branches(remote) == ["main"] and output.read_text() == ""

    # The template moves on: the change ends as one commit on a branch of the project's origin.
    with (template / "{{cookiecutter.project_slug}}" / CHANGED_FILE).open("a") as changed:
        changed.write(CHANGE)
    commit_b = commit_all(template, "B")
    moved = update_script(project, output)
    assert moved.returncode == 0, moved.stdout + moved.stderr
    branch = f"template-update/{commit_b[:12]}"
    assert branches(remote) == ["main", branch]
    assert output.read_text() == f"branch={branch}\n"
    assert git("rev-list", "--count", f"main..{branch}", cwd=remote) == "1"
    assert sorted(git("diff", "--name-only", f"main...{branch}", cwd=remote).split()) == [".cruft.json", CHANGED_FILE]
    assert git("show", f"{branch}:{CHANGED_FILE}", cwd=remote).endswith(CHANGE.strip())
    assert json.loads(git("show", f"{branch}:.cruft.json", cwd=remote))["commit"] == commit_b
    # The project is back on main, clean, with its .env, secrets and data as they were.
    assert git("rev-parse", "--abbrev-ref", "HEAD", cwd=project) == "main"
    assert git("status", "--porcelain", "--untracked-files=all", cwd=project) == ""
    assert {**untouchables(project), "data/app.db": (project / "data/app.db").read_bytes()} == kept
    assert leftovers(project) == []

    # The next week, the pull request still open: the branch is there already, nothing more.
    again = update_script(project, output)
    assert again.returncode == 0 and "already on origin" in again.stdout, again.stdout + again.stderr
    assert branches(remote) == ["main", branch] and output.read_text() == f"branch={branch}\n"
    assert git("status", "--porcelain", "--untracked-files=all", cwd=project) == ""
    assert untouchables(project) == {name: kept[name] for name in untouchables(project)}


def test_update_script_refuses_uncommitted_work(template_repo, tmp_path):
    template, _ = template_repo
    project = create(template, tmp_path, DEFAULTS)
    remote = with_remote(project, tmp_path)
    with (template / "{{cookiecutter.project_slug}}" / CHANGED_FILE).open("a") as changed:
        changed.write(CHANGE)
    commit_all(template, "B")
    (project / "README.md").write_text("work in progress\n")
    refused = update_script(project, tmp_path / "github-output")
    assert refused.returncode == 1 and "uncommitted changes" in refused.stderr
    assert branches(remote) == ["main"]
    assert (project / "README.md").read_text() == "work in progress\n"


def test_the_workflows_two_jobs_bundle_without_pushing_then_push_without_cruft(template_repo, tmp_path):
    """template-update.yml's split: the job running cruft (the template's code) writes the commit into a
    bundle and pushes nothing; the job that pushes, in a fresh clone without cruft, checks the bundle
    (one commit on top of its own, nothing git-ignored) and pushes its branch, once."""
    template, _ = template_repo
    project = create(template, tmp_path, DEFAULTS)
    remote = with_remote(project, tmp_path)
    with (template / "{{cookiecutter.project_slug}}" / CHANGED_FILE).open("a") as changed:
        changed.write(CHANGE)
    commit_b = commit_all(template, "B")
    branch = f"template-update/{commit_b[:12]}"
    bundle, first_output = tmp_path / "template-update.bundle", tmp_path / "first-output"

    made = update_script(project, first_output, "--bundle", str(bundle))
    assert made.returncode == 0, made.stdout + made.stderr
    assert first_output.read_text() == f"branch={branch}\n" and bundle.is_file()
    assert branches(remote) == ["main"], "the first job pushes nothing"
    assert git("rev-parse", "--abbrev-ref", "HEAD", cwd=project) == "main"

    # The second job: a fresh checkout of main, the bundle, no cruft.
    clone = tmp_path / "second-job"
    git("clone", "--quiet", str(remote), str(clone), cwd=tmp_path)
    shutil.copy2(project / UPDATE_SCRIPT, clone / UPDATE_SCRIPT)  # (the same file, committed in main)
    second_output = tmp_path / "second-output"
    pushed = update_script(clone, second_output, "--push-bundle", str(bundle), "origin", with_cruft=False)
    assert pushed.returncode == 0, pushed.stdout + pushed.stderr
    assert second_output.read_text() == f"branch={branch}\n"
    assert branches(remote) == ["main", branch]
    assert sorted(git("diff", "--name-only", f"main...{branch}", cwd=remote).split()) == [".cruft.json", CHANGED_FILE]
    # Again next week, its pull request still open: nothing pushed, no pull request.
    again = update_script(clone, second_output, "--push-bundle", str(bundle), "origin", with_cruft=False)
    assert again.returncode == 0 and "already on origin" in again.stdout
    assert second_output.read_text() == f"branch={branch}\n"

    # A bundle the second job must refuse: a secret committed, or more than one commit.
    for name, tamper in [
        ("secret", lambda: (project / "secrets/extra.txt").write_text("x")),
        ("two commits", lambda: (project / "README.md").write_text("one more commit")),
    ]:
        bad_branch = f"template-update/{'b' * 11}{len(name) % 10}"
        git("switch", "--quiet", "--create", bad_branch, branch, cwd=project)
        if name == "two commits":
            tamper()
            commit_all(project, "extra")
        else:
            git("reset", "--quiet", "--soft", "main", cwd=project)
            tamper()
            git("add", "--force", "--all", cwd=project)
            git("commit", "--quiet", "--message", "with a secret", cwd=project)
        bad = tmp_path / f"{name}.bundle"
        git("bundle", "create", "--quiet", str(bad), f"main..{bad_branch}", cwd=project)
        git("switch", "--quiet", "main", cwd=project)
        refused = update_script(clone, second_output, "--push-bundle", str(bad), "origin", with_cruft=False)
        assert refused.returncode == 1 and "update_template.py:" in refused.stderr, (name, refused.stderr)
        assert branches(remote) == ["main", branch], name
