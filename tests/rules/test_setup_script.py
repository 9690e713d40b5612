"""The generated project's first-run script, scripts/setup.py: the one place that knows the secret
names and writes .env and the secrets, for the post-gen hook and `make setup` alike."""

import ast
import importlib.util
import shutil
import stat

import pytest
import yaml
from cookiecutter.main import cookiecutter

from tooling.bake import bake_with
from tooling.combinations import DEFAULTS
from tooling.paths import TEMPLATE
from tooling.process import run

SCRIPT = "scripts/setup.py"
ANSWERS = {
    "full": {"database": "postgresql", "monitoring": "prometheus-grafana"},
    "default": {},
    "minimal": {"database": "sqlite", "monitoring": "none"},
}
SECRET_NAMES = {
    "full": [
        "secret_key",
        "db_password",
        "db_owner_password",
        "db_app_password",
        "db_reporting_password",
        "grafana_admin_password",
        "grafana_secret_key",
    ],
    "default": ["secret_key", "db_password", "db_owner_password", "db_app_password", "db_reporting_password"],
    "minimal": ["secret_key"],
}


@pytest.fixture(scope="module")
def baked(cookies_session):
    """name -> a baked project, for each entry of ANSWERS."""
    return {name: bake_with(cookies_session, answers) for name, answers in ANSWERS.items()}


