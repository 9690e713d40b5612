"""The generated project's locks: requirements*.txt, compiled by uv from requirements*.in.

Static checks first (every entry pinned and hashed), then `make lock` for real on a fresh bake (it
must change nothing: the committed lock is what its input compiles to; needs PyPI), then the image
build refusing a tampered hash (marked docker).
"""

import re
import shutil

import pytest

from tooling.bake import bake_with
from tooling.locks import DATABASES, LOCKS, make_lock, requirements


@pytest.fixture(scope="module", params=DATABASES, ids=lambda db: f"database={db}")
def project(request, cookies_session):
    return bake_with(cookies_session, {"database": request.param}), request.param


@pytest.mark.parametrize("lock", LOCKS)
def test_every_entry_is_pinned_and_hashed(project, lock):
    path, database = project
    entries = requirements((path / lock).read_text())
    assert entries
    for name, (line, hashes) in entries.items():
        assert re.fullmatch(r"[a-z0-9-]+(\[[a-z,]+\])?==[^ ;]+( ; .+)?", line), f"{name}: not pinned with ==: {line}"
        assert hashes and all(re.fullmatch(r"sha256:[0-9a-f]{64}", h) for h in hashes), f"{name} has no hashes"
    assert ("psycopg" in entries) == (database == "postgresql")


def test_dev_lock_has_the_runtime_lock_unchanged(project):
    path, _ = project
    runtime, dev = (requirements((path / lock).read_text()) for lock in LOCKS)
    assert {name: entry[0] for name, entry in runtime.items()}.items() <= {n: e[0] for n, e in dev.items()}.items()
    assert {"pytest", "ruff", "pre-commit"} <= set(dev)


def test_direct_dependencies_come_from_requirements_in(project):
    path, _ = project
    direct = [line for line in (path / "requirements.in").read_text().splitlines() if line and line[0].isalpha()]
    entries = requirements((path / "requirements.txt").read_text())
    for line in direct:
        name = re.split(r"[\[<>=~! ]", line)[0].lower().replace("_", "-")
        assert name in entries, f"{name} from requirements.in is not in the lock"


def test_make_lock_changes_nothing_on_a_fresh_bake(project, tmp_path):
    """The committed locks are what requirements*.in compile to (uv from PyPI, as `make lock` runs it)."""
    path, _ = project
    copy = tmp_path / "project"
    shutil.copytree(path, copy)
    make_lock(copy)
    for lock in LOCKS:
        assert (copy / lock).read_text() == (path / lock).read_text(), f"make lock changed {lock}"
