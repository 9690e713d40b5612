"""Layer 4: the compose stack runs for real, keeps its data, and is monitored.

Run here for the default answers, monitoring=none, database=sqlite and base_image=ubuntu; where Docker
runs the real images (real_images()), also for base_image=alpine.
Grafana cannot run on the CI machines (no image): its provisioning and dashboards are checked
statically in test_bake.py (test_grafana_provisioning_static), and the queries it would run are run
on a stack without it in test_monitoring_queries.py.
"""

import json
import re
import shutil
import time
import uuid

import pytest

from tooling.bake import bake_with
from tooling.combinations import DEFAULTS
from tooling.docker import (
    Stack,
    assert_non_root_without_capabilities,
    docker,
    external_images,
    inspect,
    provide,
    real_images,
    require_docker,
    running_stack,
)
from tooling.paths import TEMPLATE
from tooling.process import run, wait_for, without_virtualenvs
from tooling.readme import documented_settings
from tooling.template_repo import commit_all, copy_template, create, cruft, git
from tooling.web import assert_no_errors, http, http_exchange, json_record

pytestmark = pytest.mark.docker

RUN = {
    "default": {},
    "monitoring-none": {"monitoring": "none"},
    "database-sqlite": {"database": "sqlite"},
    "base-ubuntu": {"base_image": "ubuntu"},
}
if real_images():
    RUN["base-alpine"] = {"base_image": "alpine"}


@pytest.fixture(scope="module", params=RUN.items(), ids=RUN.keys())
def stack(request, cookies_session, figures):
    """A stack brought up with `docker compose up --build --wait`; removed with its volumes afterwards."""
    require_docker()
    key, answers = request.param
    project = bake_with(cookies_session, {"project_slug": f"stack-{key}", **answers})
    if key == "default":  # every setting docs/configuration.md documents for .env, changed there
        write_env(project, SETTINGS_IN_ENV)
    # As a developer's .env would have them (post-gen writes your own ids there).
    dev_ids = {"APP_UID": str(DEV_UID), "APP_GID": str(DEV_UID)}
    with running_stack(project, {**DEFAULTS, **answers}, extra_env=dev_ids) as (stack, took):
        figures[f"stack {key}: up --build --wait to all healthy"] = f"{took:.1f} s"
        yield stack


DEV_UID = 12345

# A value other than the default for each setting docs/configuration.md says to set in .env (test_every_setting_
# documented_for_env_...): a newly documented setting needs a line here, and a pass-through in compose.
SETTINGS_IN_ENV = {
    "POSTGRES_DB": "settings_db",
    "POSTGRES_USER": "settings_owner",
    "LOG_LEVEL": "INFO",  # development's default is DEBUG; INFO keeps the access lines other tests read
    "LOG_FORMAT": "json",  # development's default is text (test_dev_logs_... reads the JSON lines)
    "MAX_CONTENT_LENGTH": "2000",
    "DB_TIMEOUT": "7",
    "API_DOCS": "false",
    # High: this module's tests send many requests from one address.
    "RATELIMIT_CALLER": "20000 per minute",
    "RATELIMIT_ANONYMOUS": "30000 per minute",
    "RATELIMIT_AUTH_FAILURES": "40000 per minute",
    # An identity provider (asked only when a JWT comes, which none of these tests sends).
    "OIDC_ISSUER": "http://127.0.0.1:9",
    "OIDC_AUDIENCE": "settings-api",
    "GUNICORN_WORKERS": "3",
    "GUNICORN_THREADS": "5",
    "GUNICORN_TIMEOUT": "45",
    "GUNICORN_GRACEFUL_TIMEOUT": "25",
}
# The front door's settings go to the proxy, not the app: tests/docker/test_proxy.py runs it with its own ports,
# checks PROXY_BIND's default binding, and judges SITE_ADDRESS and ACME_EMAIL for a real domain.
PROXY_SETTINGS = {"SITE_ADDRESS", "ACME_EMAIL", "PROXY_BIND", "HTTP_PORT", "HTTPS_PORT"}
# The reports service's settings: tests/docker/test_proxy.py runs it (make report); test_bake.py checks that
# compose passes them.
REPORTS_SETTINGS = {"REPORTS_EVERY", "REPORTS_KEEP"}


