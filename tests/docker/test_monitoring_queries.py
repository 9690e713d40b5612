"""Layer 4: what Grafana and Prometheus would run, run for real on the stack.

Where Docker runs the real images (real_images(): the template's GitHub workflow, any machine with
Docker and internet), Grafana runs in the stack with its provisioning, and Grafana itself runs every
query of its dashboards through its query API (/api/ds/query), macros and all; Prometheus is the
pinned 3.x. On the machines with docker-kit Grafana cannot run (no image), so the stack runs without
it and the tests send its queries themselves, as the fallback: every SQL query to PostgreSQL as the
read-only `reporting` role (the datasource's login), with Grafana's macros expanded by
tooling/grafana.py. Everywhere, every PromQL expression of the dashboards and of the alert
rules goes to Prometheus, and promtool checks the configuration and the rules.

The kit's Prometheus stand-in is Debian's 2.x, the project pins 3.x. None of the expressions here use
what changed in 3.0 (left-open range selectors, `.` matching newlines in regexes, `le`/`quantile`
label values normalised to floats, holt_winters renamed, UTF-8 names), so they mean the same in both.
"""

import base64
import csv
import io
import json
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest

from tooling.bake import bake_with
from tooling.combinations import DEFAULTS
from tooling.docker import real_images, require_docker, running_stack
from tooling.grafana import (
    Query,
    alert_queries,
    dashboard_queries,
    expand_promql,
    expand_sql,
    resolve,
    substitute_variables,
)
from tooling.process import skip_or_fail, wait_for
from tooling.web import http

ANSWERS = {**DEFAULTS, "monitoring": "prometheus-grafana", "database": "postgresql"}
# The app, what it depends on, and its monitoring; grafana only where the real images run (it has no
# stand-in in docker-kit).
SERVICES = ("app", "prometheus", "postgres-exporter", "reports", *(("grafana",) if real_images() else ()))
ITEMS = 5

# What each query should return once the app has answered some requests and stored ITEMS items.
# A new panel or rule is refused until it is given a line here.
ROWS = "rows"  # SQL: at least one row
DATA = "data"  # PromQL: a non-empty result
QUIET = "quiet"  # an alert rule's expression: empty on a healthy stack, i.e. the alert does not fire
EXPECTED = {
    "data-report / Items in total / A": ROWS,
    "data-report / Created in the selected range / A": ROWS,
    "data-report / Items created per day / A": ROWS,
    "data-report / Latest items / A": ROWS,
    "service / App instances up / A": DATA,
    "service / Database up / A": DATA,
    "service / Request rate / A": DATA,
    # 0 while nothing fails: a panel that says "No data" on a healthy service hides the answer.
    "service / Error rate (5xx share) / A": DATA,
    "service / Latency percentiles / A": DATA,
    "service / Latency percentiles / B": DATA,
    "service / Latency percentiles / C": DATA,
    "alerts.yml / AppDown": QUIET,
    "alerts.yml / HighErrorRate": QUIET,
    "alerts.yml / SlowRequests": QUIET,
    "alerts.yml / DatabaseDown": QUIET,
    "alerts.yml / ReportsStale": QUIET,
}


@pytest.fixture(scope="module")
def stack(cookies_session):
    """The production stack (without grafana where it cannot run), with ITEMS items created and a few
    requests answered."""
    require_docker()
    project = bake_with(cookies_session, {**ANSWERS, "project_slug": "stack-monitoring-queries"})
    with running_stack(project, ANSWERS, production=True, services=SERVICES) as (stack, _):
        api, auth = f"{stack.url('APP_PORT')}/api/items", stack.auth()
        assert [http("POST", api, {"name": f"reported {n}"}, headers=auth)[0] for n in range(ITEMS)] == [201] * ITEMS
        assert http("GET", f"{api}?per_page=10", headers=auth)[0] == 200
        assert http("GET", f"{api}/999999", headers=auth)[0] == 404
        yield stack


def queries(project, kind) -> list[Query]:
    """The project's queries of one kind, once EXPECTED has a line for each query and no other."""
    found = dashboard_queries(project) + alert_queries(project)
    names = {q.name for q in found}
    assert names <= set(EXPECTED), f"give these queries a line in EXPECTED: {sorted(names - set(EXPECTED))}"
    assert set(EXPECTED) <= names, f"EXPECTED names queries that are gone: {sorted(set(EXPECTED) - names)}"
    return [q for q in found if q.kind == kind]


def reporting_psql(stack, sql: str) -> tuple[list[str], list[list[str]]]:
    """(header, rows) of sql run as `reporting`, logged in with its password over TCP, as Grafana does."""
    password = (stack.project / "secrets/db_reporting_password.txt").read_text().strip()
    script = (
        'psql --host=127.0.0.1 --username=reporting --dbname="$POSTGRES_DB" '
        '--no-psqlrc -v ON_ERROR_STOP=1 --csv -c "$0"'
    )
    result = stack.compose("exec", "-T", "-e", f"PGPASSWORD={password}", "db", "sh", "-c", script, sql, check=False)
    assert result.returncode == 0 and not result.stderr.strip(), f"{sql}\n{result.stderr}"
    header, *rows = csv.reader(io.StringIO(result.stdout))
    return header, rows


