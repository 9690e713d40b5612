"""The project's version, built for real: the image carries the version make passes, in its label and
its package's __version__ (where the version is written and derived is checked statically in
tests/static/test_version.py)."""

import uuid

import pytest

from tooling.answers import VERSION, make_variable, set_version
from tooling.bake import bake_with
from tooling.docker import base_images, build_image, docker, inspect, provide, require_docker
from tooling.process import run


def image_version(tag, package):
    """(the image's version label, its package's __version__)."""
    label = inspect("image", tag)["Config"]["Labels"].get("org.opencontainers.image.version")
    code = f"import {package}; print({package}.__version__)"
    printed = docker("run", "--rm", "--network", "none", "--entrypoint", "python", tag, "-c", code).stdout.strip()
    return label, printed


@pytest.mark.docker
def test_the_image_carries_the_version_make_passes(cookies_session):
    """Built for real: with pyproject.toml's version changed, the image built with make's APP_VERSION (as
    `make push` and the release workflow build it) has it in its label and __version__; APP_VERSION=...
    builds another one; a local build (no APP_VERSION) still has pyproject.toml's __version__, and so
    does the test stage (`make test`)."""
    require_docker()
    project = bake_with(cookies_session, {"project_slug": "i15c-version", "package_name": "i15c_version"})
    set_version(project, VERSION)
    provide("provide", *base_images(project / "Dockerfile"))
    tag = f"i15c-version-{uuid.uuid4().hex[:8]}"
    made = make_variable(project, "APP_VERSION")
    override = run(["make", "-s", "--eval", "v: ; @echo $(APP_VERSION)", "v", "APP_VERSION=0.3.0"], cwd=project)
    try:
        build_image(project, f"{tag}:make", "--build-arg", f"APP_VERSION={made}")
        assert image_version(f"{tag}:make", "i15c_version") == (VERSION, VERSION)
        build_image(project, f"{tag}:override", "--build-arg", f"APP_VERSION={override.stdout.strip()}")
        assert image_version(f"{tag}:override", "i15c_version") == ("0.3.0", "0.3.0")
        build_image(project, f"{tag}:plain")
        assert image_version(f"{tag}:plain", "i15c_version") == ("", VERSION)
        build_image(project, f"{tag}:test", "--target", "test")
        assert image_version(f"{tag}:test", "i15c_version")[1] == VERSION
    finally:
        for name in ("make", "override", "plain", "test"):
            docker("image", "rm", "--force", f"{tag}:{name}", check=False)