def write_env(project, values):
    """Set values in the project's .env, replacing the lines (or commented examples) of those names."""
    env = project / ".env"
    kept = [line for line in env.read_text().splitlines() if line.lstrip("# ").split("=")[0] not in values]
    env.write_text("\n".join([*kept, *(f"{name}={value}" for name, value in values.items())]) + "\n")


def expected_services(answers):
    services = {"app", "migrate", "proxy", "valkey"}
    if answers["reports"] == "yes":
        services.add("reports")
    if answers["database"] == "postgresql":
        services.add("db")
    if answers["monitoring"] != "none":
        services.add("prometheus")
        if answers["database"] == "postgresql":
            services.add("postgres-exporter")
    return services


def test_every_service_is_healthy_and_migrations_ran(stack):
    services = stack.services()
    assert set(services) == expected_services(stack.answers)
    for name, row in services.items():
        if name == "migrate":
            assert row["State"] == "exited" and row["ExitCode"] == 0, row
        else:
            assert row["State"] == "running" and row["Health"] == "healthy", row


def test_every_container_runs_as_a_non_root_user_with_no_capability_added(stack, figures):
    users = assert_non_root_without_capabilities(stack)
    if stack.answers["database"] == "postgresql":
        assert stack.compose("exec", "-T", "db", "id", "-un").stdout.strip() == "postgres"
    figures[f"stack {stack.project.name}: .Name .Config.User"] = "; ".join(users)


def test_every_setting_documented_for_env_reaches_the_app_and_takes_effect(stack):
    """Each setting docs/configuration.md says to set in .env, set there to a value other
    than its default (the fixture did), is in the app container's environment and has its effect."""
    if stack.answers != DEFAULTS:
        return  # the settings are changed on the default stack only
    documented = {name for name, in_env in documented_settings(stack.project).items() if in_env}
    assert documented - PROXY_SETTINGS - REPORTS_SETTINGS == set(SETTINGS_IN_ENV), "give each app setting a value"
    assert documented >= PROXY_SETTINGS
    env = dict(line.split("=", 1) for line in stack.compose("exec", "-T", "app", "env").stdout.splitlines())
    for_the_app = {name: value for name, value in SETTINGS_IN_ENV.items() if name != "POSTGRES_USER"}
    assert {name: env.get(name) for name in for_the_app} == for_the_app
    # POSTGRES_USER names the superuser, the db's own: the app logs in as its role `app`.
    assert stack.psql("SELECT rolname FROM pg_roles WHERE rolsuper") == "settings_owner"

    # What the app and gunicorn made of them, read inside the running container.
    package = stack.project.name.replace("-", "_")
    seen = json.loads(stack.compose("exec", "-T", "app", "python", "-c", SETTINGS_PROBE.format(package)).stdout)
    assert (seen["database"], seen["username"]) == ("settings_db", "app")
    assert http("GET", f"{stack.url('APP_PORT')}/readyz")[0] == 200  # it logs in with them
    assert seen["log_level"] == "INFO" and seen["gunicorn"]["loglevel"] == "info"
    assert seen["log_format"] == "json"
    assert seen["db_timeout"] == 7 and seen["statement_timeout"] == "7s"
    assert seen["max_content_length"] == 2000
    api = f"{stack.url('APP_PORT')}/api/items"
    assert http("POST", api, {"name": "x", "description": "y" * 1900}, headers=stack.auth())[0] == 201
    assert http("POST", api, {"name": "x", "description": "y" * 2000}, headers=stack.auth())[0] == 413
    assert http("GET", f"{stack.url('APP_PORT')}/docs")[0] == 404  # API_DOCS=false
    _, headers, _ = http_exchange("GET", f"{stack.url('APP_PORT')}/openapi.json")
    assert headers["X-RateLimit-Limit"] == "30000"  # RATELIMIT_ANONYMOUS
    assert http("GET", f"{stack.url('APP_PORT')}/openapi.json")[0] == 200
    # The identity provider the app would ask about a JWT (the provider's own answers: test_oidc.py).
    assert seen["oidc"] == ["http://127.0.0.1:9", "settings-api"]
    assert seen["workers"] == 3
    assert seen["gunicorn"] == {"workers": 3, "threads": 5, "timeout": 45, "graceful_timeout": 25, "loglevel": "info"}


