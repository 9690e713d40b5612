"""Past one machine: the generated stack on Docker Swarm (compose.swarm.yaml, `make deploy`).

Statically, for every set of services with deploy=swarm (one per monitoring answer; Swarm needs
PostgreSQL): the file `make deploy` gives `docker stack deploy` is accepted by `docker stack config`.
For real, with the default answers and deploy=swarm, on a single-node swarm on this engine: the tests
run in file order on one deployment (deploy before push refused at once, deploy, scale, rolling update
under load, a failing update that Swarm rolls back, undeploy and deploy again), then remove all of it.
Only the commands docs/swarm.md documents are used: make registry, push, deploy, scale, undeploy; the
scripts they run run on Python 3.9 where this machine has one (the oldest the project promises).
"""

import json
import os
import socket
import ssl
import threading
import time
import urllib.parse
import urllib.request
import uuid

import pytest

from tooling.bake import bake_with
from tooling.docker import UNREACHED_LIMITS, docker, external_images, inspect, provide, require_docker, token_create
from tooling.postgres import free_port
from tooling.process import find_python, run, wait_for
from tooling.web import http, http_exchange

APP_VERSION = "0.1.0"  # the template's default version
NEW_VERSION = "0.1.1"
BROKEN_VERSION = "0.1.2-broken"


class Swarm:
    """A baked project deployed as stack `name` with `make`, its registry and proxy on free ports."""

    def __init__(self, project):
        self.project = project
        self.name = f"pde-swarm-{uuid.uuid4().hex[:8]}"
        self.registry = f"127.0.0.1:{free_port()}"
        # The front door on the node's ports, for 127.0.0.1 (a certificate from Caddy's own CA).
        https_port = free_port()
        self.proxy = f"https://127.0.0.1:{https_port}"
        self.env = {
            "STACK": self.name,
            "REGISTRY": self.registry,
            "SITE_ADDRESS": "127.0.0.1",
            "HTTP_PORT": str(free_port()),
            "HTTPS_PORT": str(https_port),
            "APP_VERSION": APP_VERSION,
            # The load of the rolling-update tests comes from one address and one token, without
            # pause: limits it cannot reach (test_one_rate_limit_store_... reads the headers only).
            **UNREACHED_LIMITS,
        }
        # The Makefile's PYTHON runs scripts/swarm.py: the oldest Python it promises, where there is one.
        self.env["PYTHON"] = find_python("3.9") or "python3"
        self.repository = f"{self.registry}/{project.name}-app"
        self.proxy_repository = f"{self.registry}/{project.name}-proxy"

    def trust_the_proxy(self):
        """Every request of this process (urllib) trusts the root certificate of the proxy's CA only."""
        (container,) = self.running("proxy")
        root = docker("exec", container.lstrip("/"), "cat", "/data/caddy/pki/authorities/local/root.crt").stdout
        context = ssl.create_default_context(cadata=root)
        urllib.request.install_opener(urllib.request.build_opener(urllib.request.HTTPSHandler(context=context)))

    def token(self, name, *scopes):
        """A new API token, made by the management command in one app container (the database is shared)."""
        container = next(iter(self.running("app"))).lstrip("/")
        package = self.project.name.replace("-", "_")
        command = token_create(lambda *args: ["python", "-m", package, *args], name, scopes)
        return docker("exec", container, *command).stdout.strip()

    def auth(self):
        """The Authorization header of a token with the items scopes, made once."""
        if not getattr(self, "_token", None):
            self._token = self.token(f"tests-{uuid.uuid4().hex[:8]}", "items:read", "items:write")
        return {"Authorization": f"Bearer {self._token}"}

    def make(self, *args, timeout=600, check=True):
        return run(["make", *args], cwd=self.project, env={**os.environ, **self.env}, timeout=timeout, check=check)

    def service(self, name):
        return inspect("service", f"{self.name}_{name}")

    def running(self, name):
        """The running containers of a service: name -> State."""
        ids = docker("ps", "--quiet", "--filter", f"label=com.docker.swarm.service.name={self.name}_{name}").stdout
        return {c["Name"]: c for c in (inspect("container", i) for i in ids.split())}

    def healthy(self, name, count):
        containers = self.running(name).values()
        return len(containers) == count and all(c["State"]["Health"]["Status"] == "healthy" for c in containers)

    def prometheus(self, query):
        """A PromQL query, asked inside the prometheus container (it is not published on a swarm)."""
        (container,) = self.running("prometheus")
        url = "http://127.0.0.1:9090/api/v1/query?" + urllib.parse.urlencode({"query": query})
        out = docker("exec", container.lstrip("/"), "wget", "-qO-", url).stdout
        return json.loads(out)["data"]["result"]

    def leftovers(self):
        """What the stack and its registry left on the engine, by kind."""
        label = f"label=com.docker.stack.namespace={self.name}"
        found = {
            kind: docker(kind, "ls", "--quiet", "--filter", label).stdout.split()
            for kind in ("service", "secret", "config", "network", "volume")
        }
        found["volume"] += docker("volume", "ls", "--quiet", "--filter", f"name={self.name}").stdout.split()
        found["container"] = docker("ps", "-a", "--quiet", "--filter", label).stdout.split()
        found["container"] += docker("ps", "-a", "--quiet", "--filter", f"name={self.name}-registry").stdout.split()
        images = docker("image", "ls", "--digests", "--format", "{{.Repository}} {{.Tag}} {{.Digest}}").stdout
        found["image"] = [
            f"{repo}:{tag}" if tag != "<none>" else f"{repo}@{digest}"
            for repo, tag, digest in (line.split() for line in images.splitlines())
            if repo in (self.repository, self.proxy_repository)
        ]
        return {kind: items for kind, items in found.items() if items}

    def remove(self):
        """Remove the stack, its registry, volumes and images; leave a swarm this test started."""
        docker("stack", "rm", "--detach=false", self.name, check=False, timeout=300)
        docker("container", "rm", "--force", "--volumes", f"{self.name}-registry", check=False)
        # Task containers go after their services, volumes only after their containers.
        label = f"label=com.docker.stack.namespace={self.name}"
        wait_for(lambda: not docker("ps", "-a", "--quiet", "--filter", label).stdout.strip(), 120)
        wait_for(lambda: not self.leftovers().get("network"), 60)
        for kind, items in self.leftovers().items():
            if kind in ("secret", "config", "volume"):
                docker(kind, "rm", *items, check=False)
            elif kind == "image":
                docker("image", "rm", *items, check=False)


