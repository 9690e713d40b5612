"""The reports (reports/): the analysis in SQL on SQLite and PostgreSQL, the files of a run, the
swap of `latest`, the lock, the pruning, a failed run, the read-only session and the metrics."""

import base64
import csv
import io
import json
import os
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from threading import Thread
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import insert, text
from sqlalchemy.exc import DBAPIError

from {{ cookiecutter.package_name }}.config import Settings
from {{ cookiecutter.package_name }}.db import make_engine
from {{ cookiecutter.package_name }}.models import Item
from {{ cookiecutter.package_name }}.reports.access import BASIC_CHALLENGE
from {{ cookiecutter.package_name }}.reports.analysis import (
    analyse,
    least_squares,
)
from {{ cookiecutter.package_name }}.reports.charts import nice_maximum
from {{ cookiecutter.package_name }}.reports.runs import (
    ReportSettings,
    RunsBusy,
    read_only_engine,
    read_status,
    run_lock,
    run_once,
)
from {{ cookiecutter.package_name }}.reports.service import make_server

from .conftest import MakeToken

NOW = datetime.now(UTC)


def add_items(settings: Settings, days_ago: dict[int, int]) -> None:
    """days_ago[d] items created d days before now (UTC), in one statement."""
    rows = [
        {"name": f"item {d}-{i}", "created_at": NOW - timedelta(days=d)}
        for d, count in days_ago.items()
        for i in range(count)
    ]
    engine = make_engine(settings)
    with engine.begin() as connection:
        connection.execute(insert(Item), rows)
    engine.dispose()


@pytest.fixture
def reports(app: Flask, settings: Settings, tmp_path: Path) -> ReportSettings:
    """Empty reports folder; `app` empties the items table after each test."""
    return ReportSettings(folder=tmp_path / "reports", keep=3, days=30)


def test_least_squares_fits_a_line_exactly() -> None:
    trend = least_squares([1, 3, 5, 7])
    assert (trend.slope, trend.intercept) == (2.0, 1.0)
    assert least_squares([4]).at(0) == 4.0 and least_squares([]).slope == 0.0


def test_nice_maximum() -> None:
    assert [nice_maximum(v) for v in (0, 1, 3, 7, 11, 150, 999)] == [1, 1, 5, 10, 20, 200, 1000]


def test_analysis_counts_per_utc_day_in_sql(app: Flask, settings: Settings) -> None:
    add_items(settings, {0: 3, 1: 2, 29: 1, 30: 5, 45: 4})
    engine = read_only_engine(settings)
    with engine.connect() as connection:
        report = analyse(connection, NOW, days=30)
    engine.dispose()
    today = NOW.date()
    assert (
        len(report.days) == 30
        and report.days[-1] == today
        and report.days[0] == today - timedelta(days=29)
    )
    assert report.created[-1] == 3 and report.created[-2] == 2 and report.created[0] == 1
    assert report.created_in_period == 6  # 30 and 45 days ago are outside the window
    assert report.total_items == 15
    assert report.busiest_day == (today, 3)


def test_a_run_writes_the_files_and_swaps_latest(
    app: Flask, settings: Settings, reports: ReportSettings
) -> None:
    add_items(settings, {0: 4, 2: 1})
    name = run_once(settings, reports, "Reports")
    folder = reports.folder
    assert os.readlink(folder / "latest") == f"runs/{name}"
    rows = list(csv.reader(io.StringIO((folder / "latest/items_per_day.csv").read_text())))
    assert rows[0] == ["day", "created"] and len(rows) == 31
    assert rows[-1] == [NOW.date().isoformat(), "4"]
    data = json.loads((folder / "latest/report.json").read_text())
    assert data["created_in_period"] == 5 and data["items_per_day"][-1]["created"] == 4
    page = (folder / "latest/index.html").read_text()
    assert (
        "<svg" in page
        and "<script" not in page
        and "http"
        not in page.replace('xmlns="http://www.w3.org/2000/svg"', "").replace("http-equiv", "")
    )
    assert name in (folder / "index.html").read_text()
    assert json.loads((folder / "runs.json").read_text())["latest"] == name
    assert read_status(folder)["last_success"] > 0


