"""What the fault tests need: a Docker Engine, for the production stack that test_faults.py brings up once
and then harms, in file order. Each test is marked `docker` and skipped when no engine answers (failed
instead with REQUIRE_DOCKER=1)."""

import pytest

from tooling.docker import require_docker


def pytest_itemcollected(item):  # called for the tests of this folder only
    item.add_marker(pytest.mark.docker)


@pytest.fixture(scope="session", autouse=True)
def docker_engine():
    require_docker()
