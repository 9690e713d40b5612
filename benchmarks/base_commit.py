"""The default project of this template against the same project from an older commit of it, served alike:
how a change moved the API's speed (`make bench BASE=<commit>`, or on its own:

    .venv/bin/python -m benchmarks.base_commit COMMIT [--quick] [--runs N] [--seconds S]

Bakes the default project from this working tree ("new") and from the template at COMMIT ("old", from
`git archive`), builds each image and brings up each stack (compose.yaml alone, production mode), one
after the other in each run, then loads GET and POST /api/items with wrk (serving.py: 32 connections,
127.0.0.1; with an API token where the project has tokens). Prints req/s, p50, p99 and non-2xx side by
side, medians of the runs, with new/old ratios. Asserts nothing.
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

from .serving import build, measure_stack

FIGURES = [f"{method} {figure}" for method in ("GET", "POST") for figure in ("req/s", "p50 ms", "p99 ms", "non-2xx")]


class Baked:
    """A baked project, as serving.build and serving.measure_stack take it."""

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


def measure(commit: str, runs: int, seconds: int) -> dict[str, dict[str, float]]:
    """name -> medians of FIGURES, for "old" (the template at commit) and "new" (this working tree)."""
    with tempfile.TemporaryDirectory() as out:
        work = Path(out)
        projects = {
            "old": bake(template_at(commit, work / "old-template"), "bench-base-old", work),
            "new": bake(TEMPLATE, "bench-base-new", work),
        }
        provide("provide", *{image for p in projects.values() for image in external_images(p.path)})
        tags = {name: f"py-docker-env-bench-base-{name}-{uuid.uuid4().hex[:8]}:latest" for name in projects}
        per_run: dict[str, list[dict]] = {name: [] for name in projects}
        try:
            for name, project in projects.items():
                build(project, None, tags[name])
            for number in range(runs):
                for name, project in projects.items():  # interleaved: a slow moment hits both alike
                    print(f"base run {number + 1}/{runs}: {name}", flush=True)
                    per_run[name].append(measure_stack(project, tags[name], seconds, work))
        finally:
            for name, project in projects.items():
                docker("image", "rm", "--force", tags[name], *project.built, check=False)
    return {name: {key: statistics.median(r[key] for r in runs_) for key in FIGURES} for name, runs_ in per_run.items()}


def table(commit: str, results: dict[str, dict[str, float]]) -> str:
    lines = [f"| figure | old ({commit}) | new | new/old |", "|---|---|---|---|"]
    for key in FIGURES:
        old, new = results["old"][key], results["new"][key]
        ratio = f"{new / old:.2f}x" if old and "non-2xx" not in key else ""
        lines.append(f"| {key} | {old:.2f} | {new:.2f} | {ratio} |")
    return "\n".join(lines)


def compare(commit: str, runs: int = 3, seconds: int = 20) -> str:
    """The Markdown table of the old commit's project against this one's."""
    require_docker()
    return table(commit, measure(commit, runs, seconds))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("commit", help="the older commit of the template (anything `git archive` takes)")
    parser.add_argument("--quick", action="store_true", help="one run, 3 s of load: proves it works")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=20, help="seconds of load per endpoint")
    options = parser.parse_args()
    runs, seconds = (1, 3) if options.quick else (options.runs, options.seconds)
    print(compare(options.commit, runs, seconds), flush=True)