class Client:
    """Sends requests through the proxy without pause, in a thread: a write, then reading it back."""

    def __init__(self, url, headers):
        self.url = f"{url}/api/items"
        self.headers = headers
        self.sent, self.failures, self.acknowledged = 0, [], []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.loop, daemon=True)

    def loop(self):
        while not self.stop.is_set():
            self.request("POST", self.url, {"name": f"load-{self.sent}"}, 201)
            if self.acknowledged:
                self.request("GET", f"{self.url}/{self.acknowledged[-1]}", None, 200)

    def request(self, method, url, body, expected):
        self.sent += 1
        try:
            status, answer = http(method, url, body, timeout=15, headers=self.headers)
        except OSError as error:
            self.failures.append(f"{method} {url}: {error!r}")
            return
        if status != expected:
            self.failures.append(f"{method} {url}: {status} {answer}")
        elif method == "POST":
            self.acknowledged.append(answer["id"])

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(30)


@pytest.fixture(scope="module")
def on_swarm(cookies_session):
    """The project on a single-node swarm, with its registry (`make registry`) and nothing pushed yet."""
    require_docker()
    project = bake_with(cookies_session, {"project_slug": "swarm-test", "deploy": "swarm"})
    provide("provide", *external_images(project), "registry:2")
    started_swarm = docker("info", "--format", "{{.Swarm.LocalNodeState}}").stdout.strip() != "active"
    if started_swarm:
        docker("swarm", "init", "--advertise-addr", "127.0.0.1")
    deployment = Swarm(project)
    try:
        deployment.make("registry", timeout=300)
        yield deployment
    finally:
        urllib.request.install_opener(None)
        deployment.remove()
        if started_swarm:
            docker("swarm", "leave", "--force", check=False)


