"""Helpers for the tests that use a real Docker Engine.

On a machine without a registry (CI here), `docker-kit` from ../shared builds local stand-ins for the
official images a project names; elsewhere Docker pulls the real ones and the kit is not needed.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest

from .paths import TEMPLATE
from .postgres import free_port
from .process import run, skip_or_fail, wait_for

KIT = Path(os.environ.get("DOCKER_KIT", TEMPLATE.parent / "shared/docker-kit/docker-kit"))


# (uid, gid) a host user may have, each taken in some base image: macOS's first user is 501 in group 20
# (dialout on Debian and Alpine), openSUSE's group is 100 (users), 1000 is Ubuntu's own user, 65534 is
# nobody. The Dockerfile must build its dev and final stages with any of them (APP_UID/APP_GID).
HOST_IDS = [(501, 20), (1000, 1000), (999, 100), (65534, 65534)]


def real_images() -> bool:
    """Whether Docker runs the official images (pulled from their registries): everywhere but where
    docker-kit builds stand-ins. Only there do Alpine images, Grafana, Python 3.12's image and
    Prometheus 3 run, so the tests that need them are collected only there (the template's GitHub
    workflow, .github/workflows/tests.yml, runs them; so does any machine with Docker and internet)."""
    return not KIT.exists()


def docker_ready() -> bool:
    if not shutil.which("docker"):
        return False
    return subprocess.run(["docker", "info"], capture_output=True).returncode == 0


def require_docker():
    if not docker_ready():
        skip_or_fail("REQUIRE_DOCKER", "no Docker Engine answers `docker info`")


def provide(*args):
    """Make the images a project needs exist locally: through docker-kit where there is one."""
    if KIT.exists():
        run([sys.executable, str(KIT), *map(str, args)], timeout=900)


def dockerfile_instructions(dockerfile: Path) -> tuple[list[str], dict[str, str]]:
    """A Dockerfile's instructions (continuation lines joined, comments dropped) and its ARG defaults."""
    text = dockerfile.read_text().replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    args = dict(line.split()[1].split("=", 1) for line in lines if line.startswith("ARG ") and "=" in line)
    return lines, args


def with_args(text: str, args: dict[str, str]) -> str:
    """text with every ${NAME} replaced by the default of that ARG."""
    return re.sub(r"\$\{(\w+)\}", lambda m: args[m.group(1)], text)


def base_images(dockerfile: Path) -> list[str]:
    """The external images a Dockerfile's FROM lines name, with ARG defaults filled in."""
    lines, args = dockerfile_instructions(dockerfile)
    stages, images = set(), []
    for words in (line.split() for line in lines if line.startswith("FROM ")):
        image = with_args(words[1], args)
        if image not in stages:
            images.append(image)
        stages.add(words[-1])
    return list(dict.fromkeys(images))


def external_images(project: Path, only=()) -> list[str]:
    """The images a project runs but does not build: its Dockerfile's bases and the compose services' images.

    With only: just those services' (and their dependencies'). (docker-kit's `provide-for` would also ask
    for the app image that `migrate` reuses, which no registry has.)
    """
    out = run(["docker", "compose", "--profile", "*", "config", "--format", "json", *only], cwd=project).stdout
    services = json.loads(out)["services"].values()
    built = {service.get("image") for service in services if "build" in service}
    used = [service["image"] for service in services if "build" not in service and service["image"] not in built]
    dockerfiles = {project / "Dockerfile"} | {
        Path(service["build"]["context"]) / service["build"].get("dockerfile", "Dockerfile")
        for service in services
        if "build" in service
    }
    bases = [image for dockerfile in sorted(dockerfiles) for image in base_images(dockerfile)]
    return list(dict.fromkeys(bases + used))


def build_command() -> tuple[list[str], dict]:
    """A BuildKit build: `docker buildx build --load`, or Docker 20.10's DOCKER_BUILDKIT=1 docker build."""
    if subprocess.run(["docker", "buildx", "version"], capture_output=True).returncode == 0:
        return ["docker", "buildx", "build", "--load"], dict(os.environ)
    # The 20.10 client (as on the CI machines) has BuildKit built in.
    client = "/usr/bin/docker" if Path("/usr/bin/docker").exists() else "docker"
    return [client, "build"], {**os.environ, "DOCKER_BUILDKIT": "1"}


def build_image(project: Path, tag: str, *extra: str) -> float:
    """Build the project's Dockerfile as tag; return the seconds it took."""
    cmd, env = build_command()
    started = time.monotonic()
    run([*cmd, "--progress=plain", "-t", tag, *extra, "."], cwd=project, env=env, timeout=1200)
    return time.monotonic() - started


def docker(*args, check=True, timeout=120):
    return run(["docker", *map(str, args)], check=check, timeout=timeout)


def inspect(kind: str, name: str) -> dict:
    return json.loads(docker(kind, "inspect", name).stdout)[0]


