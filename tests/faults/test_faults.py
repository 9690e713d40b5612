"""Layer 5: the default stack, in production mode, survives faults and loses no acknowledged write.

These tests really break things (restart and kill the db, kill the app, stop it mid-request) and
run in file order on one stack. Figures (recovery times, counts) are printed at the end of the run.
"""

import json
import re
import subprocess
import threading
import time
import urllib.parse
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tooling.bake import bake_with
from tooling.combinations import DEFAULTS
from tooling.docker import assert_non_root_without_capabilities, docker, inspect, require_docker, running_stack
from tooling.process import run, wait_for
from tooling.web import assert_no_errors, http, http_exchange, json_records

pytestmark = pytest.mark.docker

CHECKSUM_SQL = (
    "SELECT count(*) || ' ' || coalesce(md5(string_agg(id || '|' || name || '|' || coalesce(description, '')"
    " || '|' || created_at, ',' ORDER BY id)), '') FROM items"
)


@pytest.fixture(scope="module")
def stack(cookies_session, figures):
    require_docker()
    project = bake_with(cookies_session, {"project_slug": "faults"})
    with running_stack(project, DEFAULTS, production=True) as (stack, took):
        figures["default stack (production mode): up --build --wait to all healthy"] = f"{took:.1f} s"
        yield stack


def api(stack, path=""):
    return f"{stack.url('APP_PORT')}/api/items{path}"


def create_items(stack, count, prefix):
    items = []
    for n in range(count):
        status, item = http("POST", api(stack), {"name": f"{prefix}-{n}"}, headers=stack.auth())
        assert status == 201, item
        items.append(item)
    return items


def wait_until(condition, timeout):
    """Seconds until condition() was true; fails after timeout."""
    started = time.monotonic()
    if not wait_for(condition, timeout, every=0.1):
        pytest.fail(f"not recovered within {timeout} s")
    return time.monotonic() - started


def service_healthy(stack, service):
    row = stack.services().get(service, {})
    return row.get("State") == "running" and row.get("Health") == "healthy"


def api_answers(stack):
    try:
        return http("GET", api(stack), timeout=3, headers=stack.auth())[0] == 200
    except OSError:
        return False


def all_present(stack, items):
    for item in items:
        assert http("GET", api(stack, f"/{item['id']}"), headers=stack.auth()) == (200, item)


# ------------------------------------------------------------------ security of the running stack


def test_production_mode_publishes_no_db_port(stack):
    assert stack.compose("port", "db", "5432", check=False).stdout.strip() in ("", ":0")
    result = subprocess.run(["bash", "-c", f"echo > /dev/tcp/127.0.0.1/{stack.ports['DB_PORT']}"], capture_output=True)
    assert result.returncode != 0, "something answers on the development db port"


def test_no_process_runs_as_root(stack, figures):
    """Every container is configured with a non-root user (the db `postgres` from the start, so it
    needs no capability added), and every process of every container runs as non-root."""
    users = assert_non_root_without_capabilities(stack)
    figures["production mode: .Name .Config.User"] = "; ".join(users)
    for service, row in stack.services().items():
        if row["State"] != "running":
            continue
        rows = docker("top", row["Name"], "-eo", "uid,pid,comm").stdout.splitlines()[1:]
        uids = {line.split()[0] for line in rows}
        assert rows and "0" not in uids, f"{service} runs a process as root: {rows}"


def test_no_secret_in_any_container_environment(stack):
    secrets = [p.read_text().strip() for p in (stack.project / "secrets").glob("*.txt")]
    for row in stack.services().values():
        config = json.dumps(inspect("container", row["Name"])["Config"])
        for value in secrets:
            assert value not in config, f"a secret is visible in `docker inspect {row['Name']}`"


# ------------------------------------------------------------------ logs