# Run inside the app container: the settings the app reads, the settings gunicorn.conf.py gives
# gunicorn, the database session's statement_timeout, and how many workers the gunicorn master runs.
SETTINGS_PROBE = """
import json, os, runpy
from sqlalchemy import text
from {0}.config import Settings
from {0}.db import make_engine

settings = Settings.from_env()
with make_engine(settings).connect() as connection:
    statement_timeout = connection.execute(text("SHOW statement_timeout")).scalar()
conf = runpy.run_path("gunicorn.conf.py")
parents = {{}}
for pid in filter(str.isdigit, os.listdir("/proc")):
    with open(f"/proc/{{pid}}/cmdline", "rb") as cmdline, open(f"/proc/{{pid}}/stat") as stat:
        if b"bin/gunicorn" in cmdline.read():
            parents[int(pid)] = int(stat.read().rsplit(")", 1)[1].split()[1])
print(json.dumps({{
    "database": settings.database_url.database,
    "username": settings.database_url.username,
    "log_level": settings.log_level,
    "log_format": settings.log_format,
    "db_timeout": settings.db_timeout,
    "max_content_length": settings.max_content_length,
    "statement_timeout": statement_timeout,
    "oidc": [settings.oidc_issuer, settings.oidc_audience],
    "workers": sum(parent in parents for parent in parents.values()),
    "gunicorn": {{name: conf[name] for name in ("workers", "threads", "timeout", "graceful_timeout", "loglevel")}},
}}))
"""


def test_items_round_trip_through_loopback(stack):
    api = f"{stack.url('APP_PORT')}/api/items"
    created = [http("POST", api, {"name": f"item {n}"}, headers=stack.auth()) for n in range(3)]
    assert [status for status, _ in created] == [201, 201, 201]
    status, listing = http("GET", f"{api}?per_page=100", headers=stack.auth())
    assert status == 200
    assert {item["id"] for _, item in created} <= {item["id"] for item in listing["items"]}


def test_make_token_makes_a_token_the_api_takes_with_its_scopes(stack):
    """README's first commands: `make token` in the running stack prints the token alone."""
    made = run(
        ["make", "--silent", "token", "NAME=made-by-make", "SCOPES=items:read", "DAYS=30"],
        cwd=stack.project,
        env=stack.env,
    ).stdout
    assert re.fullmatch(r"tok_[0-9a-f]{16}_[A-Za-z0-9_-]{43}\n", made), made
    api, headers = f"{stack.url('APP_PORT')}/api/items", {"Authorization": f"Bearer {made.strip()}"}
    assert http("GET", api, headers=headers)[0] == 200
    assert http("POST", api, {"name": "x"}, headers=headers)[0] == 403
    assert http("GET", api)[0] == 401


def test_dev_container_runs_as_the_developers_ids(stack):
    assert stack.compose("exec", "-T", "app", "id", "-u").stdout.strip() == str(DEV_UID)
    assert stack.compose("exec", "-T", "app", "id", "-g").stdout.strip() == str(DEV_UID)


def test_app_logs_show_no_errors(stack):
    logs = stack.compose("logs", "--no-color", "app", "migrate")
    assert_no_errors(logs.stdout + logs.stderr)


def test_dev_logs_name_each_request_in_the_format_asked_for(stack):
    """Development logs text (compose.override.yaml) unless .env asks for JSON, as the default
    stack's does (SETTINGS_IN_ENV); either way the request's access line carries its id."""
    log_format = stack.compose("exec", "-T", "app", "printenv", "LOG_FORMAT").stdout.strip()
    given = f"dev-{uuid.uuid4().hex[:8]}"
    request_headers = {"X-Request-ID": given, **stack.auth()}
    status, headers, _ = http_exchange("GET", f"{stack.url('APP_PORT')}/api/items", headers=request_headers)
    assert status == 200 and headers["X-Request-ID"] == given

    def access_line():
        logs = stack.compose("logs", "--no-log-prefix", "--no-color", "app").stdout
        return next((line for line in logs.splitlines() if given in line), None)

    line = wait_for(access_line, timeout=10)
    assert line, f"no log line has the request id {given}"
    if log_format == "json":
        record = json_record(line)
        assert record and record["request_id"] == given, line
        assert (record["method"], record["path"], record["status"]) == ("GET", "/api/items", 200), line
        assert record["caller"].startswith("token:tests-"), line  # who, never the token
    else:
        assert log_format == "text" and json_record(line) is None, line
        access = (
            rf"\d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d,\d{{3}} INFO \w+\.access \[{given}\] GET /api/items 200 [\d.]+ ms"
            r" by token:tests-\w+"
        )
        assert re.fullmatch(access, line), line