@pytest.fixture(scope="module")
def swarm(on_swarm, figures):
    """The deployed stack: `make push`, then `make deploy`."""
    on_swarm.make("push", timeout=1200)
    started = time.monotonic()
    on_swarm.make("deploy")
    figures["swarm: make deploy to all services converged"] = f"{time.monotonic() - started:.1f} s"
    on_swarm.trust_the_proxy()
    python = run([on_swarm.env["PYTHON"], "--version"]).stdout.split()[1]
    figures["swarm: the Python that ran make deploy's script"] = python
    return on_swarm


def api_round_trip(swarm, name):
    status, item = http("POST", f"{swarm.proxy}/api/items", {"name": name}, headers=swarm.auth())
    assert status == 201, item
    status, read = http("GET", f"{swarm.proxy}/api/items/{item['id']}", headers=swarm.auth())
    assert (status, read["name"]) == (200, name)
    return item


def served_by(swarm, requests, path="/openapi.json", headers=None, expected=200):
    """The app tasks (address:port) that answered requests to path through the proxy."""
    tasks = set()
    for _ in range(requests):
        status, answer_headers, _answer = http_exchange("GET", f"{swarm.proxy}{path}", headers=headers)
        assert status == expected, (path, status)
        tasks.add(answer_headers["X-Served-By"])
    return tasks


def app_targets_up(swarm):
    """The "App instances up" figure of the Grafana dashboard: sum(up{job="app"}), from Prometheus."""
    result = swarm.prometheus('sum(up{job="app"})')
    return int(result[0]["value"][1]) if result else 0


def host_addresses():
    """This machine's own IPv4 addresses other than loopback and Docker's bridges (eth0's, ...)."""
    links = json.loads(run(["ip", "-json", "-4", "address", "show"]).stdout)
    bridges = ("docker", "br-", "veth")
    return [
        address["local"]
        for link in links
        if not link["ifname"].startswith(bridges) and link["ifname"] != "lo"
        for address in link.get("addr_info", [])
    ]


def answers(host, port):
    """Whether a TCP connection to host:port is accepted."""
    try:
        socket.create_connection((host, port), timeout=3).close()
        return True
    except OSError:
        return False


@pytest.mark.docker
def test_the_registry_answers_on_loopback_only(on_swarm):
    """`make registry` has no login and no TLS: published on 127.0.0.1 only, no other host can push to it. The
    same port on this machine's other addresses refuses the connection, where a listener on every address
    (a stand-in for how it was published before) is reached."""
    host, port = on_swarm.registry.split(":")

    def registry_status():
        try:
            return http("GET", f"http://{on_swarm.registry}/v2/")[0]
        except OSError:  # (starting: Docker's proxy accepts, the registry is not there yet)
            return None

    assert host == "127.0.0.1" and wait_for(registry_status, 30) == 200
    addresses = host_addresses()
    assert addresses, "no non-loopback address to try"
    with socket.create_server(("0.0.0.0", 0)) as everywhere:
        control = everywhere.getsockname()[1]
        assert all(answers(address, control) for address in addresses), addresses
        assert not [address for address in addresses if answers(address, int(port))], addresses
    container = inspect("container", f"{on_swarm.name}-registry")
    bindings = [b["HostIp"] for ports in container["HostConfig"]["PortBindings"].values() for b in ports]
    assert bindings == ["127.0.0.1"], bindings
    assert container["HostConfig"]["ReadonlyRootfs"] and container["HostConfig"]["CapDrop"] == ["ALL"]


