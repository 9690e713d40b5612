"""The default project's Dockerfile side by side with three reference Dockerfiles, in one run.

    .venv/bin/python -m benchmarks.compare [--quick] [--runs N] [--out build/bench]   # or: make bench

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
(benchmarks/reports.py). Prints Markdown tables; writes them and a JSON file to --out.

It prunes the engine's whole build cache before each cold build. Asserts nothing: the tests check
behaviour; this measures.
"""

import argparse
import json
import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from cookiecutter.main import cookiecutter

from benchmarks import inner_loop
from tooling.docker import (
    UNREACHED_LIMITS,
    base_images,
    build_command,
    docker,
    external_images,
    inspect,
    production_files,
    provide,
    require_docker,
)
from tooling.locks import LOCKS, make_lock
from tooling.paths import TEMPLATE
from tooling.postgres import free_port
from tooling.process import run
from tooling.web import http

from . import proxy, reports

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
CONNECTIONS = 32

WRK_SCRIPT = """
wrk.method = "{method}"
{body}
{headers}
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{{"requests": %d, "seconds": %f, "non_2xx": %d, "socket_errors": %d, "p50_ms": %f, "p99_ms": %f}}\\n',
    summary.requests, summary.duration / 1e6, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
"""
POST_BODY = 'wrk.body = \'{"name": "bench"}\'\nwrk.headers["Content-Type"] = "application/json"'


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


def build(project: Project, dockerfile: Path | None, tag: str) -> float:
    cmd, env = build_command()
    extra = ["--file", str(dockerfile), "--build-arg", f"BASE_IMAGE={project.base}"] if dockerfile else []
    if dockerfile and "UV_IMAGE" in dockerfile.read_text():  # the uv the project's Dockerfile names
        extra += ["--build-arg", f"UV_IMAGE={project.uv}"]
    started = time.monotonic()
    run([*cmd, "--progress=plain", "--tag", tag, *extra, "."], cwd=project.path, env=env, timeout=1200)
    took = time.monotonic() - started
    project.built.add(inspect("image", tag)["Id"])
    return took


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


def health_events(project_name: str, since: float, until: float) -> dict[str, float]:
    """service -> when its container first reported healthy (the engine's own events)."""
    out = docker(
        "events",
        "--since",
        f"{since:.3f}",
        "--until",
        f"{until:.3f}",
        "--format",
        "{{json .}}",
        "--filter",
        "type=container",
        "--filter",
        f"label=com.docker.compose.project={project_name}",
    ).stdout
    healthy = {}
    for line in out.splitlines():
        event = json.loads(line)
        if event.get("Action", event.get("status", "")) == "health_status: healthy":
            service = event["Actor"]["Attributes"]["com.docker.compose.service"]
            healthy.setdefault(service, event["timeNano"] / 1e9)
    return healthy


def wrk(url: str, method: str, seconds: int, workdir: Path, headers: dict[str, str] | None = None) -> dict:
    script = workdir / f"{method.lower()}.lua"
    lines = "\n".join(f'wrk.headers["{name}"] = "{value}"' for name, value in (headers or {}).items())
    script.write_text(WRK_SCRIPT.format(method=method, body=POST_BODY if method == "POST" else "", headers=lines))
    cmd = [
        "wrk",
        "--threads",
        "2",
        "--connections",
        str(CONNECTIONS),
        "--duration",
        f"{seconds}s",
        "--timeout",
        "5s",
        "--script",
        str(script),
        url,
    ]
    result = json.loads(run(cmd, timeout=seconds + 60).stdout.strip().splitlines()[-1])
    result["rps"] = result["requests"] / result["seconds"]
    return result


def measure_stack(project: Project, tag: str, seconds: int, workdir: Path) -> dict:
    """compose.yaml (production; the app published too), with the image under test as the app's image, fresh volumes."""
    name = f"pde-bench-{uuid.uuid4().hex[:8]}"
    port = free_port()
    env = {
        **os.environ,
        "COMPOSE_PROJECT_NAME": name,
        "COMPOSE_FILE": production_files(direct_app=True),
        "APP_PORT": str(port),
        "HTTP_PORT": str(free_port()),
        "HTTPS_PORT": str(free_port()),
        "PROMETHEUS_PORT": str(free_port()),
        "GRAFANA_PORT": str(free_port()),
        **UNREACHED_LIMITS,  # wrk's load comes from one address
    }

    def compose(*args, check=True, timeout=300):
        return run(["docker", "compose", *args], cwd=project.path, env=env, check=check, timeout=timeout)

    services = json.loads(compose("config", "--format", "json").stdout)["services"]
    app_image = services["app"]["image"]
    docker("tag", tag, app_image)
    if "proxy" in services:  # (a project from before the front door has none)
        compose("build", "proxy")  # the only image built here: the clock below starts with every image there
    figures = {}
    try:
        started = time.time()
        up = compose("up", "--detach", "--wait", "--no-build", check=False)
        if up.returncode != 0:
            logs = compose("logs", "--no-color", check=False).stdout
            raise RuntimeError(f"docker compose up failed:\n{up.stderr}\n{logs[-6000:]}")
        figures["compose up to all healthy s"] = time.time() - started
        healthy = health_events(name, started - 1, time.time() + 1)
        if "db" in healthy and "app" in healthy:
            figures["app healthy after db healthy s"] = healthy["app"] - healthy["db"]
        figures["last service healthy s (events)"] = max(healthy.values()) - started
        api = f"http://127.0.0.1:{port}/api/items"
        headers = proxy.api_headers(compose, project.path)  # authenticated: the token is checked on each request
        for n in range(20):  # a page of items for GET to list
            assert http("POST", api, {"name": f"seed {n}"}, headers=headers)[0] == 201
        for method in ("GET", "POST"):
            result = wrk(api, method, seconds, workdir, headers)
            figures[f"{method} req/s"] = result["rps"]
            figures[f"{method} p50 ms"] = result["p50_ms"]
            figures[f"{method} p99 ms"] = result["p99_ms"]
            figures[f"{method} non-2xx"] = result["non_2xx"] + result["socket_errors"]
        began = time.monotonic()
        compose("stop", "app")
        figures["compose stop app s"] = time.monotonic() - began
    finally:
        compose("down", "--volumes", "--timeout", "10", check=False)
        docker("image", "rm", app_image, check=False)  # only the tag: the image stays as `tag`
        if "proxy" in services:
            docker("image", "rm", "--force", services["proxy"]["image"], check=False)
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
            front_door = proxy.measure_front_door(path, seconds, Path(out), wrk, 6 if options.quick else 15)
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
    print(markdown)
    from .api import main as compare_apps  # the app before and after issue 18 (imports this module)

    markdown += "\n\n" + compare_apps(options.quick, options.runs, options.seconds)
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
