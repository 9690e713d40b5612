from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from prometheus_client.parser import text_string_to_metric_families

from {{ cookiecutter.package_name }}.metrics import METHODS

from .conftest import Create


def sample(client: FlaskClient, name: str, **labels: str) -> float:
    """The current value of one metric sample, or 0 when it does not exist yet."""
    response = client.get("/metrics")
    assert response.status_code == 200
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for s in family.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                return s.value
    return 0


def test_metrics_is_prometheus_text(client: FlaskClient) -> None:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.content_type.startswith("text/plain")
    assert "# TYPE http_requests_total counter" in response.get_data(as_text=True)


def test_requests_are_counted_by_route_and_status(client: FlaskClient, create: Create) -> None:
    labels = {"method": "POST", "endpoint": "/api/items", "status": "201"}
    before = sample(client, "http_requests_total", **labels)
    create("one")
    create("two")
    assert sample(client, "http_requests_total", **labels) == before + 2


def test_routes_not_raw_paths_are_labels(client: FlaskClient) -> None:
    client.get("/api/items/12345")
    client.get("/no/such/path")
    item_route = "/api/items/<int:item_id>"
    assert sample(client, "http_requests_total", endpoint=item_route, status="404") >= 1
    assert sample(client, "http_requests_total", endpoint="unmatched", status="404") >= 1
    assert sample(client, "http_requests_total", endpoint="/no/such/path") == 0


def test_latency_histogram_observes_requests(client: FlaskClient) -> None:
    count = "http_request_duration_seconds_count"
    before = sample(client, count, method="GET", endpoint="/healthz")
    client.get("/healthz")
    after = sample(client, count, method="GET", endpoint="/healthz")
    assert after == before + 1


def test_metrics_add_up_the_workers_files_under_gunicorn(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # gunicorn.conf.py sets PROMETHEUS_MULTIPROC_DIR; no worker has written there yet.
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    response = client.get("/metrics")
    assert response.status_code == 200
    assert "http_requests_total" not in response.get_data(as_text=True)


def series(client: FlaskClient) -> set[tuple[str, str, str]]:
    """The (method, endpoint, status) of every http_requests_total series."""
    text = client.get("/metrics").get_data(as_text=True)
    return {
        (s.labels["method"], s.labels["endpoint"], s.labels["status"])
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == "http_requests_total"
    }


TOKEN = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ_-!#$%&'*+.^`|~", min_size=1, max_size=12)
PATH = st.lists(st.text(alphabet="abcz019-_.~%", min_size=1, max_size=10), max_size=4)


@pytest.fixture
def series_before(client: FlaskClient) -> set[tuple[str, str, str]]:
    return series(client)


METHOD = st.one_of(TOKEN, st.sampled_from(sorted(METHODS)))
PREFIX = st.sampled_from(["", "/api/items"])


# The fixtures are made once for all examples: series_before is the series before the first.
@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(method=METHOD, parts=PATH, prefix=PREFIX)
def test_invented_methods_and_paths_leave_the_series_bounded(
    app: Flask,
    client: FlaskClient,
    series_before: set[tuple[str, str, str]],
    method: str,
    parts: list[str],
    prefix: str,
) -> None:
    """Whatever method and path a client sends, every label stays in its bounded set, so the
    requests add at most 8 methods x (routes + 1) endpoints x the statuses the app answers."""
    client.open(prefix + "/" + "/".join(parts), method=method)
    added = series(client) - series_before
    routes = {rule.rule for rule in app.url_map.iter_rules()} | {"unmatched"}
    assert {m for m, _, _ in added} <= METHODS | {"other"}
    assert {e for _, e, _ in added} <= routes
    assert all(s == "other" or 100 <= int(s) <= 599 for _, _, s in added)
    assert len(added) <= 8 * len(routes) * 12, len(added)  # 12: more statuses than the app answers