def prometheus_query(stack, expr: str, over: tuple[datetime, datetime] | None = None) -> list:
    """The result of an instant query, or of a range query over (start, end) as a dashboard panel sends it.

    A query Prometheus refuses fails the test.
    """
    if over:
        params = {"query": expr, "start": over[0].timestamp(), "end": over[1].timestamp(), "step": 15}
        path = f"query_range?{urlencode(params)}"
    else:
        path = f"query?{urlencode({'query': expr})}"
    status, body = http("GET", f"{stack.url('PROMETHEUS_PORT')}/api/v1/{path}")
    assert status == 200 and body["status"] == "success", f"{expr}\n{body}"
    return body["data"]["result"]


@pytest.mark.docker
def test_every_dashboard_sql_query_runs_as_the_reporting_role(stack, figures):
    header, rows = reporting_psql(stack, "SELECT current_user, current_setting('transaction_read_only')")
    assert rows == [["reporting", "on"]]
    sql_queries = queries(stack.project, "grafana-postgresql-datasource")
    assert sql_queries, "the dashboards have no SQL query"
    # The macros give whole seconds, as Grafana's do: "now" a second later, so that the items the
    # fixture has just created (maybe in this very second) are inside the dashboards' time range.
    now = datetime.now(UTC) + timedelta(seconds=1)
    with_rows = 0
    for query in sql_queries:
        header, rows = reporting_psql(stack, expand_sql(query, now))
        if query.format == "time_series":
            # Grafana's time series format needs a column named time, the others numbers.
            assert "time" in header, f"{query.name}: no time column in {header}"
            assert all(float(v) >= 0 for row in rows for k, v in zip(header, row, strict=True) if k != "time")
        if EXPECTED[query.name] == ROWS:
            assert rows, f"{query.name} returned no row"
        with_rows += bool(rows)
    figures["dashboard SQL queries run as reporting / with rows"] = f"{len(sql_queries)} / {with_rows}"


@pytest.mark.docker
def test_every_promql_expression_evaluates_and_has_data_after_traffic(stack, figures):
    promql = {q.name: expand_promql(q, datetime.now(UTC)) for q in queries(stack.project, "prometheus")}
    expected = {name: EXPECTED[name] for name in promql}
    assert DATA in expected.values() and QUIET in expected.values()

    def results():
        return {name: prometheus_query(stack, expr) for name, expr in promql.items()}

    # rate() needs two scrapes (every 15 s) after the app target is found: wait up to a few of them.
    def all_data():
        found = results()
        return found if all(found[name] for name, want in expected.items() if want == DATA) else None

    found = wait_for(all_data, timeout=90, every=3) or results()
    empty = [name for name, want in expected.items() if want == DATA and not found[name]]
    assert not empty, f"no data from: {empty}"
    firing = {name: found[name] for name, want in expected.items() if want == QUIET and found[name]}
    assert not firing, f"alert expressions not empty on a healthy stack: {firing}"
    with_data = sum(bool(result) for result in found.values())
    # The panels' own request: a range query over the dashboard's time range.
    for query in dashboard_queries(stack.project):
        if query.kind == "prometheus":
            assert prometheus_query(stack, promql[query.name], over=resolve(query.time_range, datetime.now(UTC)))
    figures["PromQL expressions run (dashboards + alert rules) / with data"] = f"{len(promql)} / {with_data}"


@pytest.mark.docker
def test_reports_stale_fires_two_periods_after_the_last_successful_run(stack):
    """The reports service ran at start: its metric is scraped, and ReportsStale's own expression,
    evaluated as if three periods had passed since (time() moved on), fires; after one period, not."""
    (rule,) = [q for q in alert_queries(stack.project) if q.name == "alerts.yml / ReportsStale"]
    assert "time()" in rule.text

    def later(periods):
        return prometheus_query(stack, rule.text.replace("time()", f"(time() + {periods} * reports_period_seconds)"))

    assert wait_for(lambda: prometheus_query(stack, "reports_last_success_timestamp_seconds > 0"), timeout=60, every=3)
    assert later(3) and not later(1) and not prometheus_query(stack, rule.text)


