"""Unit tests of the hooks' functions, imported directly (their Jinja lines only run as scripts)."""

import json
import re
import sys

import pytest

from hooks import post_gen_project as post
from hooks import pre_gen_project as pre
from tooling.bake import bake_with
from tooling.combinations import DEFAULTS
from tooling.locks import DATABASES
from tooling.paths import TEMPLATE
from tooling.process import dev_lock_venv, run

VALID = {
    "project_name": "My Service",
    "project_slug": "my-service",
    "package_name": "my_service",
    "description": "A service.",
    "author_name": "Jane Doe",
    "author_email": "jane@example.com",
    "version": "0.1.0",
    "repository_url": "https://github.com/example/my-service",
    **DEFAULTS,
}


def test_valid_answers_pass():
    assert pre.validate(VALID) is None
    assert pre.main(VALID) == 0


@pytest.mark.parametrize("slug", ["a", "my-service", "svc2", "a1-b2-c3", "a" * 50])
def test_good_slugs(slug):
    assert pre.check_slug(slug) is None


@pytest.mark.parametrize("slug", ["", "-a", "a-", "A", "a_b", "a b", "é", "a" * 51, "click", "flask"])
def test_bad_slugs(slug):
    assert "project_slug" in pre.check_slug(slug)


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("os", "standard library"),
        ("typing", "standard library"),
        ("annotationlib", "standard library"),  # new in Python 3.14, which the image may run
        ("async", "keyword"),
        ("case", "keyword"),
        ("sqlalchemy", "dependency"),
        ("click", "dependency"),  # Flask's, not the project's own
        ("markupsafe", "dependency"),
        ("_pytest", "not valid"),
        ("setuptools", "dependency"),
        ("tests", "own folders"),
        ("src", "own folders"),
        ("My_pkg", "not valid"),
        ("_x", "not valid"),
        ("a" * 51, "not valid"),
        ("caf\u00e9", "not valid"),
    ],
)
def test_bad_package_names(name, reason):
    assert reason in pre.check_package_name(name)


@pytest.mark.parametrize("name", ["data", "build", "dist", "reporting", "pg_tools", "a" * 50])
def test_package_names_that_are_fine_for_python(name):
    """data and build were ignored by git (.gitignore is anchored now); the role rules come next."""
    assert pre.check_package_name(name) is None


@pytest.mark.parametrize("name", ["pg_tools", "reporting", "public", "template1"])
def test_package_names_that_postgresql_refuses_as_a_role(name):
    assert "database role" in pre.check_database_role(name, "postgresql")
    assert pre.check_database_role(name, "sqlite") is None  # no role at all


# Run in a virtualenv of a lock: every distribution there -> the top-level names it installs.
TOP_LEVEL_NAMES = """
import importlib.metadata, json, re
tops = {}
for dist in importlib.metadata.distributions():
    names = {f.parts[0].removesuffix(".py") for f in dist.files or [] if f.parts[0] not in ("..", "__pycache__")}
    name = re.sub(r"[-_.]+", "-", dist.metadata["Name"]).lower()
    tops[name] = sorted(n for n in names if n.isidentifier() and not n.endswith(("-info", "_info")))
print(json.dumps(tops))
"""


@pytest.mark.parametrize("database", DATABASES)
def test_what_the_locks_install_is_forbidden(cookies_session, tmp_path, database):
    """The names come from the locks themselves: every distribution a virtualenv of the dev lock (the
    app's lock and more) holds is refused as a slug, and every top-level name it installs as a package."""
    project = bake_with(cookies_session, {"database": database})
    python = dev_lock_venv(project, tmp_path / "venv") / "python"
    installed = json.loads(run([python, "-c", TOP_LEVEL_NAMES]).stdout)
    assert {"flask", "sqlalchemy", "pytest", "pyyaml", "pip"} <= set(installed)
    assert set(installed) - pre.INSTALLED == set()
    for name, tops in installed.items():
        assert set(tops) - pre.DEPENDENCY_MODULES == set(), f"{name} installs {tops}"
        assert pre.check_slug(name), name
        for top in tops:
            assert top.startswith("_") or pre.check_package_name(top), top  # `_x` is no package name anyway


