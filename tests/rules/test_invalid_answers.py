"""Invalid answers are refused with one line, and leave nothing on disk.

The rules are the pre-gen hook's; local_extensions.py runs them while cookiecutter renders the answers,
before it makes any folder, so the refusal is cookiecutter's FailedHookException with the one line
`ERROR: ...` as its message (the command line prints just that). A replay file skips that step: then the
hook itself refuses.
"""

import json
from pathlib import Path

import pytest
from cookiecutter.exceptions import FailedHookException
from cookiecutter.main import cookiecutter

from tooling.combinations import DEFAULTS, UNSUPPORTED, combination_id
from tooling.paths import TEMPLATE
from tooling.process import run, tool

# id -> (answers, what the one line names)
INVALID = {
    "slug-uppercase": ({"project_slug": "My-Service"}, "project_slug"),
    "slug-starts-with-digit": ({"project_slug": "1service"}, "project_slug"),
    "slug-double-hyphen": ({"project_slug": "my--service"}, "project_slug"),
    "slug-too-long": ({"project_slug": "a" * 51}, "project_slug"),
    "slug-trailing-newline": ({"project_slug": "my-service\n"}, "project_slug"),
    "slug-is-a-dependency": ({"project_slug": "click", "package_name": "my_click"}, "project_slug"),
    "package-not-identifier": ({"package_name": "my-service"}, "package_name"),
    "package-keyword": ({"package_name": "class"}, "package_name"),
    "package-soft-keyword": ({"package_name": "match"}, "package_name"),
    "package-shadows-stdlib": ({"package_name": "json"}, "package_name"),
    "package-shadows-dependency": ({"package_name": "flask"}, "package_name"),
    "package-shadows-transitive-dependency": ({"package_name": "click", "project_slug": "my-click"}, "dependency"),
    "package-is-the-tests-folder": ({"package_name": "tests", "project_slug": "my-tests"}, "own folders"),
    "package-too-long-for-a-file-name": ({"package_name": "a" * 300}, "package_name"),
    "package-too-long-for-a-role": ({"package_name": "a" * 64}, "package_name"),
    # Names whose derived slug or package name is the problem.
    "name-gives-the-tests-package": ({"project_name": "Tests"}, "own folders"),
    "name-gives-a-dependency": ({"project_name": "Click"}, "distribution the project installs"),
    "name-gives-a-pg-role": ({"project_name": "PG Tools"}, "pg_"),
    "name-gives-the-reporting-role": ({"project_name": "Reporting"}, "database role"),
    "name-gives-the-apps-role": ({"project_name": "App"}, "database role"),
    "package-is-the-owner-role": ({"package_name": "app_owner", "project_slug": "my-app"}, "database role"),
    "email-no-at": ({"author_email": "jane.example.com"}, "author_email"),
    "email-no-domain-dot": ({"author_email": "jane@localhost"}, "author_email"),
    "email-trailing-newline": ({"author_email": "jane@example.com\n"}, "author_email"),
    "email-command": ({"author_email": "$(touch /tmp/x)@example.com"}, "author_email"),
    "version-not-pep440": ({"version": "v1."}, "version"),
    "version-trailing-newline": ({"version": "0.1.0\n"}, "version"),
    "version-arabic-digits": ({"version": "\u0661.\u0662.\u0663"}, "version"),
    "version-too-long-for-a-tag": ({"version": "1." * 99 + "0"}, "version"),
    "url-not-http": ({"repository_url": "javascript:alert(1)"}, "repository_url"),
    "url-trailing-newline": ({"repository_url": "https://example.com/x\n"}, "repository_url"),
    "author-newline": ({"author_name": "Jane\nDoe"}, "author_name"),
    "description-newline": ({"description": "one\ntwo"}, "description"),
    "description-ends-with-backslash": ({"description": "a path C:\\"}, "description"),
    "name-not-utf-8": ({"project_name": "caf\udce9"}, "project_name"),  # a Latin-1 byte as Python reads argv
    "name-control-character": ({"project_name": "bell\x07"}, "project_name"),
    "name-too-long": ({"project_name": "a" * 81, "project_slug": "long"}, "project_name"),
    "swarm-with-sqlite": ({"deploy": "swarm", "database": "sqlite"}, "deploy=swarm needs database=postgresql"),
    # Answers reach the hook only through tojson: this stays a string and is refused.
    "name-injection": (
        {"project_name": 'x"; import pathlib; pathlib.Path("/tmp/pwned-by-template").touch(); "\n'},
        "project_name",
    ),
}


