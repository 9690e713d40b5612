"""Fixtures and pytest hooks that tests of several layers share, only: the helpers live in tooling/."""

import pytest

from tooling.bake import bake_with
from tooling.paths import TEMPLATE
from tooling.process import find_python, make_venv, skip_or_fail

FIGURES = pytest.StashKey[dict]()


def pytest_configure(config):
    # pytest-cookies bakes from the template folder given here (default: the repo's root).
    config.option.template = str(TEMPLATE)
    config.stash[FIGURES] = {}


@pytest.fixture(scope="session")
def figures(pytestconfig) -> dict[str, str]:
    """Figures the Docker tests measure (times, counts): name -> value, printed at the end of the run."""
    return pytestconfig.stash[FIGURES]


def pytest_terminal_summary(terminalreporter, config):
    if config.stash[FIGURES]:
        terminalreporter.section("figures measured")
        for name, value in config.stash[FIGURES].items():
            terminalreporter.write_line(f"{name}: {value}")


@pytest.fixture(scope="session")
def python39() -> str:
    """A Python 3.9 interpreter, the oldest the host scripts promise (skipped where none runs, failed
    instead with REQUIRE_PYTHON39=1)."""
    found = find_python("3.9")
    if found is None:
        skip_or_fail("REQUIRE_PYTHON39", "no Python 3.9 on this machine (PATH, pyenv or uv)")
    return found


@pytest.fixture(scope="module")
def venv(cookies_session):
    """One virtualenv (a module's) with the PostgreSQL variant's dev lock (a superset of SQLite's), for every bake of
    the default slug: the project installed in it gives them their package's metadata (__version__)."""
    return make_venv(bake_with(cookies_session, {}), uv=True)