def test_logs_are_json_lines_that_name_each_request(stack):
    """compose.yaml logs JSON: every line of the app's real log is one object, each request has one
    access line with its id, and the response carries that id (the client's, or a new one)."""
    given = f"faults-{uuid.uuid4().hex[:8]}"
    headers = {"X-Request-ID": given, **stack.auth()}
    status, headers, _ = http_exchange("POST", api(stack), {"name": "logged"}, headers=headers)
    assert status == 201 and headers["X-Request-ID"] == given
    headers = {"X-Request-ID": "not sane", **stack.auth()}
    status, headers, _ = http_exchange("GET", api(stack, "/999999"), headers=headers)
    generated = headers["X-Request-ID"]
    assert status == 404 and re.fullmatch(r"[0-9a-f]{32}", generated), generated

    def access_lines():
        logs = stack.compose("logs", "--no-log-prefix", "--no-color", "app").stdout
        lines = {line.get("request_id"): line for line in json_records(logs) if line["logger"] == "faults.access"}
        return (logs, lines) if {given, generated} <= lines.keys() else None

    found = wait_for(access_lines, timeout=10)
    assert found, "no access line for the requests"
    logs, lines = found
    for line in json_records(logs):
        assert {"timestamp", "level", "logger", "message"} <= line.keys(), line
    assert any(line["logger"] == "gunicorn.error" for line in json_records(logs)), "gunicorn's own lines are not JSON"
    assert_no_errors(logs)
    for request_id, method, path, status in [
        (given, "POST", "/api/items", 201),
        (generated, "GET", "/api/items/999999", 404),
    ]:
        line = lines[request_id]
        assert (line["method"], line["path"], line["status"], line["level"]) == (method, path, status, "INFO")
        assert isinstance(line["duration_ms"], int | float) and line["duration_ms"] >= 0, line


# ------------------------------------------------------------------ faults


def test_1_db_restart(stack, figures):
    items = create_items(stack, 5, "before-restart")
    app_started = inspect("container", stack.container("app"))["State"]["StartedAt"]
    started = time.monotonic()
    stack.compose("restart", "db")
    wait_until(lambda: service_healthy(stack, "db"), 60)
    recovery = wait_until(lambda: api_answers(stack), 10)
    figures["1. db restart: first successful request after the db is healthy again"] = f"{recovery:.2f} s"
    figures["1. db restart: from `restart db` to the first successful request"] = f"{time.monotonic() - started:.2f} s"
    all_present(stack, items)
    app = inspect("container", stack.container("app"))
    assert app["State"]["StartedAt"] == app_started and app["RestartCount"] == 0, "the app was restarted"


def test_2_db_killed(stack, figures):
    items = create_items(stack, 5, "before-kill")
    stack.compose("kill", "-s", "SIGKILL", "db")
    started = time.monotonic()
    status, body = http("GET", api(stack), timeout=15, headers=stack.auth())
    answered = time.monotonic() - started
    assert status == 503 and body["error"] == "Service Unavailable"
    assert answered < 6, f"a request took {answered:.1f} s to fail while the db was down"
    figures["2. db killed: time to a 503 while it is down"] = f"{answered:.2f} s"
    stack.compose("up", "--detach", "--wait", "db")
    recovery = wait_until(lambda: api_answers(stack), 10)
    figures["2. db killed: first successful request after `up -d db` is healthy"] = f"{recovery:.2f} s"
    all_present(stack, items)


def test_3_app_killed(stack, figures):
    items = create_items(stack, 5, "before-app-kill")
    container = stack.container("app")
    # SIGKILL to gunicorn's master, as a crash would: the container exits 137 and its restart
    # policy brings it back (`docker kill` would count as a deliberate stop and not restart it).
    crash = (
        "import os, signal\n"
        "for pid in filter(str.isdigit, os.listdir('/proc')):\n"
        "    stat = open(f'/proc/{pid}/stat').read().split()\n"
        "    if stat[3] == '1' and b'gunicorn' in open(f'/proc/{pid}/cmdline', 'rb').read():\n"
        "        os.kill(int(pid), signal.SIGKILL)\n"
    )
    started = time.monotonic()
    docker("exec", container, "python", "-c", crash, check=False)  # dies with its container
    wait_until(lambda: inspect("container", container)["RestartCount"] >= 1, 30)
    wait_until(lambda: service_healthy(stack, "app"), 60)
    figures["3. app killed: from SIGKILL to healthy again"] = f"{time.monotonic() - started:.2f} s"
    all_present(stack, items)


