"""Fixtures and pytest hooks only; the helpers the tests share live in tests/support/."""

import pytest

from .support.bake import TEMPLATE

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
