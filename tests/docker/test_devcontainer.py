"""The dev container for real: the Dev Containers CLI (tooling/node/) brings the default project's dev
container up against the Docker Engine (its files are checked statically in tests/static/test_devcontainer.py)."""

import json
import os
import re
import shutil
import uuid

import pytest

from tooling.bake import bake_with
from tooling.docker import docker, external_images, provide, require_docker
from tooling.node_tools import devcontainer_cli
from tooling.postgres import free_port
from tooling.process import run

DEV_UID = 12345


@pytest.mark.docker
def test_devcontainer_up_runs_the_tests_on_the_stacks_postgresql_and_files_are_the_developers(cookies_session):
    """`devcontainer up`, then `devcontainer exec pytest` on the stack's PostgreSQL; `make revision` and
    `make migrate` inside; a file created inside belongs to the developer (APP_UID in .env, here
    12345, as `make setup` writes your ids)."""
    require_docker()
    cli = devcontainer_cli()
    project = bake_with(cookies_session, {"project_slug": f"devcontainer-{uuid.uuid4().hex[:6]}"})
    # The developer: owns the project folder, and .env has their ids.
    env_file = project / ".env"
    env_file.write_text(re.sub(r"(?m)^APP_(UID|GID)=.*$", lambda m: f"APP_{m[1]}={DEV_UID}", env_file.read_text()))
    shutil.chown(project, DEV_UID, DEV_UID)
    for path in project.rglob("*"):
        os.chown(path, DEV_UID, DEV_UID, follow_symlinks=False)
    provide("provide", *external_images(project, ["db"]))
    # The stack's two compose files, then the dev service's own, as devcontainer.json lists them.
    listed = json.loads((project / ".devcontainer/devcontainer.json").read_text())["dockerComposeFile"]
    compose_files = [str((project / ".devcontainer" / f).resolve().relative_to(project)) for f in listed]
    name = f"pde-dc-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "COMPOSE_PROJECT_NAME": name, "APP_PORT": str(free_port())}
    workspace = ["--workspace-folder", str(project), "--docker-path", "docker"]
    compose = ["docker", "compose", "--project-name", name, *(arg for f in compose_files for arg in ("--file", f))]
    try:
        up = run([cli, "up", *workspace], env=env, timeout=900)
        outcome = json.loads(up.stdout.strip().splitlines()[-1])
        assert outcome["outcome"] == "success" and outcome["composeProjectName"] == name, up.stdout

        tests = run([cli, "exec", *workspace, "pytest", "-q"], env=env, timeout=600)
        assert " passed" in tests.stdout and " failed" not in tests.stdout, tests.stdout
        # They ran on the stack's PostgreSQL, in a database of their own, migrated by them.
        psql = 'psql --username="$POSTGRES_USER" --dbname="${POSTGRES_DB}_test" -Atc "$0"'
        query = "SELECT version_num FROM alembic_version"
        migrated = run([*compose, "exec", "-T", "db", "sh", "-c", psql, query], cwd=project, env=env)
        assert migrated.stdout.strip(), "the tests did not migrate the test database"

        # A model change, then its migration, written inside (make revision) as the developer, applied
        # (make migrate) to the stack's PostgreSQL: the Makefile runs Alembic directly in here.
        models = next((project / "src").glob("*/models.py"))
        versions = models.parent / "migrations/versions"
        before = set(versions.iterdir())
        models.write_text(
            models.read_text().replace(
                "    description: Mapped[str | None]",
                "    price: Mapped[int | None] = mapped_column()\n    description: Mapped[str | None]",
            )
        )
        run([cli, "exec", *workspace, "make", "revision", "m=add price"], env=env, timeout=300)
        (new,) = set(versions.iterdir()) - before
        assert "add_column" in new.read_text() and (new.stat().st_uid, new.stat().st_gid) == (DEV_UID, DEV_UID)
        run([cli, "exec", *workspace, "make", "migrate"], env=env, timeout=300)
        psql_app = 'psql --username="$POSTGRES_USER" --dbname="$POSTGRES_DB" -Atc "$0"'
        columns = "SELECT column_name FROM information_schema.columns WHERE table_name = 'items'"
        listed = run([*compose, "exec", "-T", "db", "sh", "-c", psql_app, columns], cwd=project, env=env).stdout
        assert "price" in listed.split()

        who = run([cli, "exec", *workspace, "sh", "-c", "id -u; touch made-inside; git --version"], env=env).stdout
        assert str(DEV_UID) in who.split() and "git version" in who
        made = project / "made-inside"
        assert (made.stat().st_uid, made.stat().st_gid) == (DEV_UID, DEV_UID)
    finally:
        run([*compose, "down", "--volumes", "--timeout", "5"], cwd=project, env=env, check=False)
        images = [f"{project.name}-dev:local", f"{project.name}-app:local-dev"]
        docker("image", "rm", "--force", *images, check=False)
    assert docker("ps", "--all", "--quiet", "--filter", f"label=com.docker.compose.project={name}").stdout == ""