def prometheus_query(stack, query):
    status, body = http("GET", f"{stack.url('PROMETHEUS_PORT')}/api/v1/query?query={query}")
    assert status == 200 and body["status"] == "success", body
    return body["data"]["result"]


def test_prometheus_sees_the_app_and_the_exporter_and_the_counter_grows(stack):
    if stack.answers["monitoring"] == "none":
        assert "prometheus" not in stack.services()
        return
    # Each over its network (compose.yaml): the proxy's over proxy-metrics, the others over monitoring.
    jobs = {"app", "proxy", "prometheus"} | ({"postgres"} if stack.answers["database"] == "postgresql" else set())

    def targets_up():
        status, body = http("GET", f"{stack.url('PROMETHEUS_PORT')}/api/v1/targets")
        health = {t["labels"]["job"]: t["health"] for t in body["data"]["activeTargets"]}
        return health if all(health.get(job) == "up" for job in jobs) else None

    assert wait_for(targets_up, every=2), f"not all of {jobs} are up"
    for job in jobs:
        assert [r["value"][1] for r in prometheus_query(stack, f'up{{job="{job}"}}')] == ["1"]
    if "postgres" in jobs:
        assert prometheus_query(stack, "pg_up")[0]["value"][1] == "1"

    query = 'sum(http_requests_total{endpoint="/api/items",method="POST",status="201"})'

    def created_count():
        result = prometheus_query(stack, query)
        return float(result[0]["value"][1]) if result else 0.0

    before = created_count()
    for n in range(5):
        created = http("POST", f"{stack.url('APP_PORT')}/api/items", {"name": f"counted {n}"}, headers=stack.auth())
        assert created[0] == 201
    assert wait_for(lambda: created_count() >= before + 5, every=2), f"the counter stayed at {created_count()}"


def test_reporting_role_reads_but_cannot_write(stack):
    if stack.answers["database"] != "postgresql":
        assert "db" not in stack.services()
        return
    psql = (
        'PGPASSWORD="$(cat /run/secrets/db_reporting_password)" '
        'psql --host=127.0.0.1 --username=reporting --dbname="$POSTGRES_DB" --no-psqlrc --tuples-only -c "$0"'
    )
    read = stack.compose("exec", "-T", "db", "sh", "-c", psql, "SELECT count(*) FROM items")
    assert int(read.stdout.strip()) >= 1
    write = stack.compose("exec", "-T", "db", "sh", "-c", psql, "INSERT INTO items (name) VALUES ('no')", check=False)
    assert write.returncode != 0
    assert "read-only transaction" in write.stderr


def test_make_up_smoke_and_ps_as_the_ci_workflow_runs_them(stack):
    """.github/workflows/ci.yml's commands on this stack: `make up` again changes nothing, `make smoke`
    asks the app through its published 127.0.0.1 port, `make ps` lists the services."""
    started = {name: row["CreatedAt"] for name, row in stack.services().items()}
    run(["make", "up"], cwd=stack.project, env=stack.env, timeout=900)
    assert {name: row["CreatedAt"] for name, row in stack.services().items()} == started
    smoke = run(["make", "smoke"], cwd=stack.project, env=stack.env).stdout
    base = stack.url("APP_PORT")
    assert f" {base}/healthz" in smoke and f" {base}/readyz" in smoke, smoke  # curl --write-out
    assert "app" in run(["make", "ps"], cwd=stack.project, env=stack.env).stdout


def test_data_survives_down_and_up(stack):
    api = f"{stack.url('APP_PORT')}/api/items"
    status, item = http("POST", api, {"name": "survivor"}, headers=stack.auth())
    assert status == 201
    stack.compose("down", "--timeout", "10")
    stack.compose("up", "--detach", "--wait", timeout=600)
    assert http("GET", f"{api}/{item['id']}", headers=stack.auth()) == (200, item)  # the token survives too


