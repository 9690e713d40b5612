"""The default project's Dockerfile side by side with three reference Dockerfiles, in one run.

    .venv/bin/python -m benchmarks.compare [--quick] [--runs N] [--out build/bench] [--base COMMIT]
    # or: make bench [BASE=COMMIT]

References (in benchmarks/): naive.Dockerfile (tutorial style: COPY . ., then pip install),
docker-init.Dockerfile (`docker init` style: pip cache mount, bind-mounted requirements, one stage)
and uv.Dockerfile (uv's recommended shape: uv copied in, bytecode compiled, cache mount, one stage).
Each is built from the same baked default project (same requirements.txt, same source, same base).
Every figure is the median of --runs runs (3; --quick: 1 run and 3 s of load), with its ratio to
the uv-shape figure. Builds: cold (builder cache and cache mounts pruned, so everything
comes from PyPI), no change, after a source edit, after adding one requirement to requirements.in
(re-locked before the clock starts). Size: bytes the image adds over its base, and the floor
(installed packages as pip installs them + the app's source). Stack: `docker compose up --wait` of
compose.yaml (images built, fresh volumes) to every service healthy, the app healthy after the db
(from the engine's health events), `docker compose stop app`. Serving: wrk, 32 connections,
GET and POST /api/items on 127.0.0.1, with an API token. Then the front door against gunicorn directly, in one stack
(benchmarks/proxy.py), and one report run at 100,000 and 1,000,000 items against the naive way
(benchmarks/reports.py); with --base COMMIT, the default project of the template at an older commit served
alike (benchmarks/base_commit.py). Prints Markdown tables; writes them and a JSON file to --out.

It prunes the engine's whole build cache before each cold build. Asserts nothing: the tests check
behaviour; this measures.
"""

import argparse
import json
import statistics
import tempfile
import uuid
from pathlib import Path

from cookiecutter.main import cookiecutter

from tooling.docker import (
    base_images,
    docker,
    external_images,
    inspect,
    provide,
    require_docker,
)
from tooling.locks import LOCKS, make_lock
from tooling.paths import TEMPLATE

from . import base_commit, inner_loop, proxy, reports
from .serving import CONNECTIONS, build, measure_stack

HERE = Path(__file__).resolve().parent
DOCKERFILES = {  # name -> Dockerfile (None: the project's own); the last is the reference for ratios
    "template": None,
    "naive": HERE / "naive.Dockerfile",
    "docker-init": HERE / "docker-init.Dockerfile",
    "uv": HERE / "uv.Dockerfile",
}
REFERENCE = "uv"
ADDED_REQUIREMENT = "six>=1.17"  # small, pure Python, no dependencies of its own
EDITED_SOURCE = "src/my_service/health.py"


class Project:
    """The baked default project, whose files the benchmark edits and puts back."""

    def __init__(self, path: Path):
        self.path = path
        self.built: set[str] = set()  # every image id built, removed at the end (a rebuild leaves the old one untagged)
        self.base = base_images(path / "Dockerfile")[-1]  # the last FROM image: the runtime base
        self.uv = next(image for image in base_images(path / "Dockerfile") if "/uv:" in image)
        self.originals = {name: (path / name).read_text() for name in (EDITED_SOURCE, "requirements.in", *LOCKS)}
        # The locks with one more requirement, compiled once, before any clock starts.
        (path / "requirements.in").write_text(self.originals["requirements.in"] + ADDED_REQUIREMENT + "\n")
        make_lock(path)
        self.with_added = {name: (path / name).read_text() for name in ("requirements.in", *LOCKS)}
        self.restore()

    def restore(self):
        for name, text in self.originals.items():
            (self.path / name).write_text(text)

    def edit_source(self):
        source = self.path / EDITED_SOURCE
        source.write_text(source.read_text() + f"\n# edited {uuid.uuid4().hex}\n")

    def add_requirement(self):
        for name, text in self.with_added.items():
            (self.path / name).write_text(text)


def measure_builds(project: Project, name: str, tag: str) -> dict:
    dockerfile = DOCKERFILES[name]
    project.restore()
    docker("builder", "prune", "--all", "--force", timeout=600)  # layers and cache mounts alike
    figures = {"cold build s": build(project, dockerfile, tag)}
    figures["no-change rebuild s"] = build(project, dockerfile, tag)
    project.edit_source()
    figures["source-edit rebuild s"] = build(project, dockerfile, tag)
    project.add_requirement()
    figures["add-requirement rebuild s"] = build(project, dockerfile, tag)
    project.restore()
    build(project, dockerfile, tag)  # the image measured below and run in the stack: the project as baked
    figures["MB added over the base"] = (inspect("image", tag)["Size"] - inspect("image", project.base)["Size"]) / 1e6
    return figures


