"""Unit tests of the hooks' functions, imported directly (their Jinja lines only run as scripts)."""

import stat

import pytest

from hooks import post_gen_project as post
from hooks import pre_gen_project as pre

from .support.combinations import DEFAULTS

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


@pytest.mark.parametrize("slug", ["a", "my-service", "svc2", "a1-b2-c3"])
def test_good_slugs(slug):
    assert pre.check_slug(slug) is None


@pytest.mark.parametrize("slug", ["", "-a", "a-", "A", "a_b", "a b", "é", "a" * 51])
def test_bad_slugs(slug):
    assert "project_slug" in pre.check_slug(slug)


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("os", "standard library"),
        ("typing", "standard library"),
        ("async", "keyword"),
        ("case", "keyword"),
        ("sqlalchemy", "dependency"),
        ("My_pkg", "not valid"),
        ("_x", "not valid"),
    ],
)
def test_bad_package_names(name, reason):
    assert reason in pre.check_package_name(name)


@pytest.mark.parametrize("version", ["0.1.0", "1.0", "2.0.0rc1", "1.2.3.post1", "1.0.dev3"])
def test_good_versions(version):
    assert pre.check_version(version) is None


@pytest.mark.parametrize("text", ['a "quote"', "back\\slash", "$HOME", "`cmd`", "{{ x }}", "{% x %}"])
def test_unsafe_text_is_refused(text):
    assert "may not contain" in pre.check_text("description", text)


def test_main_prints_one_line_and_fails(capsys):
    assert pre.main({**VALID, "author_email": "nope"}) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("ERROR: author_email")


def test_combination_rule():
    assert pre.check_combination({"monitoring": "prometheus-grafana", "database": "sqlite"})
    assert pre.check_combination({"monitoring": "prometheus", "database": "sqlite"}) is None


@pytest.mark.parametrize(
    ("answers", "removed"),
    [
        ({"database": "postgresql", "monitoring": "prometheus-grafana"}, []),
        ({"database": "postgresql", "monitoring": "prometheus"}, ["docker/grafana"]),
        ({"database": "sqlite", "monitoring": "none"}, ["docker/postgres", "docker/prometheus", "docker/grafana"]),
    ],
)
def test_paths_to_remove(answers, removed):
    assert sorted(post.paths_to_remove(answers)) == sorted(removed)


def test_remove_paths_removes_files_and_folders_and_ignores_missing(tmp_path):
    (tmp_path / "docker/grafana/dashboards").mkdir(parents=True)
    (tmp_path / "docker/grafana/dashboards/a.json").write_text("{}")
    (tmp_path / "keep.txt").write_text("")
    post.remove_paths(tmp_path, ["docker/grafana", "not/there"])
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["docker", "keep.txt"]


def test_secrets_are_random_and_private(tmp_path):
    names = post.secret_names({"database": "postgresql", "monitoring": "prometheus-grafana"})
    assert names == ["secret_key", "db_password", "db_reporting_password", "grafana_admin_password"]
    post.write_secrets(tmp_path, names)
    values = [(tmp_path / f"secrets/{name}.txt").read_text().strip() for name in names]
    assert len(set(values)) == 4 and all(len(v) >= 40 for v in values)
    assert stat.S_IMODE((tmp_path / "secrets").stat().st_mode) == 0o700


def test_sqlite_without_grafana_needs_only_the_secret_key():
    assert post.secret_names({"database": "sqlite", "monitoring": "none"}) == ["secret_key"]


def test_env_is_the_example_plus_the_ids_and_written_once(tmp_path):
    (tmp_path / ".env.example").write_text("A=1\n")
    post.write_env(tmp_path, (1234, 5678))
    text = (tmp_path / ".env").read_text()
    assert text.startswith("A=1\n") and "APP_UID=1234\nAPP_GID=5678\n" in text
    (tmp_path / ".env").write_text("A=2\n")  # a local edit survives a second run
    post.write_env(tmp_path, (1, 1))
    assert (tmp_path / ".env").read_text() == "A=2\n"


def test_a_user_gets_their_own_ids(monkeypatch):
    monkeypatch.setattr(post.os, "getuid", lambda: 1000)
    monkeypatch.setattr(post.os, "getgid", lambda: 1001)
    assert post.host_ids() == (1000, 1001)


def test_root_gets_the_image_default_ids_not_zero(monkeypatch):
    monkeypatch.setattr(post.os, "getuid", lambda: 0)
    monkeypatch.setattr(post.os, "getgid", lambda: 0)
    assert post.host_ids() == (10001, 10001)


def test_next_steps_mention_the_folder():
    assert "cd my-service" in post.next_steps({"project_slug": "my-service"})