def test_make_clean_removes_every_container_and_volume_of_the_project(stack):
    """`make clean` (docker compose down --volumes), the CI workflow's clean-up."""
    assert stack.volumes(), "the stack made no named volume"
    run(["make", "clean"], cwd=stack.project, env=stack.env, timeout=300)
    assert stack.volumes() == []
    assert stack.services() == {}


def test_make_test_runs_the_projects_tests_in_a_container(cookies_session):
    """In a fresh project with no virtualenv active: Docker is all `make test` needs."""
    require_docker()
    project = bake_with(cookies_session, {"project_slug": "stack-make-test"})
    provide("provide", *external_images(project))
    stack = Stack(project, {}, DEFAULTS)
    try:
        result = run(["make", "test"], cwd=project, env=without_virtualenvs(stack.env), timeout=900)
    finally:
        stack.compose("down", "--volumes", check=False)
        docker("image", "rm", "--force", f"{stack.name}-test", check=False)
    assert " passed" in result.stdout and " failed" not in result.stdout


# The db service as compose.yaml had it before the db ran as postgres: the entrypoint started as
# root, handed the data directory to postgres and dropped to it; the backups volume was at /backups.
OLD_DB_SERVICE = """
services:
  db:
    image: postgres:17
    environment:
      POSTGRES_DB: ${POSTGRES_DB}
      POSTGRES_USER: ${POSTGRES_USER}
      POSTGRES_PASSWORD_FILE: /run/secrets/db_password
    secrets: [db_password, db_reporting_password, db_owner_password, db_app_password]
    volumes:
      - db-data:/var/lib/postgresql/data
      # Today's initdb scripts (the roles by duty), and the script they run.
      - ./docker/postgres/initdb:/docker-entrypoint-initdb.d:ro
      - ./docker/postgres/bin:/opt/db/bin:ro
      - db-backups:/backups
    tmpfs: [/tmp, /var/run/postgresql]
    cap_drop: [ALL]
    cap_add: [CHOWN, DAC_OVERRIDE, FOWNER, SETGID, SETUID]
    security_opt: [no-new-privileges:true]
    read_only: true
    healthcheck:
      test: ["CMD-SHELL", "pg_isready --username=$${POSTGRES_USER} --dbname=$${POSTGRES_DB}"]
      interval: 1s
      retries: 60
volumes:
  db-data:
  db-backups:
secrets:
  db_password: {file: ./secrets/db_password.txt}
  db_reporting_password: {file: ./secrets/db_reporting_password.txt}
  db_owner_password: {file: ./secrets/db_owner_password.txt}
  db_app_password: {file: ./secrets/db_app_password.txt}
"""


def test_db_volumes_made_by_the_old_root_entrypoint_still_work(cookies_session, figures):
    """Upgrade: the db's volumes, made when it started as root, serve the db that runs as postgres."""
    require_docker()
    project = bake_with(cookies_session, {"project_slug": "stack-upgrade", "monitoring": "none"})
    (project / "compose.old.yaml").write_text(OLD_DB_SERVICE)
    provide("provide", "postgres:17")
    stack = Stack(project, {}, DEFAULTS)
    old, new = ("-f", "compose.old.yaml"), ("-f", "compose.yaml")

    def psql(files, sql):
        script = 'psql --username="$POSTGRES_USER" --dbname="$POSTGRES_DB" -v ON_ERROR_STOP=1 -Atc "$0"'
        return stack.compose(*files, "exec", "-T", "db", "sh", "-c", script, sql).stdout.strip()

    try:
        stack.compose(*old, "up", "--detach", "--wait", "db")
        assert inspect("container", stack.container("db"))["Config"]["User"] == ""  # root, as it was
        psql(old, "CREATE TABLE upgraded (note text); INSERT INTO upgraded VALUES ('kept')")
        dump = 'pg_dump --username="$POSTGRES_USER" --dbname="$POSTGRES_DB" --format=custom --file=/backups/old.dump'
        stack.compose(*old, "exec", "-T", "db", "sh", "-c", dump)
        stack.compose(*old, "down")

        started = time.monotonic()
        stack.compose(*new, "up", "--detach", "--wait", "db")
        figures["upgrade: old db volumes, new db up --wait"] = f"{time.monotonic() - started:.1f} s"
        assert inspect("container", stack.container("db"))["Config"]["User"] == "postgres"
        assert psql(new, "SELECT note FROM upgraded") == "kept"
        # A dump made by the old setting restores.
        psql(new, "DELETE FROM upgraded")
        stack.compose(*new, "exec", "-T", "db", "bash", "/opt/db/bin/restore.sh", "old.dump")
        assert psql(new, "SELECT note FROM upgraded") == "kept"
        # The old backups volume belongs to root: backup.sh says how to hand it over, and then works.
        refused = stack.compose(*new, "exec", "-T", "db", "bash", "/opt/db/bin/backup.sh", check=False)
        assert refused.returncode != 0 and "hand it to postgres once with:" in refused.stderr, refused.stderr
        fix = refused.stderr.strip().splitlines()[-1].split()
        assert fix[:3] == ["docker", "compose", "run"]
        stack.compose(*new, *fix[2:])
        written = stack.compose(*new, "exec", "-T", "db", "bash", "/opt/db/bin/backup.sh").stdout
        assert written.startswith("backup written: ") and written.strip().endswith(".dump")
    finally:
        stack.compose(*old, "down", "--volumes", check=False)
        stack.compose(*new, "down", "--volumes", check=False)