def test_old_runs_are_pruned_and_latest_kept(
    app: Flask, settings: Settings, reports: ReportSettings
) -> None:
    names = [run_once(settings, reports, "Reports") for _ in range(5)]
    kept = sorted(p.name for p in (reports.folder / "runs").iterdir())
    assert kept == sorted(names[-3:])
    assert os.readlink(reports.folder / "latest") == f"runs/{names[-1]}"


def test_runs_never_overlap(app: Flask, settings: Settings, reports: ReportSettings) -> None:
    with run_lock(reports.folder, wait=False):
        with pytest.raises(RunsBusy):
            run_once(settings, reports, "Reports", wait=False)
        waiting = Thread(target=run_once, args=(settings, reports, "Reports"))
        waiting.start()
        waiting.join(0.5)
        assert waiting.is_alive()  # an on-demand run waits for the one in progress
    waiting.join(10)
    assert not waiting.is_alive() and (reports.folder / "latest").is_symlink()


def test_a_failed_run_keeps_the_last_good_one(
    app: Flask,
    settings: Settings,
    reports: ReportSettings,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    good = run_once(settings, reports, "Reports")
    unreachable = Settings(
        database_url=settings.database_url.set(database=str(tmp_path / "missing" / "none.db"))
        if settings.database_url.get_backend_name() == "sqlite"
        else settings.database_url.set(host="127.0.0.1", port=1),
        data_dir=tmp_path,
        secret_key="test",
        db_timeout=1,
    )
    with pytest.raises(DBAPIError):
        run_once(unreachable, reports, "Reports")
    assert os.readlink(reports.folder / "latest") == f"runs/{good}"
    assert [p.name for p in (reports.folder / "runs").iterdir()] == [good]
    status = read_status(reports.folder)
    assert status["last_failure"] >= status["last_success"]
    assert [r.message for r in caplog.records if r.levelname == "ERROR"][-1].startswith(
        "report run failed"
    )


def test_the_session_is_read_only(app: Flask, settings: Settings) -> None:
    engine = read_only_engine(settings)
    with engine.connect() as connection, pytest.raises(DBAPIError):
        connection.execute(text("INSERT INTO items (name) VALUES ('written by a report')"))
    engine.dispose()


def test_metrics_report_the_last_success(
    app: Flask, settings: Settings, reports: ReportSettings
) -> None:
    run_once(settings, reports, "Reports")
    server = make_server(reports, 0)
    Thread(target=server.serve_forever, daemon=True).start()
    try:
        port = server.server_address[1]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
            body = response.read().decode()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
            assert response.status == 200
    finally:
        server.shutdown()
    line = next(
        x for x in body.splitlines() if x.startswith("reports_last_success_timestamp_seconds ")
    )
    assert abs(float(line.split()[1]) - NOW.timestamp()) < 600
    assert "reports_period_seconds 3600.0" in body


def basic(token: str) -> dict[str, str]:
    """The browser's way: HTTP Basic, any user name, the token as the password."""
    return {"Authorization": "Basic " + base64.b64encode(f"reader:{token}".encode()).decode()}


def test_the_front_doors_check_needs_the_reports_scope(
    anonymous: FlaskClient, make_token: MakeToken
) -> None:
    reader = make_token("reports-reader", "reports:read")
    items_only = make_token("items-reader", "items:read")

    def check(headers: dict[str, str] | None = None) -> Any:
        return anonymous.get("/auth/reports", headers=headers or {})

    assert check({"Authorization": f"Bearer {reader}"}).status_code == 204
    assert check(basic(reader)).status_code == 204
    refused = check()
    assert refused.status_code == 401
    assert BASIC_CHALLENGE in refused.headers.getlist("WWW-Authenticate")
    assert check(basic("tok_0_wrong")).status_code == 401
    assert check(basic("")).status_code == 401
    lacking = check(basic(items_only))
    assert lacking.status_code == 403 and lacking.get_json()["status"] == 403
    # Basic is for the reports only: the API refuses it.
    api_reader = make_token("both", "items:read")
    assert anonymous.get("/api/items", headers=basic(api_reader)).status_code == 401
