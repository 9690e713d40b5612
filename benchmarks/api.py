"""The API's speed before and after every request is authenticated (issue 21: API tokens).

    .venv/bin/python -m benchmarks.api [--quick] [--runs N]     # benchmarks/compare.py runs it too

Bakes the default project from this template ("new") and from the template at BASELINE, the
commit before the change ("old", from `git archive`), builds each image and brings up each stack
(compose.yaml alone, production mode), one after the other in each run, then loads GET and POST
/api/items with wrk as compare.py does (32 connections, 127.0.0.1; the new app with a token, checked on
each request; the old one asks for none). Prints req/s, p50, p99 and
non-2xx side by side, medians of --runs runs, with new/old ratios. Asserts nothing.
"""

import argparse
import io
import statistics
import subprocess
import sys
import tarfile
import tempfile
import uuid
from pathlib import Path

from tooling.docker import docker, external_images, provide, require_docker
from tooling.paths import TEMPLATE

from .compare import build, measure_stack

# The template before issue 21 (no authentication).
BASELINE = "cd7f7d3"
FIGURES = [f"{method} {figure}" for method in ("GET", "POST") for figure in ("req/s", "p50 ms", "p99 ms", "non-2xx")]


class Baked:
    """A baked project, as compare.build and compare.measure_stack take it."""

    def __init__(self, path: Path):
        self.path = path
        self.built: set[str] = set()


def template_at(commit: str, into: Path) -> Path:
    """The template's files at commit (git archive), in into."""
    archive = subprocess.run(["git", "archive", commit], cwd=TEMPLATE, capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


def bake(template: Path, slug: str, out: Path) -> Baked:
    """In a process of its own: each template imports its own local_extensions.py (Python keeps the
    first one a process imported, and the filters differ between commits)."""
    command = [Path(sys.executable).with_name("cookiecutter"), template, "--no-input", "-o", out]
    subprocess.run([*map(str, command), f"project_slug={slug}"], capture_output=True, check=True)
    return Baked(out / slug)


def compare_apps(runs: int, seconds: int) -> dict[str, dict[str, float]]:
    """name -> medians of FIGURES, for "old" and "new"."""
    with tempfile.TemporaryDirectory() as out:
        work = Path(out)
        old_template = template_at(BASELINE, work / "old-template")
        projects = {
            "old": bake(old_template, "bench-api-old", work),
            "new": bake(TEMPLATE, "bench-api-new", work),
        }
        provide("provide", *{image for p in projects.values() for image in external_images(p.path)})
        tags = {name: f"py-docker-env-bench-api-{name}-{uuid.uuid4().hex[:8]}:latest" for name in projects}
        per_run: dict[str, list[dict]] = {name: [] for name in projects}
        try:
            for name, project in projects.items():
                build(project, None, tags[name])
            for number in range(runs):
                for name, project in projects.items():  # interleaved: a slow moment hits both alike
                    print(f"api run {number + 1}/{runs}: {name}", flush=True)
                    per_run[name].append(measure_stack(project, tags[name], seconds, work))
        finally:
            for name, project in projects.items():
                docker("image", "rm", "--force", tags[name], *project.built, check=False)
    return {name: {key: statistics.median(r[key] for r in runs_) for key in FIGURES} for name, runs_ in per_run.items()}


def table(results: dict[str, dict[str, float]]) -> str:
    lines = [f"| figure | old ({BASELINE}) | new | new/old |", "|---|---|---|---|"]
    for key in FIGURES:
        old, new = results["old"][key], results["new"][key]
        ratio = f"{new / old:.2f}x" if old and "non-2xx" not in key else ""
        lines.append(f"| {key} | {old:.2f} | {new:.2f} | {ratio} |")
    return "\n".join(lines)


def main(quick: bool = False, runs: int = 3, seconds: int = 20) -> str:
    runs, seconds = (1, 3) if quick else (runs, seconds)
    require_docker()
    markdown = table(compare_apps(runs, seconds))
    print(markdown, flush=True)
    return markdown


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one run, 3 s of load: proves it works")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=20, help="seconds of load per endpoint")
    options = parser.parse_args()
    main(options.quick, options.runs, options.seconds)
