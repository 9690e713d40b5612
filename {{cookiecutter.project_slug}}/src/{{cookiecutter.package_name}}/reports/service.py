"""The `reports` service: a run at start and every REPORTS_EVERY seconds, and a small HTTP server on
PORT for the healthcheck (/healthz) and Prometheus (/metrics).

The schedule is a loop with a timer rather than a scheduler library: one interval is all it needs,
and runs started by hand (`make report`, another process) take the same lock (runs.py). The metrics
are read from status.json at each scrape, so they count those runs too.
"""

import logging
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from ..config import Settings
from .runs import ReportSettings, RunsBusy, read_status, run_once

log = logging.getLogger(__name__)


class StatusCollector(Collector):
    """The figures of status.json, as gauges."""

    def __init__(self, reports: ReportSettings) -> None:
        self.reports = reports

    def collect(self) -> Iterator[GaugeMetricFamily]:
        status = read_status(self.reports.folder)
        yield GaugeMetricFamily(
            "reports_last_success_timestamp_seconds",
            "When the last report run succeeded (Unix time; 0: never)",
            value=status.get("last_success", 0.0),
        )
        yield GaugeMetricFamily(
            "reports_last_failure_timestamp_seconds",
            "When the last report run failed (Unix time; 0: never)",
            value=status.get("last_failure", 0.0),
        )
        yield GaugeMetricFamily(
            "reports_last_duration_seconds",
            "How long the last successful run took",
            value=status.get("last_duration_seconds", 0.0),
        )
        yield GaugeMetricFamily(
            "reports_period_seconds",
            "Seconds between two scheduled runs (REPORTS_EVERY)",
            value=self.reports.every,
        )


def make_server(reports: ReportSettings, port: int) -> ThreadingHTTPServer:
    registry = CollectorRegistry()
    registry.register(StatusCollector(reports))

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
            if self.path == "/metrics":
                body, content_type = generate_latest(registry), CONTENT_TYPE_LATEST
            elif self.path == "/healthz":
                body, content_type = b'{"status": "ok"}\n', "application/json"
            else:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass  # probes and scrapes every few seconds would drown the runs' lines

    return ThreadingHTTPServer(("0.0.0.0", port), Handler)  # noqa: S104 (inside the network only)


def serve(settings: Settings, reports: ReportSettings, title: str, port: int) -> None:
    server = make_server(reports, port)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    log.info(
        "reports: a run every %d s into %s; /metrics on port %d",
        reports.every,
        reports.folder,
        port,
    )
    stop = threading.Event()
    while not stop.is_set():
        try:
            run_once(settings, reports, title, wait=False)
        except RunsBusy:
            log.info("a run is already in progress: this one is skipped")
        except Exception:  # noqa: BLE001, S110 (logged by run_once; the next period tries again)
            pass
        stop.wait(reports.every)