# The template's last commit before the database's roles by duty (the app and migrations logged in as
# the superuser); CI's clone of the repository has it.
BEFORE_THE_ROLES = "cd7f7d3"


def test_a_project_made_before_the_roles_keeps_its_data_and_its_app_is_no_longer_a_superuser(tmp_path, figures):
    """The upgrade docs/updating.md describes, for real: a project made by the old template, with data, is
    updated with `cruft update`, then `make db-roles` and `make up`'s compose up."""
    require_docker()
    # Template commit A: the old template (git archive of that commit); the project is made from it.
    template = tmp_path / "template"
    template.mkdir()
    run(["sh", "-c", f'git -C "$0" archive {BEFORE_THE_ROLES} | tar -x -C "$1"', str(TEMPLATE), str(template)])
    git("init", "--quiet", "--initial-branch", "main", cwd=template)
    commit_all(template, "A: before the roles")
    project = create(template, tmp_path, {**DEFAULTS, "monitoring": "none"})
    provide("provide", *external_images(project, ["app"]))
    stack = Stack(project, {}, DEFAULTS, production=True, direct_app=False)
    try:
        stack.compose("up", "--build", "--detach", "--wait", "app", timeout=900)
        assert stack.sql_as("app", ["SELECT rolsuper FROM pg_roles WHERE rolname = current_user"]) == [
            ("ok", [["True"]])
        ], "the old template's app should log in as the superuser"
        stack.psql("INSERT INTO items (name) VALUES ('made before the roles')")
        stack.compose("down", "--timeout", "10")

        # Template commit B: this tree's template; the project takes it with cruft, then the documented step.
        for path in template.iterdir():
            if path.name != ".git":
                shutil.rmtree(path) if path.is_dir() else path.unlink()
        copy_template(template)
        commit_all(template, "B: roles by duty")
        update = cruft("update", "--skip-apply-ask", cwd=project)
        assert "Failed to apply" not in update.stdout + update.stderr, update.stdout + update.stderr
        provide("provide", *external_images(project, ["app"]))  # what the new version adds (valkey)
        started = time.monotonic()
        made = run(["make", "db-roles"], cwd=project, env=stack.env, timeout=600).stdout
        assert "roles: app_owner, app and reporting are up to date" in made
        stack.compose("up", "--build", "--detach", "--wait", "app", timeout=900)
        figures["upgrade to the roles: make db-roles, then up --build --wait"] = f"{time.monotonic() - started:.1f} s"

        app = stack.sql_as(
            "app",
            [
                "SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user",
                "SELECT name FROM items",
                "INSERT INTO items (name) VALUES ('made after')",
                "CREATE TABLE intruder (x int)",
            ],
        )
        assert app[:3] == [("ok", [["app", "False"]]), ("ok", [["made before the roles"]]), ("ok", [])], app
        assert app[3][0] == "error" and "InsufficientPrivilege" in app[3][1]
        assert stack.psql("SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'") == "app_owner"
        # Safe to repeat.
        run(["make", "db-roles"], cwd=project, env=stack.env, timeout=600)
        assert stack.psql("SELECT count(*) FROM items") == "2"
    finally:
        built = stack.built_images()
        stack.compose("down", "--volumes", "--timeout", "5", check=False)
        docker("image", "rm", "--force", *built, check=False)