def wait_healthy(container: str, timeout: float = 90) -> None:
    """Wait for the container's own HEALTHCHECK to report healthy (or for the container to stop)."""

    def settled():
        state = inspect("container", container)["State"]
        status = state.get("Health", {}).get("Status") if state["Running"] else "stopped"
        return status if status in ("healthy", "stopped") else None

    status = wait_for(settled, timeout)
    if status != "healthy":
        logs = docker("logs", container, check=False)
        pytest.fail(f"{container} is {status or 'not yet healthy'}\n{logs.stdout}\n{logs.stderr}")


def published_url(container: str, port: int = 8000) -> str:
    """The http://127.0.0.1:PORT address where the container's port is published."""
    binding = docker("port", container, port).stdout.splitlines()[0].strip()
    host, _, host_port = binding.rpartition(":")
    assert host == "127.0.0.1", f"published on {host}, not on 127.0.0.1 only"
    return f"http://127.0.0.1:{host_port}"


PUBLISH_APP = Path(__file__).with_name("publish-app.yaml")


def production_files(direct_app=True) -> str:
    """COMPOSE_FILE for production mode: compose.yaml, which publishes the proxy only, and with
    direct_app the app's port too (publish-app.yaml), for tests and figures of gunicorn itself."""
    return os.pathsep.join(["compose.yaml", *([str(PUBLISH_APP)] if direct_app else [])])


# Run in the app's image by Stack.sql_as: each statement (argv[1], a JSON list) on the app's own connection.
APP_SQL = """
import json, sys
from sqlalchemy import text
from PACKAGE.config import Settings
from PACKAGE.db import make_engine
engine = make_engine(Settings.from_env())
for statement in json.loads(sys.argv[1]):
    try:
        with engine.begin() as connection:
            result = connection.execute(text(statement))
            rows = [[str(value) for value in row] for row in result] if result.returns_rows else []
        print(json.dumps(["ok", rows]))
    except Exception as error:
        print(json.dumps(["error", str(error).splitlines()[0]]))
"""

# Run by Stack.tcp_from: a TCP connection to each host:port in argv, with a short timeout.
TCP_PROBE = """
import json, socket, sys
results = {}
for target in sys.argv[1:]:
    host, _, port = target.rpartition(":")
    try:
        socket.create_connection((host, int(port)), timeout=3).close()
        results[target] = "connected"
    except OSError as error:
        results[target] = f"{type(error).__name__}: {error}"
print(json.dumps(results))
"""

# The stacks' tests send many requests from one address (the Docker network's gateway, as the app
# sees it): rate limits (docs/api.md "Limits") they do not reach, unless the project's .env or the test
# (extra_env) sets its own. tests/docker/test_proxy.py tests the limits; the benchmark uses these too.
UNREACHED_LIMITS = {
    name: "100000 per minute" for name in ("RATELIMIT_CALLER", "RATELIMIT_ANONYMOUS", "RATELIMIT_AUTH_FAILURES")
}


def unreached_limits(project: Path) -> dict[str, str]:
    """UNREACHED_LIMITS but those the project's .env sets (the environment would override .env)."""
    env_file = project / ".env"
    in_env_file = set(re.findall(r"(?m)^(\w+)=", env_file.read_text())) if env_file.exists() else set()
    return {name: value for name, value in UNREACHED_LIMITS.items() if name not in in_env_file}


def token_create(management, name: str, scopes, expires_in: int | None = None) -> list[str]:
    """`token create` for name and scopes, through management(*args): the command line to run."""
    args = ["token", "create", "--name", name, *(arg for scope in scopes for arg in ("--scope", scope))]
    if expires_in is not None:
        args += ["--expires-in", str(expires_in)]
    return management(*args)


