"""A baked project's development stack, kept in step with its files in one of two ways, for the watch
tests and the inner-loop benchmark:

- "watch": `make dev` (docker compose up --watch, compose.override.yaml's develop.watch);
- "reload": the way before it (and the dev container's, .devcontainer/compose.yaml): src/ bind-mounted
  and gunicorn's reloader, brought up with `docker compose up`.
"""

import os
import signal
import subprocess
import time
from pathlib import Path

from .docker import Stack, docker, external_images, inspect, provide
from .postgres import free_port
from .process import wait_for
from .web import http

# The bind-mount way, as the dev container has the app (.devcontainer/compose.yaml, whose dev service
# is not needed here).
RELOAD_OVERRIDE = """services:
  app:
    volumes:
      - ./src:/app/src:ro
    environment:
      GUNICORN_RELOAD: "1"
"""
ROUTE = 'jsonify(status="ok")'  # what /healthz answers, in health.py


class DevStack(Stack):
    def __init__(self, project: Path, answers: dict[str, str], way: str = "watch"):
        ports = {name: free_port() for name in ("APP_PORT", "PROMETHEUS_PORT", "DB_PORT", "GRAFANA_PORT")}
        super().__init__(project, ports, answers)
        self.way = way
        self.watch = None
        self.images: set[str] = set()  # every app image id seen: a rebuild leaves the old one untagged
        self.log = project / f"{way}.log"
        self.route = next((project / "src").glob("*/health.py"))
        self.original_route = self.route.read_text()
        if way == "reload":
            (project / "compose.reload.yaml").write_text(RELOAD_OVERRIDE)
            self.env["COMPOSE_FILE"] = os.pathsep.join(("compose.yaml", "compose.override.yaml", "compose.reload.yaml"))

    def start(self, timeout: float = 600) -> float:
        """Bring the stack up (and, for watch, start watching); return the seconds until the app serves."""
        provide("provide", *external_images(self.project))
        started = time.monotonic()
        if self.way == "reload":
            self.compose("up", "--build", "--detach", "--wait", timeout=timeout)
            return time.monotonic() - started
        with self.log.open("w") as log:  # `make dev`, as a developer types it
            self.watch = subprocess.Popen(
                ["make", "--no-print-directory", "dev"],
                cwd=self.project,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        ready = wait_for(lambda: self.watching() and self.health() == "healthy", timeout=timeout, every=0.5)
        assert ready, f"make dev did not bring up a healthy app:\n{self.log.read_text()[-4000:]}"
        return time.monotonic() - started

    def watching(self) -> bool:
        assert self.watch.poll() is None, f"make dev exited:\n{self.log.read_text()[-4000:]}"
        return "Watch enabled" in self.log.read_text()

    def health(self) -> str | None:
        row = self.services().get("app", {})
        return row.get("Health") if row.get("State") == "running" else None

    def stop(self) -> None:
        """Stop watching; remove the containers, volumes and the images the stack built."""
        if self.watch and self.watch.poll() is None:
            os.killpg(self.watch.pid, signal.SIGINT)  # Ctrl-C
            try:
                self.watch.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.watch.pid, signal.SIGKILL)
                self.watch.wait()
        self.route.write_text(self.original_route)
        if "app" in self.services():
            self.app()
        # Every image the compose files name for a service they build (the app's, the proxy's), and the
        # test image of `make test`, named after the compose project.
        tags = self.built_images()
        self.compose("down", "--volumes", "--remove-orphans", "--timeout", "10", check=False)
        docker("image", "rm", "--force", *tags, f"{self.name}-test", *sorted(self.images), check=False)

    def app(self) -> dict:
        """docker inspect of the app's container (its image is noted, to be removed at the end)."""
        container = inspect("container", self.container("app"))
        self.images.add(container["Image"])
        return container

    def answer(self) -> dict | None:
        """What /healthz answers now, or None while nothing answers."""
        try:
            status, body = http("GET", f"{self.url('APP_PORT')}/healthz", timeout=3)
        except OSError:
            return None
        return body if status == 200 else None

    def edit_route(self, number: int) -> None:
        """Save health.py with /healthz answering edit=number (a new file's contents, as an editor saves)."""
        self.route.write_text(self.original_route.replace(ROUTE, f'jsonify(status="ok", edit={number})'))

    def seconds_until_served(self, number: int, timeout: float = 30) -> float | None:
        """Seconds from now until /healthz answers edit=number (None: not within timeout); asked every
        50 ms (each request is a log line or three, which make dev prints: faster asking slows it)."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if (self.answer() or {}).get("edit") == number:
                return time.monotonic() - started
            time.sleep(0.05)
        return None

    def stale_answers(self, number: int, count: int = 20) -> int:
        """How many of the next count answers are not edit=number (each worker answers some)."""
        stale = 0
        for _ in range(count):
            stale += (self.answer() or {}).get("edit") != number
            time.sleep(0.02)
        return stale
