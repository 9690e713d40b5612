"""Layer 4: the image builds for real, runs as non-root, is healthy, and stops gracefully.

Built here for debian-slim (Python 3.13 and 3.11) and ubuntu; where Docker runs the real images
(real_images(): the template's GitHub workflow, on amd64 and arm64), also for alpine and Python 3.12.
On the machines with docker-kit (no Alpine package archive) Alpine images get only the static gates
of test_bake.py (hadolint, the final-stage check, and every requirement available as a musllinux wheel).
"""

import time
import uuid

import pytest

from tooling.bake import bake_with
from tooling.docker import (
    base_images,
    build_image,
    docker,
    inspect,
    provide,
    published_url,
    real_images,
    require_docker,
    wait_healthy,
)
from tooling.web import assert_no_errors, http

pytestmark = pytest.mark.docker

BUILT = {
    "debian-slim-py3.13": {"base_image": "debian-slim", "python_version": "3.13"},
    "debian-slim-py3.11": {"base_image": "debian-slim", "python_version": "3.11"},
    "ubuntu": {"base_image": "ubuntu"},
}
if real_images():
    BUILT |= {
        "alpine-py3.13": {"base_image": "alpine", "python_version": "3.13"},
        "debian-slim-py3.12": {"base_image": "debian-slim", "python_version": "3.12"},
    }
APP_UID = "10001"


@pytest.fixture(scope="module", params=BUILT.values(), ids=BUILT.keys())
def image(request, cookies_session):
    """(project, image tag) of a freshly built image; the image is removed afterwards."""
    require_docker()
    project = bake_with(cookies_session, request.param)
    tag = f"py-docker-env-test-{uuid.uuid4().hex[:8]}:latest"
    provide("provide", *base_images(project / "Dockerfile"))
    build_image(project, tag)
    yield project, tag
    docker("image", "rm", "--force", tag, check=False)


@pytest.fixture(scope="module")
def server(image):
    """A container of the image on the SQLite default, alone, with its data volume migrated."""
    _, tag = image
    name = f"py-docker-env-test-{uuid.uuid4().hex[:8]}"
    volume = f"{name}-data"
    docker("volume", "create", volume)
    try:
        # A one-off command through the entrypoint: the migrations, into the volume.
        docker("run", "--rm", "-v", f"{volume}:/data", tag, "migrate")
        docker("run", "-d", "--name", name, "-v", f"{volume}:/data", "-p", "127.0.0.1::8000", tag)
        wait_healthy(name)
        yield name, published_url(name)
    finally:
        docker("rm", "--force", "--volumes", name, check=False)
        docker("volume", "rm", "--force", volume, check=False)


def test_runs_as_the_non_root_uid(image, server):
    _, tag = image
    name, _ = server
    assert docker("exec", name, "id", "-u").stdout.strip() == APP_UID
    assert inspect("image", tag)["Config"]["User"] == f"{APP_UID}:{APP_UID}"


def test_uid_and_gid_are_build_args(image):
    project, tag = image
    other = f"{tag.split(':')[0]}:uid"
    build_image(project, other, "--build-arg", "APP_UID=12345", "--build-arg", "APP_GID=23456")
    try:
        assert docker("run", "--rm", other, "id", "-u").stdout.strip() == "12345"
        assert docker("run", "--rm", other, "id", "-g").stdout.strip() == "23456"
    finally:
        docker("image", "rm", "--force", other, check=False)


def test_can_write_only_to_its_data_dir_and_tmp(server):
    name, _ = server
    for path in ("/data/probe", "/tmp/probe"):
        docker("exec", name, "touch", path)
    for path in ("/app/probe", "/app/src/probe", "/opt/venv/probe", "/usr/local/bin/probe", "/probe"):
        result = docker("exec", name, "touch", path, check=False)
        assert result.returncode != 0, f"the app could write {path}"
        assert "Permission denied" in result.stderr


def test_healthy_on_its_own_healthcheck_and_serves_the_api(server):
    name, url = server
    assert inspect("container", name)["State"]["Health"]["Status"] == "healthy"
    assert http("GET", f"{url}/healthz") == (200, {"status": "ok"})
    assert http("GET", f"{url}/readyz")[0] == 200
    assert http("GET", f"{url}/api/items")[0] == 401  # no token
    # A token, made by the management command through the entrypoint's shortcut.
    create = ["token", "create", "--name", "image", "--scope", "items:read", "--scope", "items:write"]
    token = docker("exec", name, "/usr/local/bin/entrypoint.sh", *create).stdout.strip()
    headers = {"Authorization": f"Bearer {token}"}
    status, item = http("POST", f"{url}/api/items", {"name": "from the container"}, headers=headers)
    assert status == 201
    assert http("GET", f"{url}/api/items/{item['id']}", headers=headers) == (200, item)


def test_logs_show_no_errors(server):
    name, url = server
    assert http("GET", f"{url}/healthz")[0] == 200
    logs = docker("logs", name)
    assert_no_errors(logs.stdout + logs.stderr)


def test_one_off_commands_run_through_the_entrypoint(image):
    _, tag = image
    assert docker("run", "--rm", tag, "check-config").stdout.strip() == "database: sqlite:////data/app.db"
    assert docker("run", "--rm", tag, "python", "-c", "print(6 * 7)").stdout.strip() == "42"
    assert inspect("image", tag)["Config"]["Entrypoint"] == ["entrypoint.sh"]


def test_docker_stop_is_graceful_and_fast(image):
    _, tag = image
    name = f"py-docker-env-test-{uuid.uuid4().hex[:8]}"
    docker("run", "-d", "--name", name, "-p", "127.0.0.1::8000", tag)
    try:
        wait_healthy(name)
        started = time.monotonic()
        docker("stop", name)  # SIGTERM, then SIGKILL after 10 s
        took = time.monotonic() - started
        exit_code = inspect("container", name)["State"]["ExitCode"]
    finally:
        docker("rm", "--force", "--volumes", name, check=False)
    assert exit_code in (0, 143), f"exit code {exit_code}: 137 would mean it had to be killed"
    assert took < 2, f"docker stop took {took:.1f} s"


def test_no_secret_from_the_build_context_in_the_image(image):
    project, tag = image
    secrets = [p.read_text().strip() for p in (project / "secrets").glob("*.txt")]
    assert secrets and (project / ".env").exists()  # they exist in the context folder...
    # As root, so that find can look everywhere.
    find = "ls -A /app; find / -xdev \\( -name .env -o -name 'secrets' -o -name '*_password.txt' \\) -print"
    listing = docker("run", "--rm", "--user", "0", tag, "sh", "-c", find)
    assert listing.stdout.split() == ["alembic.ini", "gunicorn.conf.py", "src"]  # ...but not in the image
    history = docker("history", "--no-trunc", tag).stdout
    config = docker("image", "inspect", tag).stdout
    for value in secrets:
        assert value not in history and value not in config