def test_4_writes_while_the_db_restarts(stack, figures):
    """>= 500 creates from 4 clients; the db restarts in the middle. Every 2xx is stored exactly once,
    every failure is a 503 JSON error."""
    run_id = uuid.uuid4().hex[:8]
    results, lock = [], threading.Lock()
    restart = {"done": False, "after": 0}

    def send(n):
        name = f"fault-{run_id}-{n}"
        try:
            status, body = http("POST", api(stack), {"name": name}, timeout=15, headers=stack.auth())
        except OSError as error:
            status, body = None, repr(error)
        with lock:
            results.append((name, status, body))
            if restart["done"] and status == 201:
                restart["after"] += 1

    def restart_db():
        while len(results) < 150:
            time.sleep(0.01)
        stack.compose("restart", "db")
        restart["done"] = True

    restarter = threading.Thread(target=restart_db)
    restarter.start()
    with ThreadPoolExecutor(max_workers=4) as pool:
        n = 0
        deadline = time.monotonic() + 120
        # Keep writing until 500 are sent and 50 more succeeded after the restart.
        while (n < 500 or not restart["done"] or restart["after"] < 50) and time.monotonic() < deadline:
            list(pool.map(send, range(n, n + 20)))
            n += 20
    restarter.join()
    wait_until(lambda: service_healthy(stack, "db"), 60)

    acknowledged = [name for name, status, _ in results if status == 201]
    failed = [(status, body) for _, status, body in results if status != 201]
    stored = dict(
        line.split("|")
        for line in stack.psql(
            f"SELECT name || '|' || count(*) FROM items WHERE name LIKE 'fault-{run_id}-%' GROUP BY name"
        ).splitlines()
    )
    figures["4. writes under a db restart: sent / acknowledged / present / failed (503)"] = (
        f"{len(results)} / {len(acknowledged)} / {len(stored)} / {len(failed)}"
    )
    assert len(results) >= 500 and restart["after"] >= 50
    assert failed, "the restart caused no failure at all: it did not overlap the writes"
    assert all(status == 503 and body["error"] == "Service Unavailable" for status, body in failed), failed[:5]
    missing = [name for name in acknowledged if stored.get(name) != "1"]
    assert missing == [], f"{len(missing)} acknowledged writes are missing or duplicated"
    assert all(count == "1" for count in stored.values())


def test_5_durability_down_up_backup_restore(stack, figures):
    create_items(stack, 5, "durable")
    before = stack.psql(CHECKSUM_SQL)
    stack.compose("down", "--timeout", "30")
    stack.compose("up", "--detach", "--wait", timeout=600)
    assert stack.psql(CHECKSUM_SQL) == before, "down/up changed the data"

    backup = stack.compose("exec", "-T", "db", "bash", "/opt/db/bin/backup.sh").stdout
    name = backup.strip().rsplit(" ", 1)[-1]
    assert name.endswith(".dump")
    assert name in run(["make", "backups"], cwd=stack.project, env=stack.env).stdout
    stack.psql("DELETE FROM items")
    assert stack.psql("SELECT count(*) FROM items") == "0"
    stack.compose("exec", "-T", "db", "bash", "/opt/db/bin/restore.sh", name)
    after = stack.psql(CHECKSUM_SQL)
    assert after == before, f"restored {after}, expected {before}"
    figures["5. backup/restore: rows and checksum before = after"] = after

    refused = stack.compose("exec", "-T", "db", "bash", "/opt/db/bin/restore.sh", "no-such.dump", check=False)
    assert refused.returncode != 0 and "refusing: no backup named 'no-such.dump'" in refused.stderr
    assert stack.psql(CHECKSUM_SQL) == before
    # The restore (as the superuser) kept the roles by duty: the owner role's tables, the app's rights.
    assert stack.psql("SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'") == "app_owner"
    create_items(stack, 1, "after-restore")


# ------------------------------------------------------------------ malformed requests

TEXT = st.text(max_size=30)
NOT_A_STRING = st.one_of(
    st.integers(),
    st.floats(allow_nan=False),
    st.booleans(),
    st.lists(TEXT, max_size=3),
    st.dictionaries(TEXT, TEXT, max_size=2),
)
SQLISH = st.sampled_from(["'; DROP TABLE items; --", "1 OR 1=1", 'name"); DELETE FROM items; --', "%' OR '1'='1"])
UNKNOWN_KEY = st.one_of(TEXT, SQLISH).filter(lambda key: key not in ("name", "description"))
NOT_JSON = st.binary(min_size=1, max_size=200).filter(lambda raw: not _is_json(raw))
BAD_PAGE = st.one_of(
    st.integers(max_value=0).map(str),
    st.integers(min_value=100_001).map(str),
    SQLISH,
    st.text(min_size=1, max_size=10).filter(lambda text: not (text.isascii() and text.isdigit())),
)


def _is_json(raw):
    try:
        json.loads(raw)
    except ValueError:
        return False
    return True


def as_request(method, path, body=None, raw=None, content_type="application/json"):
    return {"method": method, "path": path, "body": body, "raw": raw, "content_type": content_type}


