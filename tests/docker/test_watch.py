"""Layer 4: the inner loop, for real. `make dev` (Compose Watch) serves a source edit without a rebuild
or a new container, and never a stale one; a lock change rebuilds and replaces the app by itself;
`make revision` writes a migration against the stack's PostgreSQL, owned by the developer, which
`make migrate` applies; `make add` re-locks with hashes.
"""

import os
import re
import time

import pytest

from tooling.bake import bake_with
from tooling.combinations import DEFAULTS
from tooling.docker import require_docker
from tooling.locks import LOCKS, requirements
from tooling.process import run, tool, wait_for
from tooling.watch import DevStack
from tooling.web import http

pytestmark = pytest.mark.docker

DEV_UID = 12345  # the developer: not root, not the image's 10001
ANSWERS = {"monitoring": "none"}  # the app and its database are what the loop is about
ADDED = "six>=1.17"  # small, pure Python, no dependencies of its own


def as_developer(project):
    """The project belongs to DEV_UID and .env has their ids, as `make setup` writes a developer's."""
    env = project / ".env"
    env.write_text(re.sub(r"(?m)^APP_(UID|GID)=.*$", lambda m: f"APP_{m[1]}={DEV_UID}", env.read_text()))
    for path in [project, *project.rglob("*")]:
        os.chown(path, DEV_UID, DEV_UID, follow_symlinks=False)


@pytest.fixture(scope="module")
def dev(cookies_session, figures):
    require_docker()
    project = bake_with(cookies_session, {"project_slug": "watch-loop", **ANSWERS})
    as_developer(project)
    stack = DevStack(project, {**DEFAULTS, **ANSWERS})
    try:
        figures["watch: make dev to the app healthy"] = f"{stack.start():.1f} s"
        yield stack
    finally:
        stack.stop()
        assert stack.services() == {} and stack.volumes() == [], "make dev left containers or volumes"


def test_a_source_edit_is_served_without_a_rebuild_or_a_new_container(dev, figures):
    before = dev.app()
    took = []
    for number in range(3):
        dev.edit_route(number)
        seconds = dev.seconds_until_served(number)
        assert seconds is not None, f"edit {number} was never served:\n{dev.log.read_text()[-3000:]}"
        took.append(seconds)
        assert dev.stale_answers(number) == 0, f"an older version was served after edit {number}"
    after = dev.app()
    assert after["Id"] == before["Id"] and after["State"]["StartedAt"] == before["State"]["StartedAt"]
    assert after["Image"] == before["Image"], "the image was rebuilt for a source edit"
    figures["watch: source edit to served (3 edits)"] = ", ".join(f"{s:.2f} s" for s in took)


def test_twenty_quick_saves_in_a_row_the_last_is_what_is_served(dev):
    before = dev.app()
    for number in range(100, 120):
        dev.edit_route(number)
        time.sleep(0.05)
    assert dev.seconds_until_served(119) is not None, f"the last save was not served:\n{dev.log.read_text()[-3000:]}"
    time.sleep(2)  # any restart still under way for an earlier save has finished by now
    assert dev.stale_answers(119, count=40) == 0, "an earlier save was served after the last one"
    assert dev.app()["Id"] == before["Id"]


def test_make_revision_writes_a_migration_as_the_developer_and_make_migrate_applies_it(dev):
    dev.route.write_text(dev.original_route)  # the project's own tests check what /healthz answers
    models = next((dev.project / "src").glob("*/models.py"))
    versions = models.parent / "migrations/versions"
    original, before = models.read_text(), set(versions.iterdir())
    models.write_text(
        original.replace(
            "    description: Mapped[str | None]",
            "    price: Mapped[int | None] = mapped_column()\n    description: Mapped[str | None]",
        )
    )
    run(["make", "revision", "m=add price"], cwd=dev.project, env=dev.env, timeout=300)
    (new,) = set(versions.iterdir()) - before
    assert new.name.endswith("_add_price.py") and "add_column" in new.read_text() and "price" in new.read_text()
    assert (new.stat().st_uid, new.stat().st_gid) == (DEV_UID, DEV_UID), "the migration is not the developer's"

    run(["make", "migrate"], cwd=dev.project, env=dev.env, timeout=300)
    columns = dev.psql("SELECT column_name FROM information_schema.columns WHERE table_name = 'items'")
    assert "price" in columns.split()
    # The app, on the new model (synced by watch), reads the table with its new column.
    auth = dev.auth()
    assert wait_for(lambda: http("GET", f"{dev.url('APP_PORT')}/api/items", headers=auth)[0] == 200, timeout=30)

    # The project's own tests, in their container: models and migrations agree, and the rest passes.
    tests = run(["make", "test"], cwd=dev.project, env=dev.env, timeout=600, check=False)
    assert tests.returncode == 0 and " passed" in tests.stdout, tests.stdout[-3000:] + tests.stderr[-3000:]


def test_a_lock_change_rebuilds_and_replaces_the_app_which_imports_it(dev, figures):
    before = dev.app()
    # `make add`, as the developer: requirements.in gets the line, both locks get it with its hashes.
    run(["make", "add", f"PKG={ADDED}", f"UV={tool('uv')}"], cwd=dev.project, env=dev.env, timeout=300)
    started = time.monotonic()
    assert "six" in (dev.project / "requirements.in").read_text()
    for name in LOCKS:
        line, hashes = requirements((dev.project / name).read_text())["six"]
        assert line.startswith("six==") and hashes, f"{name}: {line} {hashes}"

    def replaced():
        return dev.health() == "healthy" and dev.app()["Id"] != before["Id"]

    assert wait_for(replaced, timeout=300, every=0.5), f"the app was not replaced:\n{dev.log.read_text()[-3000:]}"
    figures["watch: lock change to the rebuilt app healthy"] = f"{time.monotonic() - started:.1f} s"
    after = dev.app()
    assert after["Image"] != before["Image"]
    imported = dev.compose("exec", "-T", "app", "python", "-c", "import six; print(six.__version__)").stdout
    assert imported.strip() == requirements((dev.project / "requirements.txt").read_text())["six"][0].split("==")[1]


def test_make_add_refuses_a_package_that_does_not_exist_and_changes_nothing(dev):
    files = ("requirements.in", *LOCKS)
    before = {name: (dev.project / name).read_text() for name in files}
    refused = run(
        ["make", "add", "PKG=no-such-package-pde-0000", f"UV={tool('uv')}"],
        cwd=dev.project,
        env=dev.env,
        timeout=300,
        check=False,
    )
    assert refused.returncode != 0
    assert {name: (dev.project / name).read_text() for name in files} == before
    assert not (dev.project / ".add-backup").exists()
