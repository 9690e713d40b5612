from prometheus_client.parser import text_string_to_metric_families


def sample(client, name, **labels):
    """The current value of one metric sample, or 0 when it does not exist yet."""
    response = client.get("/metrics")
    assert response.status_code == 200
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for s in family.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                return s.value
    return 0


def test_metrics_is_prometheus_text(client):
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.content_type.startswith("text/plain")
    assert "# TYPE http_requests_total counter" in response.get_data(as_text=True)


def test_requests_are_counted_by_route_and_status(client, create):
    labels = {"method": "POST", "endpoint": "/api/items", "status": "201"}
    before = sample(client, "http_requests_total", **labels)
    create("one")
    create("two")
    assert sample(client, "http_requests_total", **labels) == before + 2


def test_routes_not_raw_paths_are_labels(client):
    client.get("/api/items/12345")
    client.get("/no/such/path")
    item_route = "/api/items/<int:item_id>"
    assert sample(client, "http_requests_total", endpoint=item_route, status="404") >= 1
    assert sample(client, "http_requests_total", endpoint="unmatched", status="404") >= 1
    assert sample(client, "http_requests_total", endpoint="/no/such/path") == 0


def test_latency_histogram_observes_requests(client):
    count = "http_request_duration_seconds_count"
    before = sample(client, count, method="GET", endpoint="/healthz")
    client.get("/healthz")
    after = sample(client, count, method="GET", endpoint="/healthz")
    assert after == before + 1