BAD_REQUESTS = st.one_of(
    # bodies that are not a JSON object
    st.one_of(st.lists(TEXT, max_size=3), st.integers(), TEXT, st.none()).map(lambda b: as_request("POST", "", body=b)),
    # a name of the wrong type, or none
    NOT_A_STRING.map(lambda v: as_request("POST", "", body={"name": v})),
    st.dictionaries(st.just("description"), TEXT).map(lambda b: as_request("POST", "", body=b)),
    # blank, too long, or unstorable names; too long descriptions
    st.text(alphabet=" \t\n", max_size=5).map(lambda v: as_request("POST", "", body={"name": v})),
    st.text(min_size=201, max_size=400)
    .filter(lambda v: len(v.strip()) > 200)
    .map(lambda v: as_request("POST", "", body={"name": v})),
    st.tuples(TEXT, TEXT).map(lambda t: as_request("POST", "", body={"name": f"{t[0]}\x00{t[1]}x"})),
    st.text(min_size=2001, max_size=2100)
    .filter(lambda v: len(v.strip()) > 2000)
    .map(lambda v: as_request("POST", "", body={"name": "ok", "description": v})),
    # unknown fields, SQL-looking ones included
    st.tuples(SQLISH, UNKNOWN_KEY, TEXT).map(lambda t: as_request("POST", "", body={"name": t[0], t[1]: t[2]})),
    # not JSON at all, or not declared as JSON
    NOT_JSON.map(lambda raw: as_request("POST", "", raw=raw)),
    TEXT.map(lambda v: as_request("POST", "", raw=v.encode(), content_type="text/plain")),
    # oversized bodies
    st.integers(min_value=70_000, max_value=100_000).map(
        lambda n: as_request("POST", "", raw=b'{"name": "' + b"x" * n + b'"}')
    ),
    # bad pagination
    st.tuples(st.sampled_from(["page", "per_page"]), BAD_PAGE).map(
        lambda t: as_request("GET", "?" + urllib.parse.urlencode({t[0]: t[1]}))
    ),
    # unknown ids and paths, methods the API does not have
    st.integers(min_value=10**6).map(lambda i: as_request("GET", f"/{i}")),
    st.integers(min_value=10**6).map(lambda i: as_request("DELETE", f"/{i}")),
    st.sampled_from(["PUT", "PATCH"]).map(lambda m: as_request(m, "", body={"name": "x"})),
    st.sampled_from(["PUT", "PATCH", "POST"]).map(lambda m: as_request(m, "/1", body={"name": "x"})),
)


@pytest.fixture(scope="module")
def sent_requests():
    """The distinct malformed requests sent by the hypothesis test, counted by the test after it."""
    return set()


@pytest.fixture(scope="module")
def table_before_malformed(stack):
    return stack.psql(CHECKSUM_SQL)


@settings(max_examples=80, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(request=BAD_REQUESTS)
def test_6_malformed_requests_get_a_4xx_json_error(stack, table_before_malformed, sent_requests, request):
    raw = request["raw"] if request["body"] is None else json.dumps(request["body"]).encode()
    status, body = http(
        request["method"],
        api(stack, request["path"]),
        raw=raw,
        headers={"Content-Type": request["content_type"], **stack.auth()},
    )
    assert 400 <= status < 500, (request, status, body)
    assert isinstance(body, dict) and body["status"] == status and body["message"]
    sent_requests.add(repr(request))


def test_6_the_table_is_unchanged_after_at_least_50_distinct_bad_requests(
    stack, table_before_malformed, sent_requests, figures
):
    assert len(sent_requests) >= 50, f"only {len(sent_requests)} distinct bad requests were sent"
    assert stack.psql(CHECKSUM_SQL) == table_before_malformed
    figures["6. malformed requests: distinct bad requests, all 4xx JSON, table unchanged"] = str(len(sent_requests))


# ------------------------------------------------------------------ graceful stop


def test_7_graceful_stop_finishes_the_in_flight_request(stack, figures):
    # A slow request, for real: a transaction locks the table for 3 s, so a GET waits on the lock.
    locker = subprocess.Popen(
        [
            "docker",
            "compose",
            "exec",
            "-T",
            "db",
            "sh",
            "-c",
            'psql -U "$POSTGRES_USER" -d "$POSTGRES_DB" -c "BEGIN; LOCK TABLE items; SELECT pg_sleep(3); COMMIT;"',
        ],
        cwd=stack.project,
        env=stack.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    time.sleep(1)
    answer = {}
    headers = stack.auth()
    client = threading.Thread(target=lambda: answer.update(result=http("GET", api(stack), timeout=30, headers=headers)))
    client.start()
    time.sleep(0.5)  # the request is now in flight, waiting on the lock
    started = time.monotonic()
    stack.compose("stop", "app")
    took = time.monotonic() - started
    client.join()
    locker.wait(timeout=30)
    state = inspect("container", stack.container("app"))["State"]
    figures["7. graceful stop: `docker compose stop app` with a request in flight"] = f"{took:.2f} s"
    assert answer["result"][0] == 200, answer
    assert took < 30, f"the stop took {took:.1f} s, the whole grace period"
    assert state["ExitCode"] in (0, 143), state
    stack.compose("up", "--detach", "--wait", "app")
