"""What the benchmarks share: building a baked project's image, and its stack measured: `docker compose up`
to healthy, load with wrk (CONNECTIONS connections, GET and POST /api/items, with an API token), stop.
compare.py, proxy.py and base_commit.py import it; it imports none of them."""

import json
import os
import time
import uuid
from pathlib import Path

from tooling.docker import UNREACHED_LIMITS, build_command, docker, inspect, production_files
from tooling.postgres import free_port
from tooling.process import run
from tooling.web import http

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


def build(project, dockerfile: Path | None, tag: str) -> float:
    """Build the project's image (with dockerfile: a reference one, from its base and uv); its seconds. The image
    id goes into project.built, for the caller to remove."""
    cmd, env = build_command()
    extra = ["--file", str(dockerfile), "--build-arg", f"BASE_IMAGE={project.base}"] if dockerfile else []
    if dockerfile and "UV_IMAGE" in dockerfile.read_text():  # the uv the project's Dockerfile names
        extra += ["--build-arg", f"UV_IMAGE={project.uv}"]
    started = time.monotonic()
    run([*cmd, "--progress=plain", "--tag", tag, *extra, "."], cwd=project.path, env=env, timeout=1200)
    took = time.monotonic() - started
    project.built.add(inspect("image", tag)["Id"])
    return took


def api_headers(compose, path: Path) -> dict[str, str]:
    """The Authorization header of a new API token with the items scopes, made in the running app by its
    management command; none for a project from before tokens (issue 21), whose API asks for none."""
    main = next((path / "src").glob("*/__main__.py"))
    if not (main.parent / "tokens.py").exists():
        return {}
    args = ["--name", f"bench-{uuid.uuid4().hex[:8]}", "--scope", "items:read", "--scope", "items:write"]
    token = compose("exec", "-T", "app", "python", "-m", main.parent.name, "token", "create", *args).stdout.strip()
    return {"Authorization": f"Bearer {token}"}


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


def measure_stack(project, tag: str, seconds: int, workdir: Path) -> dict:
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
        headers = api_headers(compose, project.path)  # authenticated: the token is checked on each request
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
