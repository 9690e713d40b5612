"""The project's version is written once, in pyproject.toml; everything else derives it: the Makefile's
APP_VERSION (`make version`; `make push` builds with it) and APP_TAG (`make push`'s tag), the image's
label and the package's metadata (the Dockerfile), `__version__` (importlib.metadata). Local images have
version-free tags (`:local`, `:local-dev`) and are built alike by `docker compose` and `make`."""

import re
import uuid

import pytest
import yaml

from .support.answers import make_variable
from .support.bake import bake_with
from .support.combinations import combination_id, one_per
from .support.docker import base_images, build_image, docker, inspect, provide, require_docker
from .support.process import run

# A version no file of the template has, with an epoch and a local part (which a tag cannot hold).
VERSION = "7!0.2.0+local.1"


def set_version(project, version):
    pyproject = project / "pyproject.toml"
    text, count = re.subn(r'(?m)^version = ".*"$', f'version = "{version}"', pyproject.read_text())
    assert count == 1
    pyproject.write_text(text)


@pytest.mark.parametrize("answers", one_per(lambda a: a["base_image"]), ids=combination_id)
def test_the_version_is_written_once(cookies_session, answers):
    project = bake_with(cookies_session, {**answers, "version": VERSION})
    holders = sorted(
        str(path.relative_to(project))
        for path in project.rglob("*")
        if path.is_file() and ".git" not in path.parts and VERSION in path.read_text(errors="replace")
    )
    assert holders == ["pyproject.toml"], holders


@pytest.mark.parametrize("deploy", ["compose", "swarm"])
def test_make_derives_the_version_and_its_tag(cookies_session, deploy):
    """make reads pyproject.toml's version; with deploy=swarm, `make push` tags and labels with it."""
    project = bake_with(cookies_session, {"deploy": deploy})
    assert make_variable(project, "APP_VERSION") == "0.1.0"
    set_version(project, VERSION)
    assert make_variable(project, "APP_VERSION") == VERSION
    assert run(["make", "--silent", "version"], cwd=project).stdout == f"{VERSION}\n"
    if deploy == "swarm":  # the image's tag, and the build argument of `make push`
        assert make_variable(project, "APP_TAG") == "7_0.2.0_local.1"
        push = run(["make", "--dry-run", "push"], cwd=project).stdout
        assert f"build --build-arg APP_VERSION={VERSION} app" in push, push


@pytest.mark.parametrize("answers", one_per(lambda a: a["database"]), ids=combination_id)
def test_local_images_have_version_free_tags(cookies_session, answers):
    project = bake_with(cookies_session, answers)
    images = {
        name: yaml.safe_load((project / name).read_text())["services"][service]["image"]
        for name, service in [
            ("compose.yaml", "app"),
            ("compose.override.yaml", "app"),
            (".devcontainer/compose.yaml", "dev"),
        ]
    }
    assert images == {
        "compose.yaml": f"{project.name}-app:local",
        "compose.override.yaml": f"{project.name}-app:local-dev",
        ".devcontainer/compose.yaml": f"{project.name}-dev:local",
    }
    # Built alike by `docker compose up` and `make up`: the version (label) is for what is pushed.
    build = yaml.safe_load((project / "compose.yaml").read_text())["services"]["app"]["build"]
    assert "APP_VERSION" not in build.get("args", {})


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
