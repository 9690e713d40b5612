from pathlib import Path

import pytest
from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families

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
