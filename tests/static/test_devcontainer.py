"""The dev container (.devcontainer/): statically for one combination of each base image and database
(the only answers its files and the Dockerfile's dev stage change with); for real, with the Dev
Containers CLI (tooling/node/) against the Docker Engine, for the default answers.
"""

import json
import re

import pytest

from tooling.bake import bake_with
from tooling.combinations import combination_id, one_per
from tooling.docker import dockerfile_instructions, require_docker
from tooling.node_tools import devcontainer_cli
from tooling.process import run, tool

COMPOSE_FILES = ["compose.yaml", "compose.override.yaml", ".devcontainer/compose.yaml"]
EXTENSIONS = {"ms-python.python", "charliermarsh.ruff", "ms-azuretools.vscode-docker"}


@pytest.fixture(
    scope="module", params=one_per(lambda answers: (answers["base_image"], answers["database"])), ids=combination_id
)
def project(request, cookies_session):
    return bake_with(cookies_session, request.param), request.param


def devcontainer_json(project):
    return json.loads((project / ".devcontainer/devcontainer.json").read_text())


def compose_config(project, *files):
    args = [arg for name in files for arg in ("--file", name)]
    return json.loads(run(["docker", "compose", *args, "config", "--format", "json"], cwd=project).stdout)


def test_devcontainer_json_opens_the_dev_service_of_the_stack(project):
    path, _ = project
    config = devcontainer_json(path)
    # Its compose files, relative to .devcontainer/: the stack's two, then the dev service's own.
    assert [str((path / ".devcontainer" / f).resolve().relative_to(path)) for f in config["dockerComposeFile"]] == (
        COMPOSE_FILES
    )
    assert config["service"] == "dev" and config["runServices"][0] == "dev"
    assert "features" not in config  # they download from registries
    assert config["updateRemoteUserUID"] is False  # the image has your ids already (APP_UID/APP_GID)
    vscode = config["customizations"]["vscode"]
    assert set(vscode["extensions"]) == EXTENSIONS
    # The interpreter of the image's virtualenv, where the Dockerfile puts it.
    assert "VIRTUAL_ENV=/opt/venv" in (path / "Dockerfile").read_text()
    assert vscode["settings"]["python.defaultInterpreterPath"] == "/opt/venv/bin/python"


def test_dev_service_mounts_the_project_where_the_editor_opens_it(project):
    path, answers = project
    require_docker()
    config = devcontainer_json(path)
    merged = compose_config(path, *COMPOSE_FILES)
    dev = merged["services"]["dev"]
    (mount,) = [v for v in dev["volumes"] if v["type"] == "bind"]
    assert mount["source"] == str(path) and mount["target"] == config["workspaceFolder"]
    assert not mount.get("read_only")
    assert dev["build"]["target"] == "dev" and set(dev["build"]["args"]) == {"APP_UID", "APP_GID"}
    assert dev["cap_drop"] == ["ALL"] and "user" not in dev  # the image's USER: your ids
    assert set(config["runServices"]) <= set(merged["services"])
    for port in config["forwardPorts"]:
        service, _, number = port.partition(":")
        assert int(number) in {p["target"] for p in merged["services"][service]["ports"]}
    if answers["database"] == "postgresql":
        assert dev["depends_on"]["db"]["condition"] == "service_healthy"
        assert dev["environment"]["TEST_POSTGRES_DB"] != dev["environment"]["POSTGRES_DB"]
        # As the owner role (migrations, revisions, the tests' own database), never the superuser.
        assert {s["source"] for s in dev["secrets"]} == {"db_owner_password"}
        assert dev["environment"]["POSTGRES_USER"] == "app_owner"
    else:
        assert "db" not in merged["services"] and "TEST_POSTGRES_DB" not in dev.get("environment", {})


def test_dev_file_leaves_the_other_services_as_they_are_but_the_app_reads_src_through_a_mount(project):
    """No Compose Watch runs for an editor inside the container: the app reads src/ through a bind mount
    and gunicorn's reloader instead; everything else is as the stack's own files have it."""
    path, _ = project
    require_docker()
    without = compose_config(path, *COMPOSE_FILES[:2])
    with_dev = compose_config(path, *COMPOSE_FILES)
    assert with_dev["services"].pop("dev")
    app, app_before = with_dev["services"].pop("app"), without["services"].pop("app")
    assert with_dev["services"] == without["services"]
    (mount,) = [v for v in app["volumes"] if v["type"] == "bind"]
    assert mount["source"] == str(path / "src") and mount["target"] == "/app/src" and mount["read_only"]
    assert app["environment"] == {**app_before["environment"], "GUNICORN_RELOAD": "1"}


def test_dev_file_matches_the_compose_schema(project):
    path, _ = project
    run([tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec", ".devcontainer/compose.yaml"], cwd=path)


def test_dockerfile_dev_stage_has_git_your_user_and_no_code(project):
    path, _ = project
    lines, _ = dockerfile_instructions(path / "Dockerfile")
    froms = [i for i, line in enumerate(lines) if line.startswith("FROM ")]
    start = next(i for i in froms if lines[i].endswith(" AS dev"))
    stage = lines[start : min([i for i in froms if i > start] + [len(lines)])]
    assert lines[froms[-1]].endswith(" AS final"), "the final stage must stay the last one"
    assert any(re.search(r"\b(apt-get install|apk add)\b[^&]* git\b", line) for line in stage), stage
    assert "USER ${APP_UID}:${APP_GID}" in stage and "WORKDIR /workspace" in stage
    # No code (the workspace is mounted); only uv, for `make lock` and `make add` in the container.
    assert [line for line in stage if line.startswith("COPY ")] == ["COPY --link --from=uv /uv /usr/local/bin/uv"]


def test_devcontainer_cli_reads_the_configuration(project):
    path, _ = project
    require_docker()
    out = run([devcontainer_cli(), "read-configuration", "--workspace-folder", path], timeout=120).stdout
    read = json.loads(out.strip().splitlines()[-1])["configuration"]
    assert read["service"] == "dev" and read["workspaceFolder"] == "/workspace"
