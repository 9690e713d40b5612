"""Layer 1 and 2: every checked combination bakes, and its files pass static checks.

Every combination of combinations.CHECKED (every supported one with deploy=compose, and deploy=swarm
once per monitoring answer, as Swarm only adds its own files) bakes, leaves no template markers, parses,
compiles, and is clean under `ruff check` and `ruff format --check`. Its Dockerfile passes hadolint and
has a non-root, exec-form final stage; for Alpine, which cannot build here, the whole lock downloads as
musllinux wheels (`--only-binary :all:`) on every Python version. Its compose files match the Compose
specification's JSON schema, pass `docker compose config` and `compose-lint --fail-on low`, publish only
on 127.0.0.1, give every service a healthcheck and resource limits, and keep every state in a named
volume. Prometheus and Grafana files parse and reference datasources by fixed uid. No secret is in a
file git would track; git itself (`git check-attr`) says every file with a shebang, every Dockerfile and
the Makefile is `eol=lf`, and every file follows the generated `.editorconfig`.
"""

import ast
import contextlib
import io
import json
import re
import tomllib
from pathlib import Path

import editorconfig
import pytest
import yaml
from check_jsonschema.cli.main_command import main as check_jsonschema_command

from hooks import post_gen_project as post_gen
from tooling.bake import bake_with, has_template_marker
from tooling.combinations import CHECKED, combination_id
from tooling.docker import dockerfile_instructions, with_args
from tooling.locks import requirements as lock_entries
from tooling.paths import TEMPLATE
from tooling.process import run, skip_or_fail, tool
from tooling.readme import documented_settings
from tooling.workflows import github_files, pins, zizmor


def text_files(project):
    for path in sorted(project.rglob("*")):
        if path.is_file():
            try:
                yield path, path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                continue


@pytest.fixture(scope="module", params=CHECKED, ids=combination_id)
def project(request, cookies_session):
    """Each combination is baked once for all the checks below."""
    return bake_with(cookies_session, request.param), request.param


def test_no_template_markers_left(project):
    path, _ = project
    leftovers = [
        f"{file.relative_to(path)}:{number}: {line.strip()}"
        for file, text in text_files(path)
        for number, line in enumerate(text.splitlines(), 1)
        if has_template_marker(file, line)
    ]
    assert leftovers == []


def test_data_files_parse(project):
    path, _ = project
    parsed = 0
    for file, text in text_files(path):
        if file.suffix in (".yaml", ".yml"):
            list(yaml.safe_load_all(text))
        elif file.suffix == ".json":
            json.loads(text)
        elif file.suffix == ".toml":
            tomllib.loads(text)
        else:
            continue
        parsed += 1
    assert parsed >= 1  # at least pyproject.toml


def test_python_compiles(project):
    path, _ = project
    sources = [file for file in path.rglob("*.py")]
    assert sources
    for file in sources:
        ast.parse(file.read_text(encoding="utf-8"), filename=str(file))


def test_ruff_check_and_format(project):
    path, _ = project
    run([tool("ruff"), "check", "--no-cache", "."], cwd=path)
    run([tool("ruff"), "format", "--check", "--no-cache", "."], cwd=path)


def test_answers_flow_into_the_project(project):
    path, answers = project
    pyproject = tomllib.loads((path / "pyproject.toml").read_text())
    assert pyproject["project"]["name"] == "my-service"
    requirements = (path / "requirements.txt").read_text()
    assert ("psycopg" in requirements) == (answers["database"] == "postgresql")
    # (The lock's own checks, and `make lock` for real, are in test_locks.py.)
    entries = lock_entries(requirements)
    assert entries and all("==" in line and hashes for line, hashes in entries.values())