def load_script(project):
    """The baked project's scripts/setup.py, imported as a module (its main() does not run)."""
    spec = importlib.util.spec_from_file_location("generated_setup", project / SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def script(baked):
    return load_script(baked["full"])


@pytest.mark.parametrize("name", ANSWERS)
def test_secret_names_follow_the_answers_and_match_compose(baked, name):
    names = load_script(baked[name]).SECRET_NAMES
    assert names == SECRET_NAMES[name]
    compose = yaml.safe_load((baked[name] / "compose.yaml").read_text())
    assert sorted(names) == sorted(compose["secrets"])


@pytest.mark.parametrize("name", ANSWERS)
def test_every_file_variable_names_a_mounted_secret_that_setup_writes(baked, name):
    """A `*__FILE` / `*_FILE` setting (Grafana's secret key and admin password, the db's password) reads
    /run/secrets/<secret> of its own service, and setup.py writes that secret: else the service would not
    start, which the kit cannot show for Grafana (no stand-in)."""
    compose = yaml.safe_load((baked[name] / "compose.yaml").read_text())
    written = set(load_script(baked[name]).SECRET_NAMES)
    seen = set()
    for service, config in compose["services"].items():
        mounted = {entry if isinstance(entry, str) else entry["source"] for entry in config.get("secrets", [])}
        environment = config.get("environment") or {}
        for variable, value in environment.items():
            if variable.endswith("_FILE"):
                secret = value.removeprefix("/run/secrets/")
                assert value == f"/run/secrets/{secret}" and secret in mounted & written, (service, variable)
                seen.add(variable)
    if name == "full":
        assert {"GF_SECURITY_SECRET_KEY__FILE", "GF_SECURITY_ADMIN_PASSWORD__FILE"} <= seen


def test_it_is_plain_python_39(baked):
    """No Jinja left, and nothing newer than Python 3.9 (the oldest Python a developer may have)."""
    ast.parse((baked["full"] / SCRIPT).read_text(), feature_version=(3, 9))


def test_secrets_are_random_and_private(script, tmp_path):
    names = script.SECRET_NAMES
    assert script.write_secrets(tmp_path, names) == names
    files = [tmp_path / f"secrets/{name}.txt" for name in names]
    values = [file.read_bytes() for file in files]
    assert len(set(values)) == len(names) and all(len(v) >= 40 and v.endswith(b"\n") for v in values)
    assert b"\r" not in b"".join(values)
    assert stat.S_IMODE((tmp_path / "secrets").stat().st_mode) == 0o700
    assert {stat.S_IMODE(file.stat().st_mode) for file in files} == {0o644}


def test_an_existing_secret_is_kept_and_a_missing_or_empty_one_written(script, tmp_path):
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets/secret_key.txt").write_text("mine\n")
    (tmp_path / "secrets/db_password.txt").write_text("\n")
    assert script.write_secrets(tmp_path, ["secret_key", "db_password", "db_reporting_password"]) == [
        "db_password",
        "db_reporting_password",
    ]
    assert (tmp_path / "secrets/secret_key.txt").read_text() == "mine\n"
    assert len((tmp_path / "secrets/db_password.txt").read_text().strip()) >= 40


def test_env_is_the_example_plus_the_ids_and_written_once(script, tmp_path):
    (tmp_path / ".env.example").write_text("A=1\n")
    assert script.write_env(tmp_path, (1234, 5678)) is True
    text = (tmp_path / ".env").read_text()
    assert text.startswith("A=1\n") and text.endswith("APP_UID=1234\nAPP_GID=5678\n")
    (tmp_path / ".env").write_text("A=2\n")  # a local edit survives a second run
    assert script.write_env(tmp_path, (1, 1)) is False
    assert (tmp_path / ".env").read_text() == "A=2\n"


def test_a_user_gets_their_own_ids(script, monkeypatch):
    monkeypatch.setattr(script.os, "getuid", lambda: 1000)
    monkeypatch.setattr(script.os, "getgid", lambda: 1001)
    assert script.host_ids() == (1000, 1001)


def test_root_gets_the_image_ids_not_zero(script, monkeypatch):
    monkeypatch.setattr(script.os, "getuid", lambda: 0)
    monkeypatch.setattr(script.os, "getgid", lambda: 0)
    assert script.host_ids() == (10001, 10001)


def test_windows_which_has_no_ids_gets_the_image_ids(script, monkeypatch):
    monkeypatch.delattr(script.os, "getuid")
    assert script.host_ids() == (10001, 10001)


def test_main_says_what_it_did_and_a_second_run_changes_nothing(script, tmp_path, capsys):
    (tmp_path / ".env.example").write_text("A=1\n")
    assert script.main(tmp_path) == 0
    first = capsys.readouterr().out
    assert "created .env" in first and "wrote a random value into secrets/grafana_admin_password.txt" in first
    before = {path: path.read_bytes() for path in tmp_path.rglob("*") if path.is_file()}
    assert script.main(tmp_path) == 0
    assert capsys.readouterr().out.count("kept") == 1 + len(script.SECRET_NAMES)
    assert {path: path.read_bytes() for path in tmp_path.rglob("*") if path.is_file()} == before


def test_it_runs_on_python_39(baked, tmp_path, python39):
    python = python39
    project = tmp_path / "project"
    shutil.copytree(baked["minimal"], project, ignore=shutil.ignore_patterns(".env", "*.txt"))
    result = run([python, SCRIPT], cwd=project)
    assert "created .env" in result.stdout and (project / "secrets/secret_key.txt").exists()


# ------------------------------------------------------------------ the hook and `make setup` run it


def project_state(project):
    """.env and every secret file, as bytes, by path relative to the project."""
    files = [project / ".env", *sorted((project / "secrets").glob("*.txt"))]
    return {str(file.relative_to(project)): file.read_bytes() for file in files}


def test_baking_over_an_existing_project_keeps_its_secrets_and_env(tmp_path):
    """cookiecutter --overwrite-if-exists re-renders the template but keeps what is not in it:
    the db volume's password must still match secrets/db_password.txt."""
    bake = {"template": str(TEMPLATE), "no_input": True, "extra_context": DEFAULTS, "output_dir": tmp_path}
    project = tmp_path / cookiecutter(**bake)
    before = project_state(project)
    assert "secrets/db_password.txt" in before
    cookiecutter(**bake, overwrite_if_exists=True)
    assert project_state(project) == before


def test_make_setup_in_a_fresh_clone_writes_what_the_hook_wrote(cookies, tmp_path):
    if shutil.which("make") is None:
        pytest.skip("no make on this machine")
    project = bake_with(cookies, {"monitoring": "prometheus-grafana"})
    from_hook = project_state(project)
    # A fresh clone has neither: both are git-ignored.
    (project / ".env").unlink()
    for secret in (project / "secrets").glob("*.txt"):
        secret.unlink()
    run(["make", "setup"], cwd=project)
    from_make = project_state(project)
    assert sorted(from_make) == sorted(from_hook)
    assert from_make[".env"] == from_hook[".env"] and b"APP_UID=" in from_make[".env"]
    assert all(from_make[name] != from_hook[name] for name in from_make if name != ".env")