@pytest.mark.parametrize(
    "version",
    ["0.1.0", "1.0", "2.0.0rc1", "1.2.3.post1", "1.0.dev3", "1!2.0", "1.0+local.7", "v1.0", "1.0-1", "1.0RC1"],
)
def test_good_versions(version):
    assert pre.check_version(version) is None
    tag = version.replace("!", "_").replace("+", "_")  # the Makefile's APP_TAG
    assert re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}", tag)


@pytest.mark.parametrize(
    "version", ["v", "1.0.", "1..0", "1.0-", "one", "1.0+", "1.0+a+b", "\u0661.\u0662.\u0663", "1\uff10", "1.0\u0131"]
)
def test_bad_versions(version):
    assert pre.check_version(version)


def test_the_version_pattern_agrees_with_packaging():
    """The hook cannot import packaging (it runs with cookiecutter's Python): its copy of the
    pattern must accept exactly what packaging.version.Version accepts, in ASCII."""
    from packaging.version import InvalidVersion, Version

    samples = ["1", "1.0a", "1.0.a1", "1.0-a-1", "1.0post", "1.0_r2", "1!0", "1.0.dev", "1.0+ubuntu-1", "1.0c1"]
    samples += ["1.0+", "1.0-dev-", "!1", "1.0a1a1", "1.0.post1.post2", "V1.0", "1.0 ", " 1.0", "1_0"]
    for version in samples:
        try:
            Version(version)
            valid = version == version.strip()
        except InvalidVersion:
            valid = False
        assert (pre.check_version(version) is None) == valid, version


@pytest.mark.parametrize(
    "email", ["jane@example.com", "sean.o'brien@example.ie", "first+tag@mail.example.org", "a$b@example.com"]
)
def test_good_emails(email):
    assert pre.check_email(email) is None


@pytest.mark.parametrize(
    "email", ["jane", "jane@localhost", "a b@example.com", "$(id)@example.com", "j@ex\u00e4mple.de"]
)
def test_bad_emails(email):
    assert pre.check_email(email)


@pytest.mark.parametrize(
    "text", ['a "quote"', "back\\slash", "$HOME", "$(id)", "`cmd`", "<beta>", "# {x} *y*", "Zo\u00eb \u4e2d\u6587"]
)
def test_free_text_may_hold_what_the_template_escapes(text):
    assert pre.validate({**VALID, "description": text}) is None


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("two\nlines", "printable"),
        ("tab\there", "printable"),
        ("zero\u200bwidth", "printable"),
        ("not utf-8 \udcff", "printable"),
        ("bell\x07", "printable"),
        (" padded", "spaces"),
        ("trailing\n", "printable"),
        ("{{ x }}", "template marker"),
        ("{% x %}", "template marker"),
        ("{# x #}", "template marker"),
        ("ends with \\", "backslash"),
        ('a \\"quote', "backslash"),
        ("", "empty"),
        ("x" * 201, "at most 200"),
    ],
)
def test_free_text_that_is_refused(text, problem):
    assert problem in pre.validate({**VALID, "description": text})


@pytest.mark.parametrize("name", ["project_slug", "package_name", "author_email", "version", "repository_url"])
def test_a_trailing_newline_is_refused_in_every_answer(name):
    """`$` in a pattern also matches before a final newline; the patterns are matched whole now."""
    assert pre.validate({**VALID, name: VALID[name] + "\n"})


def test_main_reads_an_emoji_as_tojson_writes_it():
    """tojson writes U+1F600 as the pair \\ud83d\\ude00, which the hook's Python literal keeps as two."""
    assert pre.main({**VALID, "description": "smile \ud83d\ude00"}) == 0
    assert pre.main({**VALID, "description": "not UTF-8 \udcff"}) == 1


