"""One report run, written so that readers never see half of one:

    REPORTS_DIR/
      runs/20260105T100000Z/   one folder per run: index.html, items_per_day.csv, report.json
      latest -> runs/...       a symbolic link, replaced in one rename when a run is complete
      index.html, runs.json    the list of runs
      status.json              the last success and failure, which /metrics reports (service.py)
      .lock                    held while a run is written: two runs never overlap

A run is written into a hidden folder, renamed into runs/, and only then is `latest` swapped to it
(os.replace of a new link: atomic on POSIX). A failed run changes nothing but status.json, so the
last good run stays served. The oldest runs beyond REPORTS_KEEP are deleted.
"""

import fcntl
import json
import logging
import os
import shutil
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from string import Template

from sqlalchemy import Engine, create_engine
from sqlalchemy.pool import NullPool

from ..config import Settings, read_int
from .analysis import analyse
from .pages import write_run

log = logging.getLogger(__name__)

INDEX = Template("""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>$title: runs</title>
</head>
<body style="font-family: sans-serif">
<h1>$title</h1>
<p><a href="latest/index.html">The latest run</a></p>
<h2>Runs</h2>
<ul id="runs">
$items
</ul>
</body>
</html>
""")


@dataclass(frozen=True)
class ReportSettings:
    folder: Path
    # Seconds between two scheduled runs (service.py); the alert fires after two missed periods.
    every: int = 3600
    # Runs kept; older ones are deleted.
    keep: int = 48
    # Days the example analysis covers.
    days: int = 30

    @classmethod
    def from_env(cls, environ: Mapping[str, str], settings: Settings) -> "ReportSettings":
        folder = Path(environ.get("REPORTS_DIR") or settings.data_dir / "reports")
        return cls(
            folder=folder,
            every=max(read_int(environ, "REPORTS_EVERY", 3600), 1),
            keep=max(read_int(environ, "REPORTS_KEEP", 48), 1),
            days=max(read_int(environ, "REPORTS_DAYS", 30), 1),
        )


def read_only_engine(settings: Settings) -> Engine:
    """An engine whose sessions cannot write, in UTC. On PostgreSQL every transaction is read-only
    (the `reporting` role's are already; so for any role). SQLite opens the file read-only."""
    url = settings.database_url
    if url.get_backend_name() == "sqlite":
        path = Path(url.database or "").resolve()
        read_only = url.set(database=f"file:{path}?mode=ro").update_query_dict({"uri": "true"})
        return create_engine(
            read_only, poolclass=NullPool, connect_args={"timeout": settings.db_timeout}
        )
    options = "-c default_transaction_read_only=on -c timezone=UTC -c statement_timeout=60000"
    return create_engine(
        url,
        poolclass=NullPool,
        connect_args={"connect_timeout": settings.db_timeout, "options": options},
    )


class RunsBusy(RuntimeError):
    """Another run holds the lock."""


@contextmanager
def run_lock(folder: Path, wait: bool) -> Iterator[None]:
    """Held for the whole run; released by the kernel even if the process dies."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            raise RunsBusy("a report run is already in progress") from None
        yield


def write_json(path: Path, data: object) -> None:
    """Written aside, then renamed over the old file: readers see the old or the new one."""
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    os.replace(partial, path)


def read_status(folder: Path) -> dict[str, float]:
    try:
        data = json.loads((folder / "status.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {key: float(value) for key, value in data.items() if isinstance(value, int | float)}


def record(folder: Path, outcome: str, **figures: float) -> None:
    status = read_status(folder)
    status[f"last_{outcome}"] = time.time()
    status.update(figures)
    write_json(folder / "status.json", status)


def list_runs(folder: Path) -> list[str]:
    runs = folder / "runs"
    return (
        sorted((p.name for p in runs.iterdir() if not p.name.startswith(".")), reverse=True)
        if runs.is_dir()
        else []
    )


def write_index(folder: Path, title: str) -> None:
    runs = list_runs(folder)
    write_json(folder / "runs.json", {"latest": runs[0] if runs else None, "runs": runs})
    items = "\n".join(
        f'<li><a href="runs/{escape(r)}/index.html">{escape(r)}</a></li>' for r in runs
    )
    page = INDEX.substitute(title=escape(title), items=items)
    partial = folder / ".index.html.partial"
    partial.write_text(page, encoding="utf-8")
    os.replace(partial, folder / "index.html")


def prune(folder: Path, keep: int) -> None:
    latest = os.readlink(folder / "latest") if (folder / "latest").is_symlink() else ""
    for name in list_runs(folder)[keep:]:
        if f"runs/{name}" != latest:
            shutil.rmtree(folder / "runs" / name, ignore_errors=True)
    for partial in (folder / "runs").glob(".*"):  # what a killed run left behind
        shutil.rmtree(partial, ignore_errors=True)


def run_once(settings: Settings, reports: ReportSettings, title: str, wait: bool = True) -> str:
    """Build one run and make it `latest`; return its name. Raises if the data cannot be read
    (then nothing served changes, and status.json records the failure)."""
    folder = reports.folder
    with run_lock(folder, wait):
        started = time.monotonic()
        now = datetime.now(UTC)
        name = now.strftime("%Y%m%dT%H%M%S%fZ")
        try:
            engine = read_only_engine(settings)
            try:
                with engine.connect() as connection:
                    report = analyse(connection, now, reports.days)
            finally:
                engine.dispose()
            (folder / "runs").mkdir(exist_ok=True)
            partial = folder / "runs" / f".{name}"
            partial.mkdir()
            write_run(report, partial, title)
            os.replace(partial, folder / "runs" / name)
            link = folder / ".latest.partial"
            link.unlink(missing_ok=True)
            link.symlink_to(f"runs/{name}")
            os.replace(link, folder / "latest")
            prune(folder, reports.keep)
            write_index(folder, title)
        except Exception as error:
            record(folder, "failure")
            # One line (the JSON log format puts the traceback into its "exception" field).
            log.error("report run failed: %s", error, exc_info=True)
            raise
        seconds = time.monotonic() - started
        record(folder, "success", last_duration_seconds=seconds)
        log.info("report run %s written in %.2f s", name, seconds)
        return name
