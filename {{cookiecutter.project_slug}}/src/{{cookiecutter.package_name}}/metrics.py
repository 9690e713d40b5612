"""Prometheus metrics: request counts and latencies, served at /metrics.

Under gunicorn every worker is its own process. gunicorn.conf.py sets PROMETHEUS_MULTIPROC_DIR,
so each worker writes its numbers to files there and /metrics adds them up across all workers.
"""

import os
import time
from http import HTTPStatus

from flask import Flask, Response, g, request
from flask_openapi3.blueprint import APIBlueprint
from flask_openapi3.models.tag import Tag
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

from .schemas import REQUEST_ID, error_responses

REQUESTS = Counter(
    "http_requests_total", "HTTP requests answered", ["method", "endpoint", "status"]
)
LATENCY = Histogram(
    "http_request_duration_seconds", "Time spent answering HTTP requests", ["method", "endpoint"]
)

# Every label takes a bounded set of values, whatever clients send: a method outside this set
# counts as "other", a path that matches no route as the endpoint "unmatched", a status outside
# HTTP's registry as "other". So the number of series is at most 8 methods x (routes + 1) x
# statuses, and /metrics cannot be grown by invented requests.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
STATUSES = frozenset(str(status.value) for status in HTTPStatus)


def method_label(method: str) -> str:
    return method if method in METHODS else "other"


def status_label(status: int) -> str:
    return str(status) if str(status) in STATUSES else "other"


bp = APIBlueprint("metrics", __name__, abp_tags=[Tag(name="probes")])
PROMETHEUS_TEXT = {
    "description": "the metrics, in Prometheus' text format",
    "headers": REQUEST_ID,
    "content": {CONTENT_TYPE_LATEST.split(";")[0]: {"schema": {"type": "string"}}},
}


@bp.get("/metrics", operation_id="metrics", responses={200: PROMETHEUS_TEXT, **error_responses()})
def metrics() -> Response:
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]  # untyped __init__
    else:
        registry = REGISTRY
    return Response(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)


def init_app(app: Flask) -> None:
    @app.before_request
    def _start_timer() -> None:
        g.request_started = time.perf_counter()

    @app.after_request
    def _record(response: Response) -> Response:
        # The route pattern (/api/items/<int:item_id>), never the raw path: one series per route.
        endpoint = request.url_rule.rule if request.url_rule else "unmatched"
        method = method_label(request.method)
        REQUESTS.labels(method, endpoint, status_label(response.status_code)).inc()
        started = g.get("request_started")
        if started is not None:
            LATENCY.labels(method, endpoint).observe(time.perf_counter() - started)
        return response