@pytest.mark.docker
def test_deploy_before_push_fails_at_once_naming_the_image_and_the_command(on_swarm, figures):
    """The registry runs but has no image yet: one line, and nothing is deployed (before, every task was
    rejected with "No such image" until the deploy gave up after 10 minutes)."""
    started = time.monotonic()
    result = on_swarm.make("deploy", check=False, timeout=120)
    figures["swarm: make deploy before make push, refused after"] = f"{time.monotonic() - started:.1f} s"
    assert result.returncode != 0
    (line,) = [line for line in result.stderr.splitlines() if line.startswith("cannot deploy:")]
    assert f"the registry has no {on_swarm.repository}:{APP_VERSION} (" in line, line
    assert f"{on_swarm.proxy_repository}:" in line, line  # the proxy's image is the project's too
    assert f"`make push APP_VERSION={APP_VERSION}` builds and pushes them" in line, line
    label = f"label=com.docker.stack.namespace={on_swarm.name}"
    assert docker("service", "ls", "--quiet", "--filter", label).stdout == ""


@pytest.mark.docker
def test_deploy_runs_replicas_healthy_behind_the_proxy(swarm):
    assert swarm.service("app")["Spec"]["Mode"]["Replicated"]["Replicas"] == 2
    services = ["app", "db", "prometheus", "postgres-exporter", "proxy", "valkey"]
    counts = {"app": 2}
    assert wait_for(lambda: all(swarm.healthy(name, counts.get(name, 1)) for name in services), 120), {
        name: [c["State"].get("Health", {}).get("Status") for c in swarm.running(name).values()] for name in services
    }
    # The database's overlay network is encrypted (IPsec between nodes) and internal; the app reaches the db
    # over it (the round trip below). On one node, no packet crosses between nodes to be encrypted.
    backend = inspect("network", f"{swarm.name}_backend")
    assert backend["Driver"] == "overlay" and backend["Options"].get("encrypted") == "true", backend["Options"]
    assert backend["Internal"] is True
    # The migrations ran once, as a job, and finished.
    tasks = docker("service", "ps", "--format", "{{.CurrentState}}", f"{swarm.name}_migrate").stdout.splitlines()
    assert len(tasks) == 1 and tasks[0].startswith("Complete"), tasks
    api_round_trip(swarm, "through the proxy")


@pytest.mark.docker
def test_one_rate_limit_store_counts_for_every_replica(swarm):
    """The replicas count one address's requests in the one valkey task: what is left of its limit
    goes down by exactly one per request, whichever replica answers (with a store per replica it
    would jump between their counts)."""
    assert swarm.healthy("valkey", 1)
    remaining, tasks = [], set()
    for _ in range(30):
        status, headers, _answer = http_exchange("GET", f"{swarm.proxy}/openapi.json")
        assert status == 200
        remaining.append(int(headers["X-RateLimit-Remaining"]))
        tasks.add(headers["X-Served-By"])
    assert len(tasks) == 2, tasks
    assert remaining == list(range(remaining[0], remaining[0] - 30, -1)), remaining


@pytest.mark.docker
def test_scale_spreads_requests_and_prometheus_finds_every_replica(swarm, figures):
    swarm.make("scale", "N=3")
    assert wait_for(lambda: swarm.healthy("app", 3), 90)
    # The proxy asks Docker's DNS again every second: the new task gets requests within a few.
    tasks = served_by(swarm, 30)
    assert wait_for(lambda: len(tasks.update(served_by(swarm, 10)) or tasks) == 3, 30), tasks
    # Prometheus finds the new task by DNS (every 10 s) and scrapes it (every 15 s).
    assert wait_for(lambda: app_targets_up(swarm) == 3, 90), swarm.prometheus('up{job="app"}')
    figures["swarm: app tasks answering through the proxy after make scale N=3"] = str(len(tasks))


@pytest.mark.docker
def test_a_revoked_token_is_refused_at_once_by_every_replica(swarm):
    """Tokens live in the one database: a revocation holds on every replica from the next request."""
    headers = {"Authorization": f"Bearer {swarm.token('revoked-on-swarm', 'items:read')}"}
    tasks = set()
    assert wait_for(lambda: len(tasks.update(served_by(swarm, 10, "/api/items", headers)) or tasks) == 3, 30), tasks
    container = next(iter(swarm.running("app"))).lstrip("/")
    package = swarm.project.name.replace("-", "_")
    docker("exec", container, "python", "-m", package, "token", "revoke", "revoked-on-swarm")
    refused = set()
    assert wait_for(lambda: len(refused.update(served_by(swarm, 10, "/api/items", headers, 401)) or refused) == 3, 30)
    assert http("GET", f"{swarm.proxy}/api/items")[0] == 401  # and anonymous too


