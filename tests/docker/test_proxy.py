"""The front door: the default stack in production mode (compose.yaml alone: the proxy is the only way
in), over HTTPS on 127.0.0.1, verified against the proxy's own root certificate; and the Caddyfile of
a real domain, checked by Caddy itself.

The Docker tests run in file order on one stack; the last one takes it down and up again.
"""

import base64
import collections
import concurrent.futures
import gzip
import hashlib
import http.client
import json
import random
import re
import socket
import ssl
import string
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from tooling.bake import bake_with
from tooling.browser import count_colour, screenshot
from tooling.combinations import DEFAULTS
from tooling.docker import assert_non_root_without_capabilities, docker, inspect, require_docker, running_stack
from tooling.postgres import free_port
from tooling.process import run, wait_for
from tooling.slow_clients import attack
from tooling.web import json_record, json_records

pytestmark = pytest.mark.docker

ROOT_CERTIFICATE = "/data/caddy/pki/authorities/local/root.crt"
LIMIT = 64 * 1024  # MAX_CONTENT_LENGTH's default (config.py)
# The bound on the app's /metrics after 5,000 invented requests (about 19 KB before any request;
# before the labels were bounded, 10,000 invented methods grew it to 15.6 MB): 8 methods x (routes
# + 1) x statuses at most, of which the test's requests make a few.
METRICS_BOUND = 128 * 1024
SERIES_BOUND = 60


