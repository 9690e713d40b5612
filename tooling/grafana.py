"""What Grafana would run: the queries of a project's provisioned dashboards and its alert rules.

Grafana cannot run on the CI machines (no image), so the tests run its queries themselves: the SQL
against the stack's PostgreSQL, the PromQL against its Prometheus. Before Grafana sends a query it
fills in its variables and, for SQL, expands its macros: `expand_sql` and `expand_promql` do the same
for the macros in MACROS and the variables in VARIABLES. Anything they do not know is left in
place and refused, so a dashboard that starts using a new macro makes the expander learn it.
"""

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml


@dataclass(frozen=True)
class Query:
    """One query: where it comes from ("service / Request rate / A"), its datasource type and text."""

    name: str
    kind: str  # "prometheus" or "grafana-postgresql-datasource"
    text: str
    format: str = ""  # SQL only: "table" or "time_series"
    time_range: tuple[str, str] = ("now-1h", "now")  # the dashboard's default range
    variables: tuple[tuple[str, str], ...] = ()  # the dashboard's template variables, at their current value


def datasource_types(project: Path) -> dict[str, str]:
    """uid -> type of the provisioned datasources."""
    path = project / "docker/grafana/provisioning/datasources/datasources.yaml"
    return {source["uid"]: source["type"] for source in yaml.safe_load(path.read_text())["datasources"]}


def panels(items: list[dict]):
    """Every panel, including those inside rows."""
    for panel in items:
        yield panel
        yield from panels(panel.get("panels", []))


def dashboard_queries(project: Path) -> list[Query]:
    """Every target of every provisioned dashboard, with the type of the datasource it uses."""
    types = datasource_types(project)
    queries = []
    for path in sorted((project / "docker/grafana/dashboards").glob("*.json")):
        dashboard = json.loads(path.read_text())
        time_range = (dashboard["time"]["from"], dashboard["time"]["to"])
        variables = tuple(
            (variable["name"], str(variable.get("current", {}).get("value", "")))
            for variable in dashboard.get("templating", {}).get("list", [])
        )
        for panel in panels(dashboard["panels"]):
            for target in panel.get("targets", []):
                kind = types[target.get("datasource", panel.get("datasource"))["uid"]]
                text = target["expr"] if kind == "prometheus" else target["rawSql"]
                name = f"{path.stem} / {panel['title']} / {target['refId']}"
                queries.append(Query(name, kind, text, target.get("format", ""), time_range, variables))
    return queries


def alert_queries(project: Path) -> list[Query]:
    """The expression of every rule in the project's Prometheus rule files."""
    config = yaml.safe_load((project / "docker/prometheus/prometheus.yml").read_text())
    queries = []
    for rule_file in config.get("rule_files", []):
        path = project / "docker/prometheus" / Path(rule_file).name  # mounted at /etc/prometheus
        for group in yaml.safe_load(path.read_text())["groups"]:
            for rule in group["rules"]:
                name = f"{path.name} / {rule.get('alert') or rule['record']}"
                queries.append(Query(name, "prometheus", rule["expr"].strip()))
    return queries


# Grafana's global variables, as it would fill them in for a panel about 1000 pixels wide over the
# dashboard's range ($__interval is range / width, so these are typical values, not exact ones).
VARIABLES = {
    "__interval": "1m",
    "__interval_ms": "60000",
    # Four scrape intervals (15 s), Grafana's rule for the range of rate().
    "__rate_interval": "1m",
}
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def seconds(duration: str) -> int:
    """'5m' -> 300 (Grafana's interval syntax, quoted or not)."""
    number, unit = re.fullmatch(r"'?(\d+)([smhdw])'?", duration.strip()).groups()
    return int(number) * _UNITS[unit]


def resolve(time_range: tuple[str, str], now: datetime) -> tuple[datetime, datetime]:
    """('now-30d', 'now') -> the two instants."""

    def instant(text: str) -> datetime:
        match = re.fullmatch(r"now(?:-(\d+[smhdw]))?", text)
        assert match, f"the expander does not know the time {text!r}"
        return now - timedelta(seconds=seconds(match.group(1))) if match.group(1) else now

    return instant(time_range[0]), instant(time_range[1])


def _rfc3339(moment: datetime) -> str:
    return f"'{moment.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}'"


def _epoch(moment: datetime) -> str:
    return str(int(moment.timestamp()))


def _group(column: str, interval: str, *fill: str) -> str:
    # Grafana's fill argument (NULL, previous, 0) changes what it does with the rows, not the SQL.
    return f"floor(extract(epoch from {column})/{seconds(interval)})*{seconds(interval)}"


# Grafana's PostgreSQL macros (pkg/tsdb/grafana-postgresql-datasource/macros.go): name -> SQL,
# from the time range (start, end) and the macro's arguments.
MACROS = {
    "__time": lambda r, column: f'{column} AS "time"',
    "__timeEpoch": lambda r, column: f'extract(epoch from {column}) AS "time"',
    "__timeFilter": lambda r, column: f"{column} BETWEEN {_rfc3339(r[0])} AND {_rfc3339(r[1])}",
    "__timeFrom": lambda r: _rfc3339(r[0]),
    "__timeTo": lambda r: _rfc3339(r[1]),
    "__timeGroup": lambda r, *args: _group(*args),
    "__timeGroupAlias": lambda r, *args: f'{_group(*args)} AS "time"',
    "__unixEpochFilter": lambda r, column: f"{column} >= {_epoch(r[0])} AND {column} <= {_epoch(r[1])}",
    "__unixEpochFrom": lambda r: _epoch(r[0]),
    "__unixEpochTo": lambda r: _epoch(r[1]),
}


def substitute_variables(text: str, variables: dict[str, str]) -> str:
    """$name and ${name} replaced by their values; macros ($__name(...)) and unknown names left alone."""

    def value(match):
        name = match.group(1) or match.group(2)
        return variables.get(name, match.group(0))

    return re.sub(r"\$\{(\w+)\}|\$(\w+)(?![\w(])", value, text)


def expand_sql(query: Query, now: datetime) -> str:
    """The SQL Grafana's PostgreSQL datasource would send for this query over its dashboard's range."""
    time_range = resolve(query.time_range, now)
    text = substitute_variables(query.text, {**VARIABLES, **dict(query.variables)})

    def macro(match):
        name, args = match.group(1), [a.strip() for a in match.group(2).split(",") if a.strip()]
        assert name in MACROS, f"{query.name}: the expander does not know the macro ${name}()"
        return MACROS[name](time_range, *args)

    text = re.sub(r"\$(__\w+)\(([^()]*)\)", macro, text)
    assert "$__" not in text, f"{query.name}: a macro or variable is left unexpanded: {text}"
    return text


def expand_promql(query: Query, now: datetime) -> str:
    """The PromQL Grafana would send: its variables filled in ($__range is the dashboard's range)."""
    start, end = resolve(query.time_range, now)
    known = {**VARIABLES, "__range": f"{int((end - start).total_seconds())}s", **dict(query.variables)}
    text = substitute_variables(query.text, known)
    assert "$" not in text, f"{query.name}: a variable is left unexpanded: {text}"
    return text
