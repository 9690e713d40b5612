"""Any host uid/gid builds the dev and final stages, for real, on the bases that build here (debian-slim,
ubuntu); Alpine's branch is checked statically in tests/static/test_host_ids.py. HOST_IDS
(tooling/docker.py) says why each id."""

import uuid

import pytest

from tooling.bake import bake_with
from tooling.docker import HOST_IDS, base_images, build_image, docker, provide, require_docker

IDS = [pytest.param(uid, gid, id=f"{uid}-{gid}") for uid, gid in HOST_IDS]


def ids_of(tag, *command):
    """(uid, gid, what the command printed) of a container of the image, as its USER."""
    shell = ["--entrypoint", "sh", tag, "-c", "id -u; id -g; " + " ".join(command)]
    out = docker("run", "--rm", "--network", "none", *shell).stdout.split("\n", 2)
    return int(out[0]), int(out[1]), out[2].strip()


@pytest.fixture(scope="module", params=["debian-slim", "ubuntu"])
def built_project(request, cookies_session):
    require_docker()
    project = bake_with(cookies_session, {"base_image": request.param, "project_slug": "i15c-ids"})
    provide("provide", *base_images(project / "Dockerfile"))
    return project


@pytest.mark.docker
@pytest.mark.parametrize(("uid", "gid"), IDS)
def test_any_host_ids_build_the_dev_and_final_stages(built_project, uid, gid):
    tag = f"i15c-ids-{uuid.uuid4().hex[:8]}"
    args = ["--build-arg", f"APP_UID={uid}", "--build-arg", f"APP_GID={gid}"]
    try:
        build_image(built_project, f"{tag}:final", *args, "--target", "final")
        # The app writes its data directory (the SQLite database) as your user.
        assert ids_of(f"{tag}:final", "touch /data/probe && stat -c %u:%g /data") == (uid, gid, f"{uid}:{gid}")
        build_image(built_project, f"{tag}:dev", *args, "--target", "dev")
        # The dev container's user has a home of its own to write (git's config, shell history).
        home = ids_of(f"{tag}:dev", 'touch "$HOME/probe" && echo "$HOME"')
        assert home == (uid, gid, "/home/dev")
    finally:
        docker("image", "rm", "--force", f"{tag}:final", f"{tag}:dev", check=False)