class LocalhostHTTPS(http.client.HTTPSConnection):
    """HTTPS to 127.0.0.1 (where the port is published), for the name `localhost` (SNI, certificate check)."""

    def connect(self):
        sock = socket.create_connection(("127.0.0.1", self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname="localhost")


class Front:
    """The running stack's front door, and a client that trusts its root certificate only."""

    def __init__(self, stack):
        self.stack = stack
        self.https_port = stack.ports["HTTPS_PORT"]
        self.http_port = stack.ports["HTTP_PORT"]
        self.root_pem = stack.compose("exec", "-T", "proxy", "cat", ROOT_CERTIFICATE).stdout
        self.context = ssl.create_default_context(cadata=self.root_pem)  # the system's CAs are not asked
        self.context.set_alpn_protocols(["h2", "http/1.1"])
        self.http11 = ssl.create_default_context(cadata=self.root_pem)  # http.client speaks HTTP/1.1

    def request(self, method, path, body=None, headers=None, timeout=10, auth=True):
        """(status, headers, body bytes) over HTTPS; with auth, the stack's token (Stack.auth) unless
        headers name another Authorization."""
        connection = LocalhostHTTPS("127.0.0.1", self.https_port, timeout=timeout, context=self.http11)
        if auth and "Authorization" not in (headers or {}):
            headers = {**self.stack.auth(), **(headers or {})}
        if isinstance(body, (dict, list)):
            body, headers = json.dumps(body).encode(), {"Content-Type": "application/json", **(headers or {})}
        try:
            connection.request(method, path, body, {"Host": f"localhost:{self.https_port}", **(headers or {})})
            response = connection.getresponse()
            return response.status, response.headers, response.read()
        finally:
            connection.close()

    def handshake(self) -> ssl.SSLSocket:
        sock = socket.create_connection(("127.0.0.1", self.https_port), 10)
        return self.context.wrap_socket(sock, server_hostname="localhost")

    def fingerprint(self) -> str:
        with self.handshake() as tls:
            return hashlib.sha256(tls.getpeercert(binary_form=True)).hexdigest()

    def logs(self, service):
        return json_records(self.stack.compose("logs", "--no-color", "--no-log-prefix", service).stdout)


# Anonymous requests per address (RATELIMIT_ANONYMOUS): every test here comes from one address (the
# Docker network's gateway, as the proxy sees it), and the slow-client test alone sends hundreds.
ANONYMOUS_LIMIT = 1000
# Requests per token (RATELIMIT_CALLER), above what any other test sends with one token; failed
# authentications per address (RATELIMIT_AUTH_FAILURES), above the wrong tokens the other tests send
# through the proxy (their address is the gateway's; the test of this limit sends from inside the app).
CALLER_LIMIT = 1000
AUTH_FAILURES_LIMIT = 200


@pytest.fixture(scope="module")
def front(cookies_session, figures):
    require_docker()
    project = bake_with(cookies_session, {"project_slug": "front"})
    limits = {
        "RATELIMIT_ANONYMOUS": f"{ANONYMOUS_LIMIT}/minute",
        "RATELIMIT_CALLER": f"{CALLER_LIMIT}/minute",
        "RATELIMIT_AUTH_FAILURES": f"{AUTH_FAILURES_LIMIT}/minute",
    }
    with running_stack(project, DEFAULTS, production=True, direct_app=False, extra_env=limits) as (stack, took):
        figures["front door stack (compose.yaml alone): up --build --wait"] = f"{took:.1f} s"
        yield Front(stack)


def test_the_proxy_is_the_only_way_in_and_is_hardened(front):
    published = {name: row.get("Publishers") or [] for name, row in front.stack.services().items()}
    assert not [p for p in published["app"] if p.get("PublishedPort")], "compose.yaml publishes the app"
    proxy = inspect("container", front.stack.container("proxy"))
    host = proxy["HostConfig"]
    assert host["ReadonlyRootfs"] and host["CapDrop"] == ["ALL"] and not host["CapAdd"]
    assert "no-new-privileges:true" in host["SecurityOpt"]
    assert host["Memory"] and host["NanoCpus"] and host["PidsLimit"]
    assert proxy["State"]["Health"]["Status"] == "healthy"
    # The image's own user (docker/proxy/Dockerfile), and no file capability left on Caddy's binary.
    assert proxy["Config"]["User"].split(":")[0] not in ("", "0", "root")
    assert_non_root_without_capabilities(front.stack)
    bindings = [b["HostIp"] for ports in host["PortBindings"].values() for b in ports]
    assert bindings and set(bindings) == {"127.0.0.1"}, bindings  # PROXY_BIND's default


# Through the app's own connection (its settings, in its container): what the app's role may do.
ALLOWED = [
    "INSERT INTO items (name) VALUES ('by the app role')",
    "UPDATE items SET description = 'changed' WHERE name = 'by the app role'",
    "SELECT description FROM items WHERE name = 'by the app role'",
    "DELETE FROM items WHERE name = 'by the app role'",
]
REFUSED = [
    "CREATE TABLE intruder (x int)",
    "CREATE TEMPORARY TABLE intruder (x int)",
    "COPY (SELECT 1) TO PROGRAM 'true'",
    "ALTER ROLE app SUPERUSER",
    "ALTER ROLE reporting PASSWORD 'taken'",
    "DROP TABLE items",
    "ALTER TABLE items ADD COLUMN intruder int",
    "TRUNCATE items",
    "SELECT pg_read_file('/run/secrets/db_password')",
]


def test_the_app_connects_as_a_role_that_owns_nothing_and_may_only_read_and_write_rows(front):
    stack = front.stack
    (who, owns, *allowed), refused = (
        stack.sql_as(
            "app",
            [
                "SELECT current_user, rolsuper, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = current_user",
                "SELECT count(*) FROM pg_class WHERE relowner = current_user::regrole",
                *ALLOWED,
            ],
        ),
        stack.sql_as("app", REFUSED),
    )
    assert who == ("ok", [["app", "False", "False", "False"]]) and owns == ("ok", [["0"]])
    assert [status for status, _ in allowed] == ["ok"] * len(ALLOWED), allowed
    assert allowed[2][1] == [["changed"]]
    for statement, (status, message) in zip(REFUSED, refused, strict=True):
        assert status == "error" and "InsufficientPrivilege" in message, (statement, message)
    # The tables belong to the owner role, which the migrations ran as; the superuser owns none.
    assert stack.psql("SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'") == "app_owner"
    migrate = inspect("container", stack.container("migrate"))["Config"]["Env"]
    assert "POSTGRES_USER=app_owner" in migrate


def test_a_table_a_later_migration_creates_is_the_apps_to_read_and_write(front):
    """The owner role's default privileges: what its migrations create, the app may use at once."""
    stack = front.stack
    made = stack.sql_as("migrate", ["CREATE TABLE later (id serial PRIMARY KEY, note text)"])
    try:
        assert made == [("ok", [])]
        used = stack.sql_as("app", ["INSERT INTO later (note) VALUES ('new') RETURNING id", "SELECT note FROM later"])
        assert used == [("ok", [["1"]]), ("ok", [["new"]])]
        assert stack.sql_as("app", ["DROP TABLE later"])[0][0] == "error"
    finally:
        stack.sql_as("migrate", ["DROP TABLE IF EXISTS later"])


def test_the_proxy_reaches_the_app_and_nothing_else(front):
    """Networks by duty: from inside the proxy's container, the db and Prometheus are out of reach,
    by name and at every address they have; the app is not."""
    stack = front.stack
    ports = {"db": 5432, "valkey": 6379, "prometheus": 9090, "postgres-exporter": 9187}
    targets = [f"{name}:{port}" for name, port in ports.items()]
    targets += [f"{address}:{port}" for name, port in ports.items() for address in stack.addresses(name)]
    reached = stack.tcp_from("proxy", "app:8000", *targets)
    assert reached.pop("app:8000") == "connected"
    assert [target for target, outcome in reached.items() if outcome == "connected"] == [], reached
    # The db's network has no route out; the app still reaches the db (it answers above).
    (backend,) = [n for n in inspect("container", stack.container("db"))["NetworkSettings"]["Networks"]]
    assert inspect("network", backend)["Internal"] is True


def test_prometheus_scrapes_every_target(front):
    """Each network Prometheus needs: every target is up, the proxy's (over proxy-metrics) too."""
    url = f"http://127.0.0.1:{front.stack.ports['PROMETHEUS_PORT']}/api/v1/targets"

    def all_up():
        with urllib.request.urlopen(url, timeout=5) as response:
            targets = json.load(response)["data"]["activeTargets"]
        health = {target["labels"]["job"]: target["health"] for target in targets}
        jobs = {"app", "proxy", "postgres", "prometheus"}
        return health if set(health) >= jobs and set(health.values()) == {"up"} else None

    assert wait_for(all_up, every=2), "not every target is up"


def test_https_with_the_proxys_own_certificate_and_http2(front):
    status, headers, body = front.request("GET", "/api/items")
    assert status == 200 and "items" in json.loads(body)
    with front.handshake() as tls:  # verified against the root certificate from the proxy's volume
        assert tls.selected_alpn_protocol() == "h2"
        assert tls.version() in ("TLSv1.3", "TLSv1.2")
    # HTTP/3 is offered (on UDP HTTPS_PORT, published too).
    assert f'h3=":{front.https_port}"' in headers["Alt-Svc"]
    untrusting = ssl.create_default_context()
    with pytest.raises(ssl.SSLCertVerificationError):
        untrusting.wrap_socket(
            socket.create_connection(("127.0.0.1", front.https_port), 10), server_hostname="localhost"
        )


def test_plain_http_redirects_permanently_to_https(front):
    connection = http.client.HTTPConnection("127.0.0.1", front.http_port, timeout=10)
    connection.request("POST", "/api/items?page=2", b"{}", {"Host": f"localhost:{front.http_port}"})
    response = connection.getresponse()
    # 308 keeps the method and body; the Location names HTTPS_PORT, which is not 443 here (nor 8443,
    # the port Caddy listens on inside its container).
    assert response.status == 308
    assert response.headers["Location"] == f"https://localhost:{front.https_port}/api/items?page=2"


def listening_ports(container):
    """The TCP ports a container listens on and the UDP ports it has bound, read in its own network namespace."""
    tables = ("tcp", "tcp6", "udp", "udp6")
    out = docker("exec", container, "cat", *(f"/proc/net/{t}" for t in tables), check=False).stdout
    ports = set()
    for line in out.splitlines():
        fields = line.split()
        if len(fields) > 3 and ":" in fields[1] and fields[0].endswith(":"):
            state = fields[3]  # 0A: a TCP socket listening; 07: a UDP socket (bound)
            if state in ("0A", "07"):
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


def test_no_container_listens_on_a_privileged_port(front):
    """CIS Docker Benchmark 5.8: the proxy listens on 8080 and 8443 inside; 80 and 443 are only what is published."""
    listening = {
        name: listening_ports(row["Name"]) for name, row in front.stack.services().items() if row["State"] == "running"
    }
    assert {8080, 8443, 2020} <= listening["proxy"] and 8000 in listening["app"], listening
    assert not {name: ports for name, ports in listening.items() if any(port < 1024 for port in ports)}, listening
    bindings = inspect("container", front.stack.container("proxy"))["HostConfig"]["PortBindings"]
    published = {inside: [int(b["HostPort"]) for b in bound] for inside, bound in bindings.items()}
    assert published == {
        "8080/tcp": [front.http_port],
        "8443/tcp": [front.https_port],
        "8443/udp": [front.https_port],
    }


def test_the_redirect_leaves_out_the_default_https_port(front):
    """HTTPS_PORT=443 (the default, which the tests cannot publish here): the proxy's image, run on its own."""
    image = inspect("container", front.stack.container("proxy"))["Config"]["Image"]
    env = {
        "HTTPS_PORT": "443",
        "SITE_ADDRESS": "localhost",
        "ACME_EMAIL": "ops@example.com",
        "MAX_CONTENT_LENGTH": str(LIMIT),
    }
    port = free_port()
    args = [*(f"--env={k}={v}" for k, v in env.items()), f"--publish=127.0.0.1:{port}:8080", "--read-only"]
    container = docker("run", "--detach", "--rm", "--tmpfs=/tmp", "--cap-drop=ALL", *args, image).stdout.strip()
    try:

        def redirect():
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            try:
                connection.request("GET", "/api/items?page=2", headers={"Host": "localhost"})
                response = connection.getresponse()
                return response.status, response.headers["Location"]
            except OSError:
                return None
            finally:
                connection.close()

        assert wait_for(redirect, timeout=30) == (308, "https://localhost/api/items?page=2")
    finally:
        docker("rm", "--force", container, check=False)


def test_security_headers_and_no_server_version(front):
    _, headers, _ = front.request("GET", "/api/items")
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert "Server" not in headers  # neither gunicorn's nor Caddy's
    assert "Strict-Transport-Security" not in headers  # localhost: no HSTS
    connection = http.client.HTTPConnection("127.0.0.1", front.http_port, timeout=10)
    connection.request("GET", "/", headers={"Host": "localhost"})
    server = connection.getresponse().headers.get("Server", "")
    assert not re.search(r"\d", server), server  # Caddy's own answers (the redirect): no version


def test_json_is_compressed(front):
    for n in range(15):  # a list long enough to be worth compressing
        assert front.request("POST", "/api/items", {"name": f"compressed item {n}"})[0] == 201
    status, headers, body = front.request("GET", "/api/items", headers={"Accept-Encoding": "gzip"})
    assert status == 200 and headers["Content-Encoding"] == "gzip"
    assert len(json.loads(gzip.decompress(body))["items"]) >= 15


def test_a_body_over_the_limit_gets_413_from_the_proxy(front):
    request_id = f"too-large-{uuid.uuid4().hex}"
    body = json.dumps({"name": "x" * LIMIT}).encode()
    status, headers, answer = front.request(
        "POST", "/api/items", body, {"Content-Type": "application/json", "X-Request-ID": request_id}
    )
    assert status == 413 and headers["Content-Type"] == "application/json"
    assert json.loads(answer)["status"] == 413
    assert not [r for r in front.logs("app") if r.get("request_id") == request_id], "the app saw it"
    # A body of exactly the limit passes through to the app, which judges it (a name that long: 400).
    passed = f"at-the-limit-{uuid.uuid4().hex}"
    body = json.dumps({"name": "y" * (LIMIT - len('{"name": ""}'))}).encode()
    assert len(body) == LIMIT
    status, _, _ = front.request(
        "POST", "/api/items", body, {"Content-Type": "application/json", "X-Request-ID": passed}
    )
    assert status == 400
    assert [r for r in front.logs("app") if r.get("request_id") == passed]


def test_the_app_logs_the_real_client_and_the_proxys_request_id(front):
    given = f"client-id-{uuid.uuid4().hex}"
    status, headers, body = front.request(
        "POST", "/api/items", {"name": "behind the proxy"}, {"X-Request-ID": given, "X-Forwarded-For": "203.0.113.9"}
    )
    assert status == 201 and headers["X-Request-ID"] == given
    # Location of the created item: https, on the proxy's address (X-Forwarded-Proto/-Host).
    assert headers["Location"] == f"https://localhost:{front.https_port}/api/items/{json.loads(body)['id']}"
    (app_line,) = [r for r in front.logs("app") if r.get("request_id") == given]
    (proxy_line,) = [
        r for r in front.logs("proxy") if r.get("request", {}).get("headers", {}).get("X-Request-Id") == [given]
    ]
    # The client's address as the proxy saw it (the peer), not the forged X-Forwarded-For.
    assert app_line["client"] == proxy_line["request"]["remote_ip"] != "203.0.113.9"
    # Without an id, or with one the app would refuse, the proxy makes one: both logs name it.
    for sent in ({}, {"X-Request-ID": "spaces are not allowed"}):
        status, headers, _ = front.request("GET", "/api/items", headers=sent)
        made = headers["X-Request-ID"]
        assert status == 200 and made != sent.get("X-Request-ID")
        assert [r for r in front.logs("app") if r.get("request_id") == made]
        # (Caddy logs the request headers as the client sent them, and the response headers.)
        assert [r for r in front.logs("proxy") if r.get("resp_headers", {}).get("X-Request-Id") == [made]]


def test_slow_clients_do_not_starve_polite_ones(front, figures):
    def polite(timeout):
        status, _, _ = front.request("GET", "/api/items", timeout=timeout)
        assert status == 200

    result = attack(
        front.https_port,
        polite,
        host_header=f"localhost:{front.https_port}",
        context=front.http11,
        server_name="localhost",
        connections=200,
        seconds=15,
    )
    figures["slow clients through the proxy (200 slowloris connections, 15 s)"] = result.summary()
    assert result.slow_clients == 200
    assert result.polite_sent >= 20 and result.polite_in_time == result.polite_sent, result.summary()
    # The proxy dropped them (read_header 10 s), and the stack is healthy afterwards.
    assert result.dropped_by_server == result.slow_clients, result.summary()
    for name, row in front.stack.services().items():
        if name != "migrate":  # the one-off, done before the app started
            assert row["State"] == "running" and row["Health"] == "healthy", (name, row)
    assert front.request("GET", "/openapi.json")[0] == 200  # (the probes are inside only)


def test_internal_endpoints_stay_inside_and_the_docs_are_off(front):
    """The proxy passes on only /api/*, /openapi.json and /docs (off in compose.yaml: API_DOCS);
    the rest is 404 in the app's error shape. Prometheus still scrapes the app inside."""
    for path in ("/metrics", "/healthz", "/readyz", "/", "/admin", "/docs", "/docs/css/swagger-ui.css"):
        status, headers, body = front.request("GET", path, headers={"X-Request-ID": "inside-only"})
        assert status == 404 and headers["Content-Type"] == "application/json", path
        assert json.loads(body) == {"error": "Not Found", "message": json.loads(body)["message"], "status": 404}
        assert headers["X-Request-ID"] == "inside-only"
    assert front.request("GET", "/openapi.json")[0] == 200
    query = f"http://127.0.0.1:{front.stack.ports['PROMETHEUS_PORT']}/api/v1/query?query=up%7Bjob%3D%22app%22%7D"

    def app_is_up():
        with urllib.request.urlopen(query, timeout=5) as response:
            results = json.load(response)["data"]["result"]
        return results and all(r["value"][1] == "1" for r in results)

    assert wait_for(app_is_up, 60), "Prometheus does not scrape the app"


# Run inside the app's container, from 127.0.0.1: an address of its own, apart from the tests'
# requests through the proxy. BURST: argv[2] requests to the path argv[1], from 8 threads over
# gunicorn's workers; prints how many got each status. ANSWER: one GET; prints its status, headers, body.
BURST = """
import collections, concurrent.futures, json, sys, urllib.error, urllib.request
def get(_):
    try:
        return urllib.request.urlopen("http://127.0.0.1:8000" + sys.argv[1], timeout=10).status
    except urllib.error.HTTPError as error:
        return error.code
with concurrent.futures.ThreadPoolExecutor(8) as pool:
    print(json.dumps(collections.Counter(pool.map(get, range(int(sys.argv[2]))))))
"""
ANSWER = """
import json, sys, urllib.error, urllib.request
try:
    response = urllib.request.urlopen("http://127.0.0.1:8000" + sys.argv[1], timeout=10)
except urllib.error.HTTPError as error:
    response = error
print(json.dumps({"status": response.status, "headers": dict(response.headers), "body": response.read().decode()}))
"""


# SEQUENCE: argv[2] GETs of the path argv[1] one after the other, with the Authorization header argv[3],
# sent to the container's own network address (not 127.0.0.1: an address BURST's limits do not count);
# prints their statuses in order.
SEQUENCE = """
import json, socket, sys, urllib.error, urllib.request
url = f"http://{socket.gethostbyname(socket.gethostname())}:8000" + sys.argv[1]
def get():
    request = urllib.request.Request(url, headers={"Authorization": sys.argv[3]})
    try:
        return urllib.request.urlopen(request, timeout=10).status
    except urllib.error.HTTPError as error:
        return error.code
print(json.dumps([get() for _ in range(int(sys.argv[2]))]))
"""


def inside_app(front, script, *args):
    return json.loads(front.stack.compose("exec", "-T", "app", "python", "-c", script, *map(str, args)).stdout)


def test_an_address_gets_exactly_its_limit_across_the_workers(front):
    """gunicorn's workers (GUNICORN_WORKERS, 2) count in the one valkey store: exactly the limit is
    served, not the limit once per worker; probes are never limited, and the counts are in valkey."""
    assert inside_app(front, BURST, "/openapi.json", ANONYMOUS_LIMIT + 100) == {"200": ANONYMOUS_LIMIT, "429": 100}
    answer = inside_app(front, ANSWER, "/openapi.json")
    assert answer["status"] == 429 and json.loads(answer["body"])["status"] == 429
    assert 1 <= int(answer["headers"]["Retry-After"]) <= 60
    assert answer["headers"]["X-RateLimit-Remaining"] == "0" and answer["headers"]["X-Request-ID"]
    assert inside_app(front, BURST, "/healthz", 50) == {"200": 50}
    keys = front.stack.compose("exec", "-T", "valkey", "valkey-cli", "--scan", "--pattern", "LIMITS*").stdout
    assert "anonymous" in keys, keys


def send_all(front, requests, headers=None):
    """The statuses of requests [(method, path)] sent through the front door over 8 kept-alive
    connections at once, without the stack's token unless headers has one."""

    def send(chunk):
        connection = LocalhostHTTPS("127.0.0.1", front.https_port, timeout=10, context=front.http11)
        statuses = []
        try:
            for method, path in chunk:
                connection.request(method, path, headers={"Host": f"localhost:{front.https_port}", **(headers or {})})
                response = connection.getresponse()
                response.read()
                statuses.append(response.status)
        finally:
            connection.close()
        return statuses

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        return [status for chunk in pool.map(send, [requests[i::8] for i in range(8)]) for status in chunk]


def test_one_token_over_its_limit_gets_429_while_another_is_served(front):
    """RATELIMIT_CALLER counts each token's requests in the one store, whichever worker answers:
    exactly the limit is served through the front door, then 429 with Retry-After; another token
    is still served."""
    over = {"Authorization": f"Bearer {front.stack.token('over-its-limit', 'items:read')}"}
    other = {"Authorization": f"Bearer {front.stack.token('still-served', 'items:read')}"}
    statuses = send_all(front, [("GET", "/api/items")] * (CALLER_LIMIT + 20), over)
    assert collections.Counter(statuses) == {200: CALLER_LIMIT, 429: 20}
    status, headers, body = front.request("GET", "/api/items", headers={**over, "X-Request-ID": "over-the-limit"})
    assert status == 429 and json.loads(body)["status"] == 429 and headers["Content-Type"] == "application/json"
    assert 1 <= int(headers["Retry-After"]) <= 60 and headers["X-RateLimit-Remaining"] == "0"
    assert headers["X-Request-ID"] == "over-the-limit"
    assert front.request("GET", "/api/items", headers=other)[0] == 200


def test_failed_authentications_from_one_address_are_limited(front):
    """Wrong tokens from one address (the app container's own: apart from the other tests'): 401 up to
    RATELIMIT_AUTH_FAILURES, then 429; a valid token from the same address is still served."""
    wrong = "Bearer tok_0123456789abcdef_" + "x" * 43
    statuses = inside_app(front, SEQUENCE, "/api/items", AUTH_FAILURES_LIMIT + 5, wrong)
    assert statuses == [401] * AUTH_FAILURES_LIMIT + [429] * 5, collections.Counter(statuses)
    valid = front.stack.auth()["Authorization"]
    assert inside_app(front, SEQUENCE, "/api/items", 3, valid) == [200] * 3


def test_invented_methods_and_paths_leave_metrics_bounded(front, figures):
    """5,000 requests with invented methods and paths through the front door: the app's /metrics
    (read inside) stays under METRICS_BOUND bytes and its request series under SERIES_BOUND."""
    rng = random.Random(21)
    letters = string.ascii_uppercase

    def invented(n):
        method = "".join(rng.choices(letters, k=rng.randint(3, 10))) if n % 2 else rng.choice(["GET", "DELETE"])
        return method, f"/api/{uuid.uuid4().hex[: rng.randint(1, 32)]}/{n}"

    statuses = send_all(front, [invented(n) for n in range(5000)])
    assert len(statuses) == 5000 and set(statuses) <= {400, 401, 404, 405, 501}, collections.Counter(statuses)
    metrics = inside_app(front, ANSWER, "/metrics")["body"]
    series = [line for line in metrics.splitlines() if line.startswith("http_requests_total{")]
    figures["/metrics after 5,000 invented methods and paths"] = f"{len(metrics)} bytes, {len(series)} request series"
    assert len(metrics) < METRICS_BOUND and len(series) < SERIES_BOUND, (len(metrics), len(series))
    methods = {re.search(r'method="([^"]*)"', line)[1] for line in series}
    assert methods <= {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "other"}, methods


def api_operations(front):
    """(method, path) of every /api/ operation in the document the app serves (an id for the paths)."""
    status, _, body = front.request("GET", "/openapi.json", auth=False)
    assert status == 200
    paths = json.loads(body)["paths"]
    found = [
        (m.upper(), p.replace("{item_id}", "1")) for p, item in paths.items() if p.startswith("/api/") for m in item
    ]
    assert len(found) >= 4, found
    return found


def test_every_api_operation_refuses_anonymous_and_invalid_callers(front):
    for method, path in api_operations(front):
        for sent, challenge in (
            ({}, 'Bearer realm="api"'),
            ({"Authorization": "Bearer tok_0123456789abcdef_" + "A" * 43}, 'Bearer realm="api", error="invalid_token"'),
        ):
            status, headers, body = front.request(method, path, {"name": "x"}, headers=sent, auth=False)
            assert status == 401 and headers["WWW-Authenticate"] == challenge, (method, path, status, body)
            assert json.loads(body)["status"] == 401 and headers["X-Request-ID"], body


def test_a_read_only_token_reads_and_a_write_token_writes(front):
    reader = {"Authorization": f"Bearer {front.stack.token('reader', 'items:read')}"}
    writer = {"Authorization": f"Bearer {front.stack.token('writer', 'items:write')}"}
    status, _, body = front.request("POST", "/api/items", {"name": "written"}, headers=writer)
    assert status == 201
    item = json.loads(body)
    assert front.request("GET", f"/api/items/{item['id']}", headers=reader)[0] == 200
    assert front.request("GET", "/api/items", headers=reader)[0] == 200
    for method, path in (("POST", "/api/items"), ("DELETE", f"/api/items/{item['id']}")):
        status, headers, _ = front.request(method, path, {"name": "x"}, headers=reader)
        assert status == 403, (method, path)
        assert headers["WWW-Authenticate"] == 'Bearer realm="api", error="insufficient_scope", scope="items:write"'
    status, headers, _ = front.request("GET", "/api/items", headers=writer)
    assert status == 403 and 'scope="items:read"' in headers["WWW-Authenticate"]
    assert front.request("DELETE", f"/api/items/{item['id']}", headers=writer)[0] == 204


def statuses(front, headers, count=48):
    """The statuses of count GETs sent 12 at a time: every gunicorn worker (and thread) takes some."""
    with ThreadPoolExecutor(12) as pool:
        return set(pool.map(lambda _: front.request("GET", "/api/items", headers=headers, auth=False)[0], range(count)))


def test_revoked_and_expired_tokens_are_refused_at_once_on_every_worker(front):
    token = front.stack.token("revoked-soon", "items:read")
    headers = {"Authorization": f"Bearer {token}"}
    assert statuses(front, headers) == {200}
    front.stack.revoke("revoked-soon")
    assert statuses(front, headers) == {401}  # no cache anywhere: the next request already fails
    # An expired token: its expiry moved into the past, in the database, as time would.
    expired = {"Authorization": f"Bearer {front.stack.token('expired', 'items:read', expires_in=1)}"}
    assert statuses(front, expired) == {200}
    front.stack.psql("UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE name = 'expired'")
    assert statuses(front, expired) == {401}


def test_no_log_holds_a_token(front):
    """The app logs who called (token:<name>), never the credential; Caddy's access log redacts it."""
    given = f"logged-{uuid.uuid4().hex}"
    assert front.request("GET", "/api/items", headers={"X-Request-ID": given})[0] == 200
    (app_line,) = [r for r in front.logs("app") if r.get("request_id") == given]
    assert app_line["caller"].startswith("token:tests-"), app_line
    (proxy_line,) = [
        r for r in front.logs("proxy") if r.get("request", {}).get("headers", {}).get("X-Request-Id") == [given]
    ]
    # Caddy keeps the header's name, never its value: 2.6 logs [], 2.7 and newer ["REDACTED"].
    assert proxy_line["request"]["headers"]["Authorization"] in ([], ["REDACTED"]), proxy_line
    secret = front.stack.auth()["Authorization"].split("_")[-1]
    assert secret not in front.stack.compose("logs", "--no-color", "app", "proxy").stdout


# ---------------------------------------------------------------- the reports (docs/reports.md)
TODAY_SQL = "SELECT count(*) FROM items WHERE (created_at AT TIME ZONE 'UTC')::date = (now() AT TIME ZONE 'UTC')::date"
METRICS_PROBE = "import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:9200/metrics').read().decode())"


def make_report(front, check=True):
    """`make report` in the running stack: one run, written when it returns."""
    return run(["make", "report"], cwd=front.stack.project, env=front.stack.env, timeout=120, check=check)


def reports_file(front, path):
    return front.stack.compose("exec", "-T", "reports", "cat", f"/reports/{path}").stdout


def reports_metrics(front):
    out = front.stack.compose("exec", "-T", "reports", "python", "-c", METRICS_PROBE).stdout
    return {line.split()[0]: float(line.split()[1]) for line in out.splitlines() if line.startswith("reports_")}


def test_make_report_counts_todays_items_as_sql_does(front):
    for n in range(7):
        assert front.request("POST", "/api/items", {"name": f"reported item {n}"})[0] == 201
    # The run's folder, printed by `report run` (log lines may come after it on the same stream).
    (made,) = [
        line.rsplit("/", 1)[-1] for line in make_report(front).stdout.splitlines() if line.startswith("/reports/runs/")
    ]
    rows = [line.split(",") for line in reports_file(front, "latest/items_per_day.csv").splitlines()]
    assert rows[0] == ["day", "created"] and len(rows) == 31
    today, created = rows[-1]
    assert int(created) == int(front.stack.psql(TODAY_SQL)) >= 7
    assert today == front.stack.psql("SELECT (now() AT TIME ZONE 'UTC')::date")
    assert json.loads(reports_file(front, "runs.json"))["latest"] == made
    assert f"runs/{made}/index.html" in reports_file(front, "index.html")
    assert "<svg" in reports_file(front, "latest/index.html")
    reports = inspect("container", front.stack.container("reports"))
    host = reports["HostConfig"]
    assert host["ReadonlyRootfs"] and host["CapDrop"] == ["ALL"] and host["Memory"] and host["PidsLimit"]
    assert reports["State"]["Health"]["Status"] == "healthy"


def test_the_reports_session_is_read_only(front):
    """The reporting role in the reports container: a write is refused by PostgreSQL."""
    package = front.stack.project.name.replace("-", "_")
    probe = (
        f"from sqlalchemy import text\nfrom {package}.config import Settings\n"
        f"from {package}.reports.runs import read_only_engine\n"
        "with read_only_engine(Settings.from_env()).begin() as connection:\n"
        "    connection.execute(text(\"INSERT INTO items (name) VALUES ('written by reports')\"))\n"
    )
    refused = front.stack.compose("exec", "-T", "reports", "python", "-c", probe, check=False)
    assert refused.returncode != 0 and "read-only transaction" in refused.stderr, refused.stderr
    assert front.stack.psql("SELECT count(*) FROM items WHERE name = 'written by reports'") == "0"


def test_a_report_run_without_the_database_fails_cleanly_and_keeps_the_last_one(front):
    make_report(front)
    before = reports_file(front, "runs.json")
    good = reports_metrics(front)
    front.stack.compose("stop", "db")
    try:
        failed = make_report(front, check=False)
        assert failed.returncode != 0
        assert reports_file(front, "runs.json") == before  # the last good run stays served
        assert reports_file(front, "latest/items_per_day.csv").startswith("day,created\n")
        metrics = reports_metrics(front)
        assert metrics["reports_last_success_timestamp_seconds"] == good["reports_last_success_timestamp_seconds"]
        assert metrics["reports_last_failure_timestamp_seconds"] > metrics["reports_last_success_timestamp_seconds"]
        errors = [r for r in map(json_record, failed.stderr.splitlines()) if r and r.get("level") == "ERROR"]
        assert len(errors) == 1 and errors[0]["message"].startswith("report run failed"), failed.stderr
    finally:
        front.stack.compose("start", "db")
        front.stack.compose("up", "--detach", "--wait", timeout=300)
    make_report(front)
    last_success = "reports_last_success_timestamp_seconds"
    assert reports_metrics(front)[last_success] > good[last_success]
    assert json.loads(reports_file(front, "runs.json"))["latest"] != json.loads(before)["latest"]


def test_reports_through_the_front_door_need_the_reports_scope(front):
    make_report(front)
    reader = front.stack.token(f"reports-{uuid.uuid4().hex[:6]}", "reports:read")
    items_only = front.stack.token(f"items-{uuid.uuid4().hex[:6]}", "items:read")
    csv_path = "/reports/latest/items_per_day.csv"
    status, headers, body = front.request("GET", csv_path, headers={"Authorization": f"Bearer {reader}"})
    assert status == 200 and body.decode().startswith("day,created\n"), (status, body[:200])
    assert body.decode() == reports_file(front, "latest/items_per_day.csv")
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    basic = base64.b64encode(f"anyone:{reader}".encode()).decode()
    assert front.request("GET", "/reports/index.html", headers={"Authorization": f"Basic {basic}"})[0] == 200
    status, headers, _ = front.request("GET", csv_path, auth=False)
    assert status == 401 and 'Basic realm="reports", charset="UTF-8"' in headers.get_all("WWW-Authenticate")
    wrong = base64.b64encode(b"anyone:tok_0_nope").decode()
    assert front.request("GET", csv_path, headers={"Authorization": f"Basic {wrong}"})[0] == 401
    status, headers, _ = front.request("GET", csv_path, headers={"Authorization": f"Bearer {items_only}"})
    assert status == 403 and 'error="insufficient_scope"' in headers["WWW-Authenticate"]
    assert front.request("GET", "/reports/../.lock", headers={"Authorization": f"Bearer {reader}"})[0] in (400, 404)


def test_a_browser_signs_in_and_sees_the_chart(front, tmp_path):
    """Headless Chromium opens the latest report through the front door, the token as the Basic
    password in the URL, and its screenshot shows the chart's bars and trend line."""
    make_report(front)
    reader = front.stack.token(f"browser-{uuid.uuid4().hex[:6]}", "reports:read")
    url = f"https://reader:{reader}@localhost:{front.https_port}/reports/latest/index.html"
    png = screenshot(url, (1000, 900))
    (tmp_path / "report.png").write_bytes(png)
    bars = count_colour(png, (0x2F, 0x6F, 0xB3))
    trend = count_colour(png, (0xD9, 0x48, 0x0F))
    assert bars > 500 and trend > 300, f"bars {bars} px, trend {trend} px"


def test_a_real_domain_asks_lets_encrypt_with_the_email_and_gets_hsts(front):
    """No ACME CA is reachable here: Caddy's own adapter and validator judge the Caddyfile for a domain."""
    image = inspect("container", front.stack.container("proxy"))["Config"]["Image"]
    env = {"HTTPS_PORT": "443", "MAX_CONTENT_LENGTH": str(LIMIT), "ACME_EMAIL": "ops@example.com"}

    def adapt(site):
        args = [f"--env={k}={v}" for k, v in {**env, "SITE_ADDRESS": site}.items()]
        docker("run", "--rm", *args, image, "caddy", "validate", "--config", "/etc/caddy/Caddyfile")
        out = docker("run", "--rm", *args, image, "caddy", "adapt", "--config", "/etc/caddy/Caddyfile").stdout
        return json.loads(out)

    def hsts_sites(config):
        """Site hosts whose routes set HSTS for requests to them."""
        hosts = []
        for server in config["apps"]["http"]["servers"].values():
            for route in server["routes"]:
                site = [h for m in route.get("match", []) for h in m.get("host", [])]
                for sub in route["handle"][0].get("routes", []):
                    sets = [h.get("response", {}).get("set", {}) for h in sub["handle"] if h["handler"] == "headers"]
                    if any("Strict-Transport-Security" in s for s in sets):
                        excluded = [
                            h for m in sub.get("match", []) for n in m.get("not", []) for h in n.get("host", [])
                        ]
                        hosts += [h for h in site if h not in excluded]
        return hosts

    domain = adapt("api.example.com")
    policies = domain["apps"]["tls"]["automation"]["policies"]
    issuers = [issuer for policy in policies for issuer in policy["issuers"]]
    acme = [issuer for issuer in issuers if issuer["module"] == "acme"]
    assert acme and all(issuer["email"] == "ops@example.com" for issuer in acme)
    assert not [issuer for issuer in issuers if issuer["module"] == "internal"]
    assert hsts_sites(domain) == ["api.example.com"]
    assert hsts_sites(adapt("localhost")) == []


def test_the_certificate_survives_down_and_up_and_down_v_removes_it(front, figures):
    before = front.fingerprint()
    front.stack.compose("down", "--timeout", "10")
    front.stack.compose("up", "--detach", "--wait", timeout=600)
    assert front.fingerprint() == before
    assert front.request("GET", "/api/items")[0] == 200
    volume = f"{front.stack.name}_proxy-data"
    assert volume in front.stack.volumes()
    front.stack.compose("down", "--volumes", "--timeout", "10")
    assert volume not in front.stack.volumes()
    assert run(["docker", "volume", "inspect", volume], check=False).returncode != 0


def test_make_proxy_check_validates_the_caddyfile_and_refuses_a_broken_one(front):
    """`make proxy-check` builds the proxy's image and runs its Caddy's validator on the Caddyfile."""
    project, env = front.stack.project, front.stack.env
    checked = run(["make", "proxy-check"], cwd=project, env=env, timeout=300)
    assert "Valid configuration" in checked.stdout + checked.stderr
    caddyfile = project / "docker/proxy/Caddyfile"
    original = caddyfile.read_text()
    try:
        caddyfile.write_text(original.replace("encode zstd gzip", "encode zstd gzip no-such-encoding"))
        assert run(["make", "proxy-check"], cwd=project, env=env, timeout=300, check=False).returncode != 0
    finally:
        caddyfile.write_text(original)
        run(["make", "proxy-check"], cwd=project, env=env, timeout=300)  # the image as the stack runs it