def test_files_of_unselected_options_are_absent(project):
    path, answers = project
    secrets = {p.name for p in (path / "secrets").glob("*.txt")}
    assert ("db_password.txt" in secrets) == (answers["database"] == "postgresql")
    assert ("grafana_admin_password.txt" in secrets) == (answers["monitoring"] == "prometheus-grafana")
    assert (path / "docker/postgres").exists() == (answers["database"] == "postgresql")
    assert (path / "docker/prometheus").exists() == (answers["monitoring"] != "none")
    assert (path / "docker/grafana").exists() == (answers["monitoring"] == "prometheus-grafana")
    swarm = answers["deploy"] == "swarm"
    for name in post_gen.REMOVE[("deploy", "compose")]:  # compose.swarm.yaml, scripts/swarm.py, docs/swarm.md, ...
        assert (path / name).exists() == swarm, name
    makefile = (path / "Makefile").read_text()
    for target in ("registry", "push", "deploy", "stack-file", "scale", "rollback", "undeploy"):
        assert (re.search(rf"^{target}:", makefile, re.MULTILINE) is not None) == swarm, target
    assert ("swarm" in makefile.lower()) == swarm
    assert (path / "docs/backups.md").exists() == (answers["database"] == "postgresql")
    assert (path / "docs/monitoring.md").exists() == (answers["monitoring"] != "none")
    reports = answers["reports"] == "yes"
    package = next((path / "src").iterdir())
    assert (package / "reports").exists() == (path / "docs/reports.md").exists() == reports
    assert (path / "tests/test_reports.py").exists() == reports
    assert ("reports" in yaml.safe_load((path / "compose.yaml").read_text())["services"]) == reports


# ------------------------------------------------------------------ the Dockerfile, statically
# (Alpine cannot be built on the CI machines: for it, these static gates are the whole check.)


def test_dockerfile_hadolint_static(project):
    path, _ = project
    # The project's .hadolint.yaml sets the threshold (warning) and makes DL3057 an error.
    result = run([tool("hadolint"), "--no-color", "Dockerfile"], cwd=path, check=False)
    assert result.returncode == 0 and result.stdout == "", result.stdout


def final_stage(dockerfile):
    """The instructions of the last stage, with the Dockerfile's ARG defaults."""
    lines, args = dockerfile_instructions(dockerfile)
    last_from = max(i for i, line in enumerate(lines) if line.startswith("FROM "))
    return lines[last_from:], args


def test_final_stage_is_non_root_with_exec_form(project):
    path, _ = project
    stage, args = final_stage(path / "Dockerfile")
    users = [line.split()[1] for line in stage if line.startswith("USER ")]
    assert users, "the final stage sets no USER"
    uid = with_args(users[-1], args).split(":")[0]
    assert uid.isdigit() and int(uid) != 0, f"USER {users[-1]} is not a non-zero numeric uid"
    for instruction in ("ENTRYPOINT", "CMD"):
        found = [line for line in stage if line.startswith(f"{instruction} ")]
        assert found, f"no {instruction} in the final stage"
        assert json.loads(found[-1][len(instruction) + 1 :]), f"{instruction} is not in exec (JSON) form"
    assert any(line.startswith("HEALTHCHECK ") and "NONE" not in line for line in stage)


@pytest.mark.parametrize("python_version", ["3.14", "3.13", "3.12", "3.11"])
def test_alpine_static_only_every_requirement_has_a_musllinux_wheel(cookies_session, tmp_path, python_version):
    """Alpine cannot be built here: prove instead that pip needs no compiler there (wheels only), for the
    lock the image installs and for the dev lock its test and dev stages install."""
    project = bake_with(cookies_session, {"base_image": "alpine", "python_version": python_version})
    pip = [tool("python"), "-m", "pip", "download", "--quiet", "--disable-pip-version-check"]
    # Alpine's musl 1.2 also installs musllinux_1_1 wheels (pydantic-core ships those); pip takes
    # the platforms it is given literally.
    platform = ["--only-binary", ":all:", "--python-version", python_version]
    platform += ["--platform", "musllinux_1_2_x86_64", "--platform", "musllinux_1_1_x86_64"]
    run([*pip, *platform, "-d", tmp_path, "-r", project / "requirements-dev.txt"], timeout=600)
    assert any(p.name.endswith("musllinux_1_2_x86_64.whl") for p in tmp_path.iterdir())


