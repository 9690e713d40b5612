"""The project's version is written once, in pyproject.toml; everything else derives it: the Makefile's
APP_VERSION (`make version`; `make push` builds with it) and APP_TAG (`make push`'s tag), the image's
label and the package's metadata (the Dockerfile), `__version__` (importlib.metadata). Local images have
version-free tags (`:local`, `:local-dev`) and are built alike by `docker compose` and `make`."""

import pytest
import yaml

from tooling.answers import VERSION, make_variable, set_version
from tooling.bake import bake_with
from tooling.combinations import combination_id, one_per
from tooling.process import run


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
