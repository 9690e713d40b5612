"""The front door (Caddy, docker/proxy/) side by side with gunicorn directly, in one stack and one run
(called by benchmarks.compare; `make bench`, `make bench-quick`).

The default project in production mode (compose.yaml, plus tooling/publish-app.yaml, which
publishes the app on 127.0.0.1 too), SITE_ADDRESS=127.0.0.1 (a certificate from Caddy's own CA):
- serving: wrk, the same 32 connections and seconds as compare.py, GET and POST /api/items, over
  HTTPS through the proxy and over plain HTTP to gunicorn; req/s, p50, p99, and the proxy's ratio;
- slow clients: 200 slowloris-style connections (tooling/slow_clients.py) held open while a
  polite client asks every 0.25 s with a 2 s timeout, against each; polite requests answered in time.
Asserts nothing: tests/docker/test_proxy.py checks behaviour; this measures.
"""

import os
import ssl
import time
import uuid
from pathlib import Path

from tooling.docker import UNREACHED_LIMITS, production_files
from tooling.postgres import free_port
from tooling.process import run
from tooling.slow_clients import attack
from tooling.web import http, http_exchange

SLOW_CONNECTIONS = 200


def api_headers(compose, path: Path) -> dict[str, str]:
    """The Authorization header of a new API token with the items scopes, made in the running app by its
    management command; none for a project from before tokens (issue 21), whose API asks for none."""
    main = next((path / "src").glob("*/__main__.py"))
    if not (main.parent / "tokens.py").exists():
        return {}
    args = ["--name", f"bench-{uuid.uuid4().hex[:8]}", "--scope", "items:read", "--scope", "items:write"]
    token = compose("exec", "-T", "app", "python", "-m", main.parent.name, "token", "create", *args).stdout.strip()
    return {"Authorization": f"Bearer {token}"}


def polite_client(url: str, context: ssl.SSLContext | None, headers: dict[str, str]):
    def ask(timeout: float) -> None:
        status, _ = http("GET", url, timeout=timeout, context=context, headers=headers)
        if status != 200:
            raise ConnectionError(f"status {status}")

    return ask


def measure_front_door(path: Path, seconds: int, workdir: Path, wrk, slow_seconds: float = 15) -> dict:
    """{"direct": figures, "proxy": figures}; wrk is compare.py's wrk(url, method, seconds, workdir)."""
    ports = {name: free_port() for name in ("APP_PORT", "HTTP_PORT", "HTTPS_PORT", "PROMETHEUS_PORT", "GRAFANA_PORT")}
    env = {
        **os.environ,
        **{name: str(port) for name, port in ports.items()},
        "COMPOSE_PROJECT_NAME": f"pde-bench-proxy-{uuid.uuid4().hex[:8]}",
        "COMPOSE_FILE": production_files(direct_app=True),
        "SITE_ADDRESS": "127.0.0.1",
        **UNREACHED_LIMITS,  # wrk's load comes from one address
    }

    def compose(*args, check=True, timeout=600):
        return run(["docker", "compose", *args], cwd=path, env=env, check=check, timeout=timeout)

    urls = {
        "direct": f"http://127.0.0.1:{ports['APP_PORT']}/api/items",
        "proxy": f"https://127.0.0.1:{ports['HTTPS_PORT']}/api/items",
    }
    figures = {"direct": {}, "proxy": {}}
    try:
        compose("up", "--build", "--detach", "--wait", timeout=900)
        root = compose("exec", "-T", "proxy", "cat", "/data/caddy/pki/authorities/local/root.crt").stdout
        contexts = {"direct": None, "proxy": ssl.create_default_context(cadata=root)}
        headers = api_headers(compose, path)
        for n in range(20):  # a page of items for GET to list, as compare.py
            assert http_exchange("POST", urls["direct"], {"name": f"seed {n}"}, headers=headers)[0] == 201
        for method in ("GET", "POST"):
            for way in ("direct", "proxy"):  # interleaved, so a slow moment of the machine hits both
                result = wrk(urls[way], method, seconds, workdir, headers)
                figures[way][f"{method} req/s"] = result["rps"]
                figures[way][f"{method} p50 ms"] = result["p50_ms"]
                figures[way][f"{method} p99 ms"] = result["p99_ms"]
                figures[way][f"{method} non-2xx"] = result["non_2xx"] + result["socket_errors"]
        for way, port in (("direct", ports["APP_PORT"]), ("proxy", ports["HTTPS_PORT"])):
            context = contexts[way]
            result = attack(
                port,
                polite_client(urls[way], context, headers),
                host_header=f"127.0.0.1:{port}",
                context=context,
                server_name="127.0.0.1" if context else None,
                connections=SLOW_CONNECTIONS,
                seconds=slow_seconds,
            )
            figures[way]["slow clients: polite answered in time"] = result.polite_in_time
            figures[way]["slow clients: polite sent"] = result.polite_sent
            figures[way]["slow clients: dropped by the server"] = result.dropped_by_server
            # Recovered afterwards: one more polite request, with a long timeout.
            figures[way]["slow clients: answers after, s"] = _time_to_answer(urls[way], context, headers)
    finally:
        compose("down", "--volumes", "--timeout", "10", check=False)
    return figures


def _time_to_answer(url: str, context, headers) -> float:
    started = time.monotonic()
    try:
        http("GET", url, timeout=60, context=context, headers=headers)
    except OSError:
        return float("nan")
    return time.monotonic() - started


def table(figures: dict) -> str:
    """Markdown: each figure for gunicorn directly and through the proxy, with the proxy's ratio."""
    lines = ["| front door figure | gunicorn directly | through the proxy (HTTPS) |", "|---|---|---|"]
    for key, direct in figures["direct"].items():
        proxied = figures["proxy"][key]
        ratio = f" ({proxied / direct:.2f}x)" if direct and ("req/s" in key or " ms" in key) else ""
        lines.append(f"| {key} | {direct:.6g} | {proxied:.6g}{ratio} |")
    return "\n".join(lines)
