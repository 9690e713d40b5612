"""The reports service: one report run at 100,000 and 1,000,000 items, side by side with the naive way
(called by benchmarks.compare; `make bench`; `make bench-quick` runs 10,000 items only).

The default project in production mode (compose.yaml), only db, migrate and reports started. For each
size the items table is filled in SQL (generate_series, created over the last 60 days), then, inside the
reports container, as its user and with its read-only role:
- "report run": `python -m <package> report run`, the real thing (SQL GROUP BY day, the files written,
  `latest` swapped);
- "naive": every row loaded into Python as an ORM object, counted per day there.
Each in a fresh process: wall time, and the process's peak RSS (getrusage). The naive way would be
killed at the service's 256 MiB limit on the larger sizes: the container's limit is lifted to 4 GiB
for it (docker update), so that its figure can be read at all.
The reports run in the app's own image (compose.yaml): the image added for them is 0 bytes.
Asserts nothing: tests/docker/test_proxy.py checks behaviour; this measures.
"""

import json
import os
import tempfile
import uuid
from pathlib import Path

from cookiecutter.main import cookiecutter

from tooling.docker import docker, external_images, provide
from tooling.paths import TEMPLATE
from tooling.postgres import free_port
from tooling.process import run

SIZES = (100_000, 1_000_000)
QUICK_SIZES = (10_000,)
GOAL = "at 1,000,000 items: at most 10 s and 200 MiB, about the same memory at both sizes"

PROBE = """
import importlib, json, resource, sys, time
from collections import Counter
from datetime import UTC
from sqlalchemy import select
from sqlalchemy.orm import Session
way, package = sys.argv[1], sys.argv[2]
command = importlib.import_module(package + ".__main__")
importlib.import_module(package + ".reports.service")
Settings = importlib.import_module(package + ".config").Settings
Item = importlib.import_module(package + ".models").Item
read_only_engine = importlib.import_module(package + ".reports.runs").read_only_engine
started = time.monotonic()  # the imports above are not counted: the service has them loaded
rows = None
if way == "report run":
    assert command.main(["report", "run"]) == 0
else:
    with Session(read_only_engine(Settings.from_env())) as session:
        items = session.scalars(select(Item)).all()
        per_day = Counter(
            (i.created_at if i.created_at.tzinfo else i.created_at.replace(tzinfo=UTC)).astimezone(UTC).date()
            for i in items
        )
    rows = sum(per_day.values())
seconds = time.monotonic() - started
peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
print(json.dumps({"seconds": round(seconds, 2), "peak_mib": round(peak_mib, 1), "rows": rows}))
"""

FILL = """
TRUNCATE items RESTART IDENTITY;
INSERT INTO items (name, created_at)
SELECT 'item ' || g, now() - (g % 60) * interval '1 day' - (g % 86400) * interval '1 second'
FROM generate_series(1, {size}) AS g;
ANALYZE items;
"""


def measure_reports(quick: bool) -> dict:
    """{size: {"report run": figures, "naive": figures}}"""
    sizes = QUICK_SIZES if quick else SIZES
    results = {}
    with tempfile.TemporaryDirectory() as out:
        path = Path(
            cookiecutter(str(TEMPLATE), no_input=True, output_dir=out, extra_context={"project_slug": "bench-reports"})
        )
        provide("provide", *external_images(path))
        package = "bench_reports"
        ports = {name: free_port() for name in ("HTTP_PORT", "HTTPS_PORT", "PROMETHEUS_PORT")}
        env = {
            **os.environ,
            **{name: str(port) for name, port in ports.items()},
            "COMPOSE_PROJECT_NAME": f"pde-bench-reports-{uuid.uuid4().hex[:8]}",
            "COMPOSE_FILE": "compose.yaml",
        }

        def compose(*args, check=True, timeout=900):
            return run(["docker", "compose", *args], cwd=path, env=env, check=check, timeout=timeout)

        try:
            compose("build", "app")  # the reports run the app's image, which the app service builds
            compose("up", "--detach", "--wait", "reports")
            container = json.loads(compose("ps", "--format", "json", "reports").stdout.splitlines()[0])["Name"]
            for size in sizes:
                print(f"reports: {size} items", flush=True)
                sql = FILL.format(size=size)
                script = 'psql --username="$POSTGRES_USER" --dbname="$POSTGRES_DB" -v ON_ERROR_STOP=1 -qc "$0"'
                compose("exec", "-T", "db", "sh", "-c", script, sql)
                figures = {}
                for way in ("report run", "naive"):
                    if way == "naive":
                        docker("update", "--memory", "4g", "--memory-swap", "4g", container)
                    result = compose("exec", "-T", "reports", "python", "-c", PROBE, way, package, check=False)
                    if result.returncode != 0:
                        figures[way] = {"failed": result.returncode, "stderr": result.stderr[-400:]}
                    else:
                        figures[way] = json.loads(result.stdout.strip().splitlines()[-1])
                    if way == "naive":
                        docker("update", "--memory", "256m", "--memory-swap", "256m", container)
                results[size] = figures
        finally:
            images = json.loads(compose("config", "--format", "json").stdout)["services"]
            built = [s["image"] for s in images.values() if "build" in s and "image" in s]
            compose("down", "--volumes", "--timeout", "10", check=False)
            docker("image", "rm", "--force", *built, check=False)
    return results


def table(results: dict) -> str:
    lines = [
        f"Reports: one run in the reports container (goal {GOAL}); the reports add 0 MB of image (the app's image)",
        "",
        "| items | report run (SQL GROUP BY) s | its peak RSS MiB | naive (rows into Python) s | its peak RSS MiB |",
        "|---|---|---|---|---|",
    ]
    for size, figures in results.items():
        cells = []
        for way in ("report run", "naive"):
            f = figures[way]
            cells += [str(f["seconds"]), str(f["peak_mib"])] if "seconds" in f else [f"failed ({f['failed']})", "-"]
        lines.append(f"| {size:,} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    import sys

    print(table(measure_reports("--quick" in sys.argv)))