@pytest.mark.docker
def test_prometheus_loaded_and_evaluates_every_alert_rule(stack):
    names = {q.name.split(" / ")[1] for q in alert_queries(stack.project)}

    def evaluated_rules():
        status, body = http("GET", f"{stack.url('PROMETHEUS_PORT')}/api/v1/rules")
        assert status == 200 and body["status"] == "success", body
        rules = {rule["name"]: rule for group in body["data"]["groups"] for rule in group["rules"]}
        # Until the first evaluation (every 15 s) lastEvaluation is the zero time.
        return rules if all(not r["lastEvaluation"].startswith("0001") for r in rules.values()) else None

    rules = wait_for(evaluated_rules, timeout=60, every=2)
    assert rules and set(rules) == names, f"loaded {rules and set(rules)}, the rule files have {names}"
    for name, rule in rules.items():
        assert rule["health"] == "ok" and not rule.get("lastError"), rule
        assert rule["state"] == "inactive", f"{name} is {rule['state']} on a healthy stack"


@pytest.mark.docker
def test_promtool_accepts_the_configuration_and_the_rules(stack, figures):
    outputs = []
    for check in (["config", "/etc/prometheus/prometheus.yml"], ["rules", "/etc/prometheus/alerts.yml"]):
        result = stack.compose("exec", "-T", "prometheus", "promtool", "check", *check, check=False)
        if result.returncode != 0 and "executable file not found" in result.stdout + result.stderr:
            skip_or_fail("REQUIRE_DOCKER", "the prometheus image has no promtool")
        assert result.returncode == 0, result.stdout + result.stderr
        outputs.append(result.stdout + result.stderr)
    rules = len(alert_queries(stack.project))
    assert f"SUCCESS: {rules} rules found" in outputs[1], outputs[1]
    version = stack.compose("exec", "-T", "prometheus", "promtool", "--version").stdout.split("\n")[0]
    figures["promtool check config + check rules"] = f"SUCCESS, {rules} rules ({version.strip()})"


def grafana_query(stack, query: Query) -> list[dict]:
    """The data frames Grafana's query API returns for a dashboard query, over its dashboard's range.

    Grafana's backend expands the macros itself; only the dashboard's template variables are filled in
    here, as Grafana's front end does before it sends a panel's query.
    """
    datasource = {"prometheus": "prometheus", "grafana-postgresql-datasource": "postgres-reporting"}[query.kind]
    text = substitute_variables(query.text, dict(query.variables))
    target = {"refId": "A", "datasource": {"uid": datasource}, "intervalMs": 15000, "maxDataPoints": 200}
    if query.kind == "prometheus":
        target |= {"expr": text, "range": True}
    else:
        target |= {"rawSql": text, "rawQuery": True, "editorMode": "code", "format": query.format or "table"}
    password = (stack.project / "secrets/grafana_admin_password.txt").read_text().strip()
    login = base64.b64encode(f"admin:{password}".encode()).decode()
    body = {"from": query.time_range[0], "to": query.time_range[1], "queries": [target]}
    status, answer = http(
        "POST", f"{stack.url('GRAFANA_PORT')}/api/ds/query", body, headers={"Authorization": f"Basic {login}"}
    )
    assert status == 200, f"{query.name}: Grafana answered {status}: {answer}"
    result = answer["results"]["A"]
    assert not result.get("error"), f"{query.name}: {result['error']}"
    return result.get("frames", [])


def frame_rows(frames: list[dict]) -> int:
    return sum(len((frame["data"]["values"] or [[]])[0]) for frame in frames)


@pytest.mark.docker
def test_grafana_itself_runs_every_dashboard_query_with_data(stack, figures):
    """Grafana provisioned from the project's files, asked for each panel's data (where it can run)."""
    if not real_images():
        pytest.skip("Grafana cannot run with docker-kit's stand-ins: the tests above run its queries instead")
    dashboards = dashboard_queries(stack.project)
    names = [q.name for q in dashboards]
    assert set(names) == {name for name in EXPECTED if not name.startswith("alerts.yml")}

    def answered():
        rows = {q.name: frame_rows(grafana_query(stack, q)) for q in dashboards}
        return rows if all(rows.values()) else None

    # Prometheus' rate() panels need two scrapes (every 15 s) before they have data.
    rows = wait_for(answered, timeout=90, every=5) or {q.name: frame_rows(grafana_query(stack, q)) for q in dashboards}
    assert all(rows.values()), f"Grafana returned no data for {[name for name, n in rows.items() if not n]}"
    figures["dashboard queries run by Grafana itself / with data"] = f"{len(rows)} / {sum(map(bool, rows.values()))}"


@pytest.mark.docker
def test_prometheus_is_the_version_compose_pins(stack):
    """The pinned Prometheus 3 where the real images run; the kit's stand-in (Debian's 2.x) elsewhere."""
    status, body = http("GET", f"{stack.url('PROMETHEUS_PORT')}/api/v1/status/buildinfo")
    assert status == 200, body
    running = body["data"]["version"]
    pinned = stack.compose("config", "--format", "json").stdout
    tag = json.loads(pinned)["services"]["prometheus"]["image"].rsplit(":v", 1)[1]
    if real_images():
        assert running == tag, f"Prometheus {running} runs, compose.yaml pins {tag}"
    else:
        assert running.split(".")[0] in ("2", tag.split(".")[0]), running