def assert_rejected(tmp_path, answers, expected):
    with pytest.raises(FailedHookException) as refused:
        cookiecutter(str(TEMPLATE), no_input=True, extra_context={**DEFAULTS, **answers}, output_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []  # nothing left on disk
    message = str(refused.value)
    assert message.startswith("ERROR: ") and "\n" not in message and expected in message, message


@pytest.mark.parametrize(("answers", "expected"), INVALID.values(), ids=INVALID.keys())
def test_invalid_answer_is_rejected(tmp_path, answers, expected):
    assert_rejected(tmp_path, answers, expected)


def test_injection_through_the_name_does_not_run(tmp_path):
    marker = Path("/tmp/pwned-by-template")
    marker.unlink(missing_ok=True)
    assert_rejected(tmp_path, *INVALID["name-injection"])
    assert not marker.exists()


def cli(tmp_path, *answers):
    """The real command line, as a user runs it: what it prints (stdout and stderr) and its exit code."""
    output = tmp_path / "out"
    output.mkdir()
    command = [tool("cookiecutter"), str(TEMPLATE), "--no-input", "--default-config", "-o", output, *answers]
    result = run(command, cwd=tmp_path, check=False)
    return result, output


@pytest.mark.parametrize(
    "answer",
    ["project_slug=BAD", "project_name=PG Tools", "version=1.0\n", "author_name=a\x1bb", "package_name=" + "a" * 300],
)
def test_the_command_line_prints_exactly_one_line(tmp_path, answer):
    result, output = cli(tmp_path, answer)
    lines = (result.stdout + result.stderr).splitlines()
    assert result.returncode == 1
    assert len(lines) == 1 and lines[0].startswith("ERROR: "), lines
    assert "Traceback" not in result.stdout + result.stderr
    assert list(output.iterdir()) == []


def test_the_command_line_strips_the_answers(tmp_path):
    result, output = cli(tmp_path, "project_name=  Spaced Out ", "description= A description. ")
    assert result.returncode == 0, result.stdout + result.stderr
    readme = (output / "spaced-out/README.md").read_text()
    assert readme.startswith("# Spaced Out\n\nA description.\n")


def test_a_replay_file_is_checked_by_the_hook_itself(tmp_path, capfd):
    """A replay file skips the prompts, and so the early check: the pre-gen hook still refuses it (after
    cookiecutter's own lines, which it prints for any failed hook) and nothing is left on disk."""
    context = {
        "cookiecutter": {
            **json.loads((TEMPLATE / "cookiecutter.json").read_text()),
            **DEFAULTS,
            "project_name": "My Service",
            "project_slug": "my-service",
            "package_name": "my_service",
            "repository_url": "https://github.com/example/my-service",
            "version": "0.1.0\n",
            "__checked": "yes",
        }
    }
    replay = tmp_path / "replay.json"
    replay.write_text(json.dumps(context))
    output = tmp_path / "out"
    output.mkdir()
    with pytest.raises(FailedHookException):
        cookiecutter(str(TEMPLATE), replay=str(replay), output_dir=output)
    assert list(output.iterdir()) == []
    errors = [line for line in capfd.readouterr().err.splitlines() if line.startswith("ERROR:")]
    assert len(errors) == 1 and "version" in errors[0], errors


# cookiecutter itself refuses a value outside a choice list, before any hook runs.
CHOICE_INVALID = {
    "python-unsupported": {"python_version": "2.7"},
    "base-image-unknown": {"base_image": "centos"},
    "database-unknown": {"database": "mysql"},
    "monitoring-unknown": {"monitoring": "datadog"},
    "deploy-unknown": {"deploy": "kubernetes"},
}


@pytest.mark.parametrize("answers", CHOICE_INVALID.values(), ids=CHOICE_INVALID.keys())
def test_value_outside_the_choices_is_rejected(tmp_path, answers):
    with pytest.raises(ValueError, match="provided for choice variable"):
        cookiecutter(str(TEMPLATE), no_input=True, extra_context={**DEFAULTS, **answers}, output_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("answers", UNSUPPORTED, ids=combination_id)
def test_unsupported_combination_is_rejected(tmp_path, answers):
    assert_rejected(tmp_path, answers, "needs database=postgresql")