class Stack:
    """A baked project's compose stack under a unique project name and free loopback ports."""

    def __init__(
        self, project: Path, ports: dict[str, int], answers: dict[str, str], production=False, direct_app=True
    ):
        self.project = project
        self.answers = answers
        self.name = f"pde-test-{uuid.uuid4().hex[:8]}"
        self.ports = ports
        self.env = {
            **os.environ,
            "COMPOSE_PROJECT_NAME": self.name,
            **unreached_limits(project),
            **{k: str(v) for k, v in ports.items()},
        }
        if production:  # compose.yaml alone, without the development override
            self.env["COMPOSE_FILE"] = production_files(direct_app)

    def compose(self, *args, check=True, timeout=600):
        return run(["docker", "compose", *map(str, args)], cwd=self.project, env=self.env, check=check, timeout=timeout)

    def url(self, port_variable: str) -> str:
        return f"http://127.0.0.1:{self.ports[port_variable]}"

    def services(self) -> dict[str, dict]:
        """docker compose ps -a, by service name."""
        out = self.compose("ps", "--all", "--format", "json").stdout
        rows = [json.loads(line) for line in out.splitlines() if line.strip()]
        return {row["Service"]: row for row in rows}

    def container(self, service: str) -> str:
        return self.services()[service]["Name"]

    def psql(self, sql: str) -> str:
        """Run SQL in the db container as its superuser (POSTGRES_USER); return the unaligned output."""
        script = 'psql --username="$POSTGRES_USER" --dbname="$POSTGRES_DB" -v ON_ERROR_STOP=1 -Atc "$0"'
        return self.compose("exec", "-T", "db", "sh", "-c", script, sql).stdout.strip()

    def sql_as(self, service: str, statements: list[str]) -> list[tuple[str, object]]:
        """Run each statement through the database connection of service's container (the app's
        settings and code, Settings.from_env), each in its own transaction. Returns, per statement,
        ("ok", rows as lists of strings) or ("error", the first line of the error)."""
        package = next(self.project.glob("src/*/__init__.py")).parent.name
        script = APP_SQL.replace("PACKAGE", package)
        # A one-off (migrate) that has exited: a new container of it.
        command = ["exec", "-T", service] if service in self.running() else ["run", "--rm", "--no-deps", service]
        out = self.compose(*command, "python", "-c", script, json.dumps(statements)).stdout
        return [tuple(json.loads(line)) for line in out.splitlines() if line.startswith("[")]

    def running(self) -> set[str]:
        return {name for name, row in self.services().items() if row["State"] == "running"}

    def tcp_from(self, service: str, *targets: str) -> dict[str, str]:
        """Open a TCP connection to each host:port from inside service's container (its network
        namespace, with Python from the app's image: the container itself may have none). Returns
        "connected" or the error, per target."""
        (image,) = [image for image in self.built_images() if "-app:" in image]
        namespace = f"container:{self.container(service)}"
        out = docker("run", "--rm", "--network", namespace, "--entrypoint", "python", image, "-c", TCP_PROBE, *targets)
        return json.loads(out.stdout)

    def addresses(self, service: str) -> list[str]:
        """The IP addresses of service's container, one on each of its networks."""
        networks = inspect("container", self.container(service))["NetworkSettings"]["Networks"]
        return [network["IPAddress"] for network in networks.values()]

    def management(self, *args: str) -> list[str]:
        """The project's management command with args (`python -m <package> ...`), to run in an app container."""
        package = next((self.project / "src").glob("*/__main__.py")).parent.name
        return ["python", "-m", package, *args]

    def token(self, name: str, *scopes: str, expires_in: int | None = None) -> str:
        """A new API token (the project's `token create` command, in the running app container)."""
        return self.compose(
            "exec", "-T", "app", *token_create(self.management, name, scopes, expires_in)
        ).stdout.strip()

    def auth(self) -> dict[str, str]:
        """The Authorization header of a token with the items scopes, made once per stack (kept in its database)."""
        if not getattr(self, "_token", None):
            self._token = self.token(f"tests-{uuid.uuid4().hex[:8]}", "items:read", "items:write")
        return {"Authorization": f"Bearer {self._token}"}

    def revoke(self, name: str) -> None:
        self.compose("exec", "-T", "app", *self.management("token", "revoke", name))

    def built_images(self) -> list[str]:
        """The images this stack's compose files name for the services they build (app, proxy, ...)."""
        config = json.loads(self.compose("--profile", "*", "config", "--format", "json").stdout)
        services = config["services"].values()
        return [service["image"] for service in services if "build" in service and "image" in service]

    def volumes(self) -> list[str]:
        out = docker("volume", "ls", "--quiet", "--filter", f"label=com.docker.compose.project={self.name}").stdout
        return out.split()


def assert_non_root_without_capabilities(stack: Stack) -> list[str]:
    """Every container of the stack is configured with a user that is not root, and adds no Linux
    capability; returns `<container> <user>` for each (docker inspect's .Name and .Config.User)."""
    users = []
    for service, row in sorted(stack.services().items()):
        container = inspect("container", row["Name"])
        user = container["Config"]["User"]
        users.append(f"{container['Name']} {user}")
        assert user.split(":")[0] not in ("", "0", "root"), f"{service} runs as {user or 'root'}"
        assert not container["HostConfig"]["CapAdd"], f"{service} adds {container['HostConfig']['CapAdd']}"
    return users


@contextmanager
def running_stack(
    project: Path, answers: dict[str, str], production=False, extra_env=None, services=(), direct_app=True
):
    """`docker compose up --build --wait` on free loopback ports; afterwards `down -v` and remove its images.

    services: start only these (and what they depend on), e.g. all but grafana, which has no stand-in.
    direct_app=False: production mode is compose.yaml alone (the proxy is the only way in).
    Yields the Stack and the seconds `up` took.
    """
    provide("provide", *external_images(project, services))
    names = ("APP_PORT", "PROMETHEUS_PORT", "DB_PORT", "GRAFANA_PORT", "HTTP_PORT", "HTTPS_PORT")
    ports = {name: free_port() for name in names}
    stack = Stack(project, ports, answers, production, direct_app)
    stack.env.update(extra_env or {})
    try:
        started = time.monotonic()
        stack.compose("up", "--build", "--detach", "--wait", *services, timeout=900)
        yield stack, time.monotonic() - started
    finally:
        built = stack.built_images()
        stack.compose("down", "--volumes", "--timeout", "10", check=False)
        docker("image", "rm", "--force", *built, check=False)