# ------------------------------------------------------------------ compose files, statically
# (Grafana cannot run on the CI machines: for it, these static gates are the whole check.)


def compose_files(path):
    return yaml.safe_load((path / "compose.yaml").read_text()), yaml.safe_load(
        (path / "compose.override.yaml").read_text()
    )


def test_compose_files_match_the_compose_schema(project):
    path, _ = project
    schema = ["--builtin-schema", "vendor.compose-spec"]
    run([tool("check-jsonschema"), *schema, "compose.yaml", "compose.override.yaml"], cwd=path)


def test_docker_compose_config_accepts_them(project):
    path, _ = project
    if run(["docker", "compose", "version"], check=False).returncode != 0:
        skip_or_fail("REQUIRE_DOCKER", "no `docker compose` (Compose v2) on this machine")
    run(["docker", "compose", "config", "--quiet"], cwd=path)  # with compose.override.yaml
    run(["docker", "compose", "-f", "compose.yaml", "config", "--quiet"], cwd=path)  # production alone


def test_compose_lint_finds_nothing(project):
    path, _ = project
    result = run([tool("compose-lint"), "check", "--fail-on", "low", "--strict-config"], cwd=path, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_dependencies_healthchecks_and_ports(project):
    path, answers = project
    production, development = compose_files(path)
    services = production["services"]
    merged_names = set(services) | set(development["services"])
    for name, service in {**services, **development["services"]}.items():
        for target in service.get("depends_on", {}):
            assert target in merged_names, f"{name} depends on {target}, which does not exist"
        for port in service.get("ports", []):
            # The proxy's interface is a setting (PROXY_BIND: 0.0.0.0 on a server), 127.0.0.1 by default.
            loopback = ("127.0.0.1:", "${PROXY_BIND:-127.0.0.1}:") if name == "proxy" else ("127.0.0.1:",)
            assert str(port).startswith(loopback), f"{name} publishes {port} beyond 127.0.0.1"
    for name, service in services.items():
        check = service.get("healthcheck", {})
        if check.get("disable"):  # only one-off commands may go without
            assert service.get("restart") == "no", f"{name} has no healthcheck"
        else:
            assert check.get("test"), f"{name} has no healthcheck"
    # Production mode: neither the app nor the database is reachable from the host, only the proxy.
    assert "ports" not in services.get("db", {}) and "ports" not in services["app"]
    assert "ports" in services["proxy"] and "ports" in development["services"]["app"]
    assert ("db" in services) == (answers["database"] == "postgresql")
    assert ("grafana" in services) == (answers["monitoring"] == "prometheus-grafana")


def test_networks_by_duty(project):
    """compose.yaml: the proxy shares a network with the app (and Prometheus's scrape network, where
    Prometheus does not listen: test_proxy.py) only; the db's networks are internal and hold its clients
    only; Prometheus shares one with each service it scrapes."""
    path, answers = project
    production, _ = compose_files(path)
    services, networks = production["services"], production["networks"]

    def joined(name):
        return set(services[name].get("networks") or [])  # a list, or a mapping (aliases)

    def peers(name):
        return {other for other in services if other != name and joined(other) & joined(name)}

    assert peers("proxy") == {"app"} | ({"prometheus"} if "prometheus" in services else set())
    if "db" in services:
        assert joined("db") and all(networks[name].get("internal") for name in joined("db"))
        assert peers("db") == {"app", "migrate", "valkey", "reports", "postgres-exporter", "grafana"} & set(services)
    assert all(networks[name].get("internal") for name in joined("valkey"))
    for target in {"app", "proxy", "reports", "postgres-exporter"} & set(services):
        assert "prometheus" not in services or joined(target) & joined("prometheus"), (
            f"Prometheus cannot scrape {target}"
        )


def test_every_state_is_in_a_named_volume(project):
    path, _ = project
    production, _ = compose_files(path)
    named = set(production["volumes"])
    for name, service in production["services"].items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            assert source in named or source.startswith("./"), f"{name}: {volume} is neither named nor a bind"
        assert service.get("read_only") is True, f"{name} has a writable root file system"
        assert service.get("cap_drop") == ["ALL"] and "no-new-privileges:true" in service["security_opt"]
        limits = service["deploy"]["resources"]["limits"]
        assert {"memory", "cpus", "pids"} <= set(limits), f"{name} lacks a resource limit"


ROOT_USERS = {"", "0", "root"}


def test_every_service_runs_as_a_non_root_user_with_no_capability_added(project):
    """Each service names a non-root `user`, or runs the app image, whose USER test_final_stage_... checks."""
    path, _ = project
    production, development = compose_files(path)
    app_image = production["services"]["app"]["image"]
    for file, compose in (("compose.yaml", production), ("compose.override.yaml", development)):
        for name, service in compose["services"].items():
            assert "cap_add" not in service, f"{file}: {name} adds capabilities back"
    for name, service in production["services"].items():
        if "build" in service or service.get("image") == app_image:
            assert "user" not in service, f"{name}: the app image's USER decides (10001, or your ids in development)"
            continue
        user = str(service.get("user", ""))
        assert user.split(":")[0] not in ROOT_USERS, f"{name} runs as {user or 'its image default'}, not as non-root"


def test_every_setting_documented_for_env_is_passed_to_the_app(project):
    """docs/configuration.md's settings table says which settings go in .env: compose passes each to the app,
    to the db (POSTGRES_USER: its superuser, whom the app is not), to the proxy (PROXY_BIND and HTTP_PORT: into
    the proxy's published ports only) or to the reports service."""
    path, _ = project
    production, _ = compose_files(path)
    proxy = production["services"]["proxy"]
    reports = production["services"].get("reports", {}).get("environment", {})
    db = production["services"].get("db", {}).get("environment", {})
    environment = {**proxy["environment"], **reports, **production["services"]["app"]["environment"], **db}
    example = (path / ".env.example").read_text()
    for name, in_env in documented_settings(path).items():
        if not in_env:
            continue
        if name == "PROXY_BIND":
            assert all(port.startswith("${PROXY_BIND:-127.0.0.1}:") for port in proxy["ports"])
        elif name == "HTTP_PORT":
            assert "${PROXY_BIND:-127.0.0.1}:${HTTP_PORT:-80}:8080" in proxy["ports"]
        else:
            assert str(environment.get(name, "")).startswith(f"${{{name}:"), f"compose does not pass {name} from .env"
        assert re.search(rf"^(# )?{name}=", example, re.MULTILINE), f".env.example does not mention {name}"


def test_grafana_provisioning_static(project):
    path, answers = project
    if answers["monitoring"] != "prometheus-grafana":
        assert not (path / "docker/grafana").exists()
        return
    grafana = path / "docker/grafana"
    sources = yaml.safe_load((grafana / "provisioning/datasources/datasources.yaml").read_text())["datasources"]
    uids = {source["uid"] for source in sources}
    assert uids == {"prometheus", "postgres-reporting"}
    postgres = next(s for s in sources if s["uid"] == "postgres-reporting")
    assert postgres["user"] == "reporting" and "$__file{/run/secrets/" in postgres["secureJsonData"]["password"]
    # The database name follows .env, through the environment compose gives Grafana.
    assert postgres["jsonData"]["database"] == "${POSTGRES_DB}"
    assert "POSTGRES_DB" in compose_files(path)[0]["services"]["grafana"]["environment"]
    yaml.safe_load((grafana / "provisioning/dashboards/dashboards.yaml").read_text())
    dashboards = {p.stem: json.loads(p.read_text()) for p in (grafana / "dashboards").glob("*.json")}
    assert {d["title"] for d in dashboards.values()} == {"Service", "Data report"}
    for dashboard in dashboards.values():
        for panel in dashboard["panels"]:
            assert panel["datasource"]["uid"] in uids, f"{panel['title']}: unknown datasource"
            for target in panel.get("targets", []):
                assert target.get("datasource", panel["datasource"])["uid"] in uids
    report_sql = [t["rawSql"] for p in dashboards["data-report"]["panels"] for t in p["targets"]]
    assert report_sql and all("FROM items" in sql for sql in report_sql)


def test_prometheus_configuration_static(project):
    path, answers = project
    if answers["monitoring"] == "none":
        assert not (path / "docker/prometheus").exists()
        return
    config = yaml.safe_load((path / "docker/prometheus/prometheus.yml").read_text())
    jobs = {job["job_name"] for job in config["scrape_configs"]}
    expected = {"app", "proxy", "prometheus"} | ({"postgres"} if answers["database"] == "postgresql" else set())
    assert jobs == expected | ({"reports"} if answers["reports"] == "yes" else set())
    rules = yaml.safe_load((path / "docker/prometheus/alerts.yml").read_text())
    assert {rule["alert"] for group in rules["groups"] for rule in group["rules"]} >= {"AppDown", "HighErrorRate"}


def test_secrets_are_only_in_git_ignored_files(project):
    path, _ = project
    secrets = [p.read_text().strip() for p in (path / "secrets").glob("*.txt")]
    assert secrets
    run(["git", "init", "--quiet"], cwd=path)
    tracked = run(["git", "ls-files", "--others", "--exclude-standard"], cwd=path).stdout.split()
    assert ".env" not in tracked and not any(name.startswith("secrets/") and name.endswith(".txt") for name in tracked)
    for name in tracked:
        text = (path / name).read_text(errors="replace")
        assert not any(value in text for value in secrets), f"{name} (not git-ignored) holds a secret"


# ------------------------------------------------------------------ the repository's own upkeep
# (Dependabot, line endings, editor settings, template updates; cruft for real: test_template_update.py)


def check_jsonschema(*args) -> tuple[int, str]:
    """check-jsonschema in this process (its start-up, once per combination, would cost more than the check)."""
    output = io.StringIO()
    with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
        status = check_jsonschema_command.main([str(arg) for arg in args], standalone_mode=False)
    return status, output.getvalue()


def test_dependabot_config_matches_its_schema_and_covers_every_ecosystem(project):
    path, _ = project
    status, output = check_jsonschema("--builtin-schema", "vendor.dependabot", path / ".github/dependabot.yml")
    assert status == 0, output
    updates = yaml.safe_load((path / ".github/dependabot.yml").read_text())["updates"]
    # pip: requirements*.in and the uv-compiled locks, and the template-update workflow's cruft; docker:
    # every Dockerfile's folder; docker-compose: the images compose.yaml runs; github-actions: the workflows.
    covered = [(u["package-ecosystem"], u.get("directories") or [u["directory"]]) for u in updates]
    dockerfiles = sorted("/" + str(f.parent.relative_to(path)).removeprefix(".") for f in path.rglob("Dockerfile"))
    assert covered == [
        ("pip", ["/"]),
        ("pip", ["/.github/template-update"]),
        ("docker", dockerfiles),
        ("docker-compose", ["/"]),
        ("github-actions", ["/"]),
    ]
    for update in updates:
        assert update["schedule"]["interval"] == "weekly"
        assert [group["update-types"] for group in update["groups"].values()] == [["minor", "patch"]]


def test_github_files_are_zizmor_clean_and_pinned(project):
    """zizmor (offline, default settings) finds nothing in the workflows and Dependabot config; every
    action is pinned to a commit with its version (test_ci_workflow.py checks the rest of them)."""
    path, _ = project
    files = github_files(path)
    assert [file.name for file in files] == ["dependabot.yml", "ci.yml", "release.yml", "template-update.yml"]
    findings = zizmor(*files)
    assert findings == [], [(f["ident"], f["locations"][0]["symbolic"]["key"]) for f in findings]
    assert all(pins(file) for file in files if file.parent.name == "workflows")


def git_initialised(path):
    if not (path / ".git").exists():
        run(["git", "init", "--quiet"], cwd=path)


def test_every_script_and_dockerfile_keeps_lf_line_endings(project):
    """Git itself says (check-attr): each file with a shebang, each Dockerfile and the Makefile is eol=lf."""
    path, _ = project
    git_initialised(path)
    files = run(["git", "ls-files", "--others", "--exclude-standard"], cwd=path).stdout.splitlines()
    runs_in_linux = [
        name
        for name in files
        if Path(name).name.startswith("Dockerfile")
        or Path(name).name == "Makefile"
        or (path / name).read_bytes().startswith(b"#!")
    ]
    assert {"Dockerfile", "Makefile", "docker/app/entrypoint.sh"} <= set(runs_in_linux)
    out = run(["git", "check-attr", "eol", "text", "--", *runs_in_linux], cwd=path).stdout
    attributes = {}
    for line in out.splitlines():
        name, attribute, value = line.rsplit(": ", 2)
        attributes.setdefault(name, {})[attribute] = value
    wrong = {name: found for name, found in attributes.items() if found != {"eol": "lf", "text": "set"}}
    assert wrong == {}


def test_every_file_follows_the_editorconfig(project):
    """Every file git would commit: LF, UTF-8, a final newline, no trailing whitespace, the indentation
    .editorconfig names."""
    path, _ = project
    git_initialised(path)
    committed = set(run(["git", "ls-files", "--others", "--exclude-standard"], cwd=path).stdout.splitlines())
    checked = {}
    for file, text in text_files(path):
        name = str(file.relative_to(path))
        if name not in committed or not text:
            continue
        properties = editorconfig.get_properties(str(file))
        checked[name] = properties
        # (read_text turned any CRLF into LF: the bytes tell)
        assert properties["end_of_line"] == "lf" and b"\r" not in file.read_bytes(), name
        assert properties["charset"] == "utf-8", name  # text_files read it as UTF-8
        assert properties["insert_final_newline"] == "true" and text.endswith("\n"), name
        trailing = [n for n, line in enumerate(text.splitlines(), 1) if line != line.rstrip()]
        assert properties["trim_trailing_whitespace"] == "true" and trailing == [], f"{name}: lines {trailing}"
        if properties["indent_style"] == "space":
            tabbed = [n for n, line in enumerate(text.splitlines(), 1) if line.startswith("\t")]
            assert tabbed == [], f"{name}: tab-indented lines {tabbed}"
    assert checked["Makefile"]["indent_style"] == "tab"
    assert checked["Dockerfile"]["indent_size"] == "4" and checked["compose.yaml"]["indent_size"] == "2"
    assert checked["scripts/setup.py"]["indent_size"] == "4" and checked["README.md"]["indent_size"] == "2"


def cruft_skips(path, relative):
    """Whether `cruft update` leaves this path out: as cruft reads [tool.cruft] skip (a glob when it has a
    *, else a path and everything under it)."""
    skip = tomllib.loads((path / "pyproject.toml").read_text())["tool"]["cruft"]["skip"]
    for entry in skip:
        if "*" in entry and path / relative in path.glob(entry):
            return True
        if "*" not in entry and (Path(entry) == relative or Path(entry) in relative.parents):
            return True
    return False


def test_template_updates_leave_out_every_file_setup_wrote(project):
    """Every git-ignored file of a fresh project that the hooks wrote (.env, the secrets) is in cruft's skip."""
    path, _ = project
    git_initialised(path)
    ignored = run(["git", "ls-files", "--others", "--ignored", "--exclude-standard"], cwd=path).stdout.split()
    # (Not a git-ignored leftover in the template's folder, such as a .ruff_cache, which cookiecutter copies.)
    ignored = [Path(name) for name in ignored if not (TEMPLATE / "{{cookiecutter.project_slug}}" / name).exists()]
    assert Path(".env") in ignored and any(name.parent == Path("secrets") for name in ignored)
    assert [name for name in ignored if not cruft_skips(path, name)] == []
    assert cruft_skips(path, Path("data/app.db"))
    assert not cruft_skips(path, Path("secrets/README.md"))
