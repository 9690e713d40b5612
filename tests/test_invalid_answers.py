"""Invalid answers are refused by the pre-gen hook with one line, and leave nothing on disk."""

from pathlib import Path

import pytest
from cookiecutter.exceptions import FailedHookException
from cookiecutter.main import cookiecutter

from .support.bake import TEMPLATE
from .support.combinations import DEFAULTS, UNSUPPORTED, combination_id

INVALID = {
    "slug-uppercase": {"project_slug": "My-Service"},
    "slug-starts-with-digit": {"project_slug": "1service"},
    "slug-double-hyphen": {"project_slug": "my--service"},
    "slug-too-long": {"project_slug": "a" * 51},
    "package-not-identifier": {"package_name": "my-service"},
    "package-keyword": {"package_name": "class"},
    "package-soft-keyword": {"package_name": "match"},
    "package-shadows-stdlib": {"package_name": "json"},
    "package-shadows-dependency": {"package_name": "flask"},
    "email-no-at": {"author_email": "jane.example.com"},
    "email-no-domain-dot": {"author_email": "jane@localhost"},
    "version-not-pep440": {"version": "v1"},
    "url-not-http": {"repository_url": "javascript:alert(1)"},
    "description-with-quote": {"description": 'say "hi"'},
    "author-newline": {"author_name": "Jane\nDoe"},
    "name-with-dollar": {"project_name": "Cost $100"},
    "name-too-long": {"project_name": "a" * 81, "project_slug": "long"},
    # Answers reach the hook only through tojson: this stays a string and is refused.
    "name-injection": {"project_name": 'x"; import pathlib; pathlib.Path("/tmp/pwned-by-template").touch(); "'},
}


def assert_rejected(tmp_path, capfd, answers, expected):
    with pytest.raises(FailedHookException):
        cookiecutter(str(TEMPLATE), no_input=True, extra_context={**DEFAULTS, **answers}, output_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []  # nothing left on disk
    errors = [line for line in capfd.readouterr().err.splitlines() if line.startswith("ERROR:")]
    assert len(errors) == 1 and expected in errors[0], errors


@pytest.mark.parametrize("answers", INVALID.values(), ids=INVALID.keys())
def test_invalid_answer_is_rejected(tmp_path, capfd, answers):
    field = next(iter(answers))
    assert_rejected(tmp_path, capfd, answers, field)  # the message names the field


def test_injection_through_the_name_does_not_run(tmp_path, capfd):
    marker = Path("/tmp/pwned-by-template")
    marker.unlink(missing_ok=True)
    assert_rejected(tmp_path, capfd, INVALID["name-injection"], "project_name")
    assert not marker.exists()


# cookiecutter itself refuses a value outside a choice list, before any hook runs.
CHOICE_INVALID = {
    "python-unsupported": {"python_version": "2.7"},
    "base-image-unknown": {"base_image": "centos"},
    "database-unknown": {"database": "mysql"},
    "monitoring-unknown": {"monitoring": "datadog"},
}


@pytest.mark.parametrize("answers", CHOICE_INVALID.values(), ids=CHOICE_INVALID.keys())
def test_value_outside_the_choices_is_rejected(tmp_path, answers):
    with pytest.raises(ValueError, match="provided for choice variable"):
        cookiecutter(str(TEMPLATE), no_input=True, extra_context={**DEFAULTS, **answers}, output_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("answers", UNSUPPORTED, ids=combination_id)
def test_unsupported_combination_is_rejected(tmp_path, capfd, answers):
    assert_rejected(tmp_path, capfd, answers, "needs database=postgresql")
