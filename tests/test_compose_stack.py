"""Layer 4: the compose stack runs for real, keeps its data, and is monitored.

Run here for the default answers, monitoring=none, database=sqlite and base_image=ubuntu.
Grafana cannot run on the CI machines (no image): its provisioning and dashboards are checked
statically in test_bake.py (test_grafana_provisioning_static).
"""

import time

import pytest

from .support.bake import bake_with
from .support.combinations import DEFAULTS
from .support.docker import Stack, docker, external_images, provide, require_docker, running_stack
from .support.process import run, wait_for
from .support.web import assert_no_errors, http

pytestmark = pytest.mark.docker

RUN = {
    "default": {},
    "monitoring-none": {"monitoring": "none"},
    "database-sqlite": {"database": "sqlite"},
    "base-ubuntu": {"base_image": "ubuntu"},
}


@pytest.fixture(scope="module", params=RUN.items(), ids=RUN.keys())
def stack(request, cookies_session, figures):
    """A stack brought up with `docker compose up --build --wait`; removed with its volumes afterwards."""
    require_docker()
    key, answers = request.param
    project = bake_with(cookies_session, {"project_slug": f"stack-{key}", **answers})
    # As a developer's .env would have them (post-gen writes your own ids there).
    dev_ids = {"APP_UID": str(DEV_UID), "APP_GID": str(DEV_UID)}
    with running_stack(project, {**DEFAULTS, **answers}, extra_env=dev_ids) as (stack, took):
        figures[f"stack {key}: up --build --wait to all healthy"] = f"{took:.1f} s"
        yield stack


DEV_UID = 12345


def expected_services(answers):
    services = {"app", "migrate"}
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


def test_items_round_trip_through_loopback(stack):
    api = f"{stack.url('APP_PORT')}/api/items"
    created = [http("POST", api, {"name": f"item {n}"}) for n in range(3)]
    assert [status for status, _ in created] == [201, 201, 201]
    status, listing = http("GET", f"{api}?per_page=100")
    assert status == 200
    assert {item["id"] for _, item in created} <= {item["id"] for item in listing["items"]}


def test_dev_container_runs_as_the_developers_ids(stack):
    assert stack.compose("exec", "-T", "app", "id", "-u").stdout.strip() == str(DEV_UID)
    assert stack.compose("exec", "-T", "app", "id", "-g").stdout.strip() == str(DEV_UID)


def test_dev_override_reloads_edited_code(stack):
    """The source is bind-mounted and gunicorn reloads: an edit shows without a rebuild."""
    health = next((stack.project / "src").glob("*/health.py"))
    original = health.read_text()

    def healthz():
        try:
            return http("GET", f"{stack.url('APP_PORT')}/healthz", timeout=3)[1]
        except OSError:  # a worker may be restarting
            return {}

    def every_worker_serves(body):  # several answers in a row, so not just the first worker to restart
        return all(healthz() == body for _ in range(6))

    health.write_text(original.replace('jsonify(status="ok")', 'jsonify(status="ok", edited=True)'))
    try:
        edited = {"status": "ok", "edited": True}
        assert wait_for(lambda: every_worker_serves(edited), timeout=30, every=0.5), "the edit was not reloaded"
    finally:
        # A new gunicorn worker notes the files' times just after it starts serving: a save in that
        # instant goes unnoticed (the generated README says so). Give the new workers that instant.
        time.sleep(2)
        health.write_text(original)
    assert wait_for(lambda: every_worker_serves({"status": "ok"}), timeout=30, every=0.5), "the undo was not reloaded"


def test_app_logs_show_no_errors(stack):
    logs = stack.compose("logs", "--no-color", "app", "migrate")
    assert_no_errors(logs.stdout + logs.stderr)


def prometheus_query(stack, query):
    status, body = http("GET", f"{stack.url('PROMETHEUS_PORT')}/api/v1/query?query={query}")
    assert status == 200 and body["status"] == "success", body
    return body["data"]["result"]


def test_prometheus_sees_the_app_and_the_exporter_and_the_counter_grows(stack):
    if stack.answers["monitoring"] == "none":
        assert "prometheus" not in stack.services()
        return
    jobs = {"app", "prometheus"} | ({"postgres"} if stack.answers["database"] == "postgresql" else set())

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
        assert http("POST", f"{stack.url('APP_PORT')}/api/items", {"name": f"counted {n}"})[0] == 201
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


def test_data_survives_down_and_up(stack):
    api = f"{stack.url('APP_PORT')}/api/items"
    status, item = http("POST", api, {"name": "survivor"})
    assert status == 201
    stack.compose("down", "--timeout", "10")
    stack.compose("up", "--detach", "--wait", timeout=600)
    assert http("GET", f"{api}/{item['id']}") == (200, item)


def test_down_volumes_removes_every_volume_of_the_project(stack):
    assert stack.volumes(), "the stack made no named volume"
    stack.compose("down", "--volumes", "--timeout", "10")
    assert stack.volumes() == []


def test_make_test_runs_the_projects_tests_in_a_container(cookies_session):
    require_docker()
    project = bake_with(cookies_session, {"project_slug": "stack-make-test"})
    provide("provide", *external_images(project))
    stack = Stack(project, {}, DEFAULTS)
    try:
        result = run(["make", "test"], cwd=project, env=stack.env, timeout=900)
    finally:
        stack.compose("down", "--volumes", check=False)
        docker("image", "rm", "--force", f"{stack.name}-test", check=False)
    assert " passed" in result.stdout and " failed" not in result.stdout