@pytest.mark.docker
def test_rolling_update_loses_no_request(swarm, figures):
    swarm.env.update(APP_VERSION=NEW_VERSION, APP_REPLICAS="3")
    swarm.make("push", timeout=600)
    with Client(swarm.proxy, swarm.auth()) as client:
        time.sleep(2)
        started = time.monotonic()
        swarm.make("deploy")
        took = time.monotonic() - started
        time.sleep(2)
    images = [c["Config"]["Image"] for c in swarm.running("app").values()]
    assert len(images) == 3 and all(image.startswith(f"{swarm.repository}:{NEW_VERSION}") for image in images)
    assert client.sent > 50 and not client.failures, client.failures[:10]
    missing = [
        i for i in client.acknowledged if http("GET", f"{swarm.proxy}/api/items/{i}", headers=swarm.auth())[0] != 200
    ]
    assert not missing, missing
    figures["swarm: rolling update of 3 replicas (make deploy)"] = f"{took:.1f} s"
    figures["swarm: requests during the rolling update, sent / failed"] = f"{client.sent} / {len(client.failures)}"
    figures["swarm: writes acknowledged during the update, all present after"] = str(len(client.acknowledged))


BROKEN_DOCKERFILE = """\
FROM {image}
USER root
RUN printf 'raise SystemExit("this version fails its healthcheck on purpose")\\n' > /usr/local/bin/healthcheck.py
USER 10001:10001
"""


@pytest.mark.docker
def test_update_to_an_unhealthy_image_rolls_back_by_itself(swarm, figures):
    broken = f"{swarm.repository}:{BROKEN_VERSION}"
    dockerfile = BROKEN_DOCKERFILE.format(image=f"{swarm.repository}:{NEW_VERSION}")
    run(["docker", "build", "--tag", broken, "-"], input=dockerfile, timeout=300)
    docker("push", broken, timeout=300)
    swarm.env.update(APP_VERSION=BROKEN_VERSION)
    with Client(swarm.proxy, swarm.auth()) as client:
        time.sleep(2)
        started = time.monotonic()
        # stack deploy waits for the services, and says that the app's update was rolled back.
        swarm.make("deploy", check=False)
        state = wait_for(lambda: swarm.service("app").get("UpdateStatus", {}).get("State") == "rollback_completed", 180)
        took = time.monotonic() - started
        time.sleep(2)
    swarm.env.update(APP_VERSION=NEW_VERSION)
    assert state, swarm.service("app").get("UpdateStatus")
    image = swarm.service("app")["Spec"]["TaskTemplate"]["ContainerSpec"]["Image"]
    assert image.startswith(f"{swarm.repository}:{NEW_VERSION}"), image
    assert wait_for(lambda: swarm.healthy("app", 3), 60)
    assert all(
        c["Config"]["Image"].startswith(f"{swarm.repository}:{NEW_VERSION}") for c in swarm.running("app").values()
    )
    assert client.sent > 50 and not client.failures, client.failures[:10]
    figures["swarm: update to an unhealthy image, rolled back after"] = f"{took:.1f} s"
    figures["swarm: requests during the failed update and rollback, sent / failed"] = (
        f"{client.sent} / {len(client.failures)}"
    )


@pytest.mark.docker
def test_data_survives_undeploy_and_deploy(swarm):
    items = [api_round_trip(swarm, f"kept-{n}") for n in range(3)]
    swarm.make("undeploy", timeout=300)
    assert not docker("service", "ls", "--quiet", "--filter", f"label=com.docker.stack.namespace={swarm.name}").stdout
    swarm.make("deploy")
    for item in items:
        status, read = http("GET", f"{swarm.proxy}/api/items/{item['id']}", headers=swarm.auth())
        assert (status, read) == (200, item)


@pytest.mark.docker
def test_removing_the_deployment_leaves_nothing(swarm):
    swarm.remove()
    assert swarm.leftovers() == {}
