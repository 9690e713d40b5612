"""Where a refusal goes, and replay files the template did not write: the command lines (cookiecutter's and
cruft's) print a refused answer's one line on stderr, with nothing on stdout; a replay file without the
template's internal keys (`_extensions`, `__checked`, `__prompts__`: written by hand for automation, or by
an older version of the template) bakes, or is refused by the pre-gen hook, but never crashes."""

import json
import os
import shutil

import pytest

from tooling.combinations import DEFAULTS
from tooling.paths import TEMPLATE
from tooling.process import run, tool

ANSWERS = {
    **DEFAULTS,
    "project_name": "Hand Made",
    "project_slug": "hand-made",
    "package_name": "hand_made",
    "description": "Written by hand.",
    "author_name": "Jane Doe",
    "author_email": "jane@example.com",
    "version": "0.1.0",
    "repository_url": "https://example.com/hand-made",
}
INTERNAL = {
    name: value for name, value in json.loads((TEMPLATE / "cookiecutter.json").read_text()).items() if name[0] == "_"
}


@pytest.mark.parametrize("program", ["cookiecutter", "cruft"])
def test_a_refusal_is_one_line_on_stderr(tmp_path, program):
    output = tmp_path / "out"
    output.mkdir()
    if program == "cookiecutter":
        command = [tool("cookiecutter"), str(TEMPLATE), "--no-input", "--default-config", "-o", output]
        command.append("project_slug=Not A Slug")
    else:  # cruft clones the template: a git repository of the working tree as it is
        template = tmp_path / "template"
        shutil.copytree(TEMPLATE, template, ignore=shutil.ignore_patterns(".git", ".venv", "build", "__pycache__"))
        run(["git", "init", "--quiet"], cwd=template)
        run(["git", "add", "--all"], cwd=template)
        run(["git", "-c", "user.name=T", "-c", "user.email=t@example.com", "commit", "-qm", "A"], cwd=template)
        command = [tool("cruft"), "create", "--no-input", "--output-dir", output, str(template)]
        command += ["--extra-context", json.dumps({"project_slug": "Not A Slug"})]
    result = run(command, cwd=tmp_path, check=False)
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("ERROR: project_slug 'Not A Slug'"), result.stderr
    assert list(output.iterdir()) == []


# The internal keys a replay file may lack: all, or each one alone.
MISSING = {"all": list(INTERNAL), **{name: [name] for name in INTERNAL}}


@pytest.mark.parametrize("missing", MISSING.values(), ids=MISSING.keys())
def test_a_replay_file_without_internal_keys_bakes(tmp_path, missing):
    context = {**INTERNAL, **ANSWERS}
    for name in missing:
        context.pop(name)
    replay = tmp_path / "replay.json"
    replay.write_text(json.dumps({"cookiecutter": context}))
    output = tmp_path / "out"
    command = [tool("cookiecutter"), str(TEMPLATE), "--replay-file", replay, "--default-config", "-o", output]
    result = run(command, cwd=tmp_path, check=False)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stdout + result.stderr
    assert 'name = "hand-made"' in (output / "hand-made/pyproject.toml").read_text()


@pytest.mark.parametrize(
    ("answer", "expected"),
    [({"version": "v1."}, "version 'v1.'"), ({"package_name": "yaml"}, "shadow the dependency")],
    ids=["version", "package-from-the-locks"],
)
@pytest.mark.parametrize("given", ["absolute", "relative"])
def test_a_bad_replay_file_without_internal_keys_is_refused(tmp_path, answer, expected, given):
    """The early check cannot see the whole set: the pre-gen hook refuses it, its line on stderr (after
    cookiecutter's own report of a failed hook, on stdout, which it prints for any hook). The hook runs
    from a copy, and reads the locks' names from the template folder that cookiecutter gives it, also
    when given as `.` (relative to where cookiecutter runs, not to the hook's folder)."""
    replay = tmp_path / "replay.json"
    replay.write_text(json.dumps({"cookiecutter": {**ANSWERS, **answer}}))
    output = tmp_path / "out"
    output.mkdir()
    template, cwd = (str(TEMPLATE), tmp_path) if given == "absolute" else (".", TEMPLATE)
    command = [tool("cookiecutter"), template, "--replay-file", replay, "--default-config", "-o", output]
    result = run(command, cwd=cwd, env={**os.environ, "PWD": str(cwd)}, check=False)
    assert result.returncode == 1 and "local_extensions" not in result.stdout + result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("ERROR:")]
    assert len(errors) == 1 and expected in errors[0], result.stderr
    assert list(output.iterdir()) == []


def test_the_readmes_bake_from_a_clone_works(tmp_path):
    """`cookiecutter . --no-input` in a clone (the README's command): the template given as `.`."""
    output = tmp_path / "out"
    command = [tool("cookiecutter"), ".", "--no-input", "--default-config", "-o", output]
    result = run(command, cwd=TEMPLATE, env={**os.environ, "PWD": str(TEMPLATE)}, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (output / "my-service/pyproject.toml").is_file()