def floor_mb(project: Project) -> float:
    """Installed packages (pip's install, .pyc included, in the base image) + the app's source, in MB."""
    script = (
        "pip install --quiet --no-cache-dir --target /tmp/floor -r /src/requirements.txt >&2 && "
        'python3 -c "import os; print(sum(os.path.getsize(os.path.join(d, f)) '
        "for d, _, fs in os.walk('/tmp/floor') for f in fs if not os.path.islink(os.path.join(d, f))))\""
    )
    packages = int(
        docker(
            "run", "--rm", "-v", f"{project.path}:/src:ro", project.base, "sh", "-c", script, timeout=600
        ).stdout.split()[-1]
    )
    source = [project.path / n for n in ("gunicorn.conf.py", "alembic.ini")]
    source += [p for folder in ("src", "docker/app") for p in (project.path / folder).rglob("*") if p.is_file()]
    return (packages + sum(p.stat().st_size for p in source)) / 1e6


def median_figures(runs: list[dict]) -> dict:
    return {key: statistics.median(r[key] for r in runs if key in r) for key in runs[0]}


def table(results: dict, floor: float) -> str:
    names = list(DOCKERFILES)
    lines = ["| figure | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    reference = results[REFERENCE]
    for key in reference:
        cells = []
        for name in names:
            value = results[name].get(key)
            if value is None:
                cells.append("n/a")
                continue
            text = f"{value:.0f}" if abs(value) >= 100 else f"{value:.2f}"
            base = reference.get(key)
            if name != REFERENCE and base and "non-2xx" not in key:
                text += f" ({value / base:.2f}x)"
            cells.append(text)
        lines.append(f"| {key} | " + " | ".join(cells) + " |")
    cells = [f"{results[n]['MB added over the base'] / floor:.2f}x" for n in names]
    lines.append(f"| MB added / floor ({floor:.1f} MB) | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one run, 3 s of load: proves it works")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=20, help="seconds of load per endpoint")
    parser.add_argument("--out", type=Path, default=Path("build/bench"))
    parser.add_argument("--base", metavar="COMMIT", help="also serve the default project of the template at COMMIT")
    options = parser.parse_args()
    runs, seconds = (1, 3) if options.quick else (options.runs, options.seconds)
    require_docker()
    with tempfile.TemporaryDirectory() as out:
        path = Path(cookiecutter(str(TEMPLATE), no_input=True, output_dir=out))
        provide("provide", *external_images(path))
        project = Project(path)
        tags = {name: f"py-docker-env-bench-{name}-{uuid.uuid4().hex[:8]}:latest" for name in DOCKERFILES}
        per_run = {name: [] for name in DOCKERFILES}
        try:
            floor = floor_mb(project)
            for number in range(runs):
                for name in DOCKERFILES:  # interleaved, so a slow moment of the machine hits all alike
                    print(f"run {number + 1}/{runs}: {name}", flush=True)
                    figures = measure_builds(project, name, tags[name])
                    figures.update(measure_stack(project, tags[name], seconds, Path(out)))
                    per_run[name].append(figures)
            front_door = proxy.measure_front_door(path, seconds, Path(out), 6 if options.quick else 15)
        finally:
            for tag in tags.values():
                docker("image", "rm", "--force", tag, check=False)
            for image in project.built:
                docker("image", "rm", "--force", image, check=False)
            docker("builder", "prune", "--all", "--force", check=False, timeout=600)
    results = {name: median_figures(r) for name, r in per_run.items()}
    inner = inner_loop.run_all(options.quick)  # edit to served, lock change to serving: watch vs reload
    report_runs = reports.measure_reports(options.quick)  # one report run: SQL vs rows loaded into Python
    markdown = "\n\n".join(
        [table(results, floor), proxy.table(front_door), inner_loop.table(inner), reports.table(report_runs)]
    )
    if options.base:  # the default project of an older commit against this one's, served alike
        markdown += "\n\n" + base_commit.compare(options.base, runs, seconds)
    print(markdown)
    options.out.mkdir(parents=True, exist_ok=True)
    (options.out / "bench.md").write_text(markdown + "\n")
    report = {
        "runs": runs,
        "load_seconds": seconds,
        "connections": CONNECTIONS,
        "floor_mb": floor,
        "medians": results,
        "per_run": per_run,
        "reference": REFERENCE,
        "front_door": front_door,
        "inner_loop": inner,
        "reports": report_runs,
    }
    (options.out / "bench.json").write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {options.out / 'bench.md'} and {options.out / 'bench.json'}")


if __name__ == "__main__":
    main()
