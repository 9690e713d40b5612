"""What the tests of this layer need: a Docker Engine. Each is marked `docker` (`make test-fast` leaves
them out), and skipped when no engine answers `docker info` (failed instead with REQUIRE_DOCKER=1)."""

import pytest

from tooling.docker import require_docker


def pytest_itemcollected(item):  # called for the tests of this folder only
    item.add_marker(pytest.mark.docker)


@pytest.fixture(scope="session", autouse=True)
def docker_engine():
    require_docker()