def test_main_prints_one_line_and_fails(capsys):
    assert pre.main({**VALID, "author_email": "nope"}) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("ERROR: author_email")


def test_combination_rule():
    assert "needs database=postgresql" in pre.check_combination(
        {**DEFAULTS, "monitoring": "prometheus-grafana", "database": "sqlite"}
    )
    assert pre.check_combination({**DEFAULTS, "monitoring": "prometheus", "database": "sqlite"}) is None
    assert "deploy=swarm needs database=postgresql" in pre.check_combination(
        {**DEFAULTS, "deploy": "swarm", "database": "sqlite"}
    )
    assert pre.check_combination({**DEFAULTS, "deploy": "swarm"}) is None


SWARM_FILES = ["compose.swarm.yaml", "scripts/swarm.py", "docs/swarm.md"]


@pytest.mark.parametrize(
    ("answers", "removed"),
    [
        ({"database": "postgresql", "monitoring": "prometheus-grafana", "deploy": "swarm"}, []),
        ({"database": "postgresql", "monitoring": "prometheus", "deploy": "swarm"}, ["docker/grafana"]),
        ({"database": "postgresql", "monitoring": "prometheus-grafana", "deploy": "compose"}, SWARM_FILES),
        (
            {
                "package_name": "svc",
                "database": "postgresql",
                "monitoring": "prometheus-grafana",
                "deploy": "swarm",
                "reports": "no",
            },
            ["src/svc/reports", "tests/test_reports.py", "docs/reports.md"],
        ),
        (
            {"database": "sqlite", "monitoring": "none", "deploy": "compose"},
            [
                "docker/postgres",
                "docs/backups.md",
                "docker/prometheus",
                "docker/grafana",
                "docs/monitoring.md",
                *SWARM_FILES,
            ],
        ),
    ],
)
def test_paths_to_remove(answers, removed):
    assert sorted(post.paths_to_remove(answers)) == sorted(removed)


def test_every_path_the_remove_table_names_is_in_the_template():
    """A path that the template no longer has (renamed, or moved) would leave its replacement behind."""
    project = TEMPLATE / "{{cookiecutter.project_slug}}"
    package = "{{cookiecutter.package_name}}"
    paths = [path.format(package_name=package) for paths in post.REMOVE.values() for path in paths]
    missing = [path for path in paths if not (project / path).exists()]
    assert missing == []


def test_remove_paths_removes_files_and_folders_and_ignores_missing(tmp_path):
    (tmp_path / "docker/grafana/dashboards").mkdir(parents=True)
    (tmp_path / "docker/grafana/dashboards/a.json").write_text("{}")
    (tmp_path / "keep.txt").write_text("")
    post.remove_paths(tmp_path, ["docker/grafana", "not/there"])
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["docker", "keep.txt"]


def write_script(root, body):
    (root / "scripts").mkdir()
    (root / post.SETUP_SCRIPT).write_text(body)


def test_main_runs_the_projects_setup_script_with_this_python(tmp_path, capsys):
    """The script itself (secrets, .env) is tested on baked projects in test_setup_script.py."""
    write_script(tmp_path, "import pathlib, sys\npathlib.Path('ran-with').write_text(sys.executable)\n")
    assert post.main({"project_slug": "my-service", **DEFAULTS}, tmp_path) == 0
    assert (tmp_path / "ran-with").read_text() == sys.executable  # and in the project folder
    assert "cd my-service" in capsys.readouterr().out


def test_main_fails_when_the_setup_script_fails(tmp_path, capsys):
    write_script(tmp_path, "raise SystemExit(3)\n")
    assert post.main({"project_slug": "my-service", **DEFAULTS}, tmp_path) == 3
    assert "Next steps" not in capsys.readouterr().out


def test_next_steps_mention_the_folder():
    assert "cd my-service" in post.next_steps({"project_slug": "my-service"})
