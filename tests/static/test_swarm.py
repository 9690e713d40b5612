"""The stack file of deploy=swarm, statically: for every set of services with deploy=swarm (one per
monitoring answer; Swarm needs PostgreSQL), the file `make deploy` gives `docker stack deploy` is accepted
by `docker stack config` (no daemon needed). The stack on a real swarm: tests/docker/test_swarm.py."""

import shutil

import pytest
import yaml

from tooling.bake import bake_with
from tooling.combinations import SWARM, combination_id
from tooling.process import run, skip_or_fail


def stack_file(project, env):
    """The stack file `make deploy` would deploy (`make stack-file`), as `docker stack config` reads it."""
    rendered = run(["make", "--silent", "stack-file", "STACK=static-test"], cwd=project, env=env).stdout
    return yaml.safe_load(run(["docker", "stack", "config", "--compose-file", "-"], input=rendered).stdout)


# combinations.SWARM: one combination for each monitoring answer (python_version and base_image change
# only the Dockerfile, never the stack file).
STACK_VARIANTS = SWARM


@pytest.mark.parametrize("answers", STACK_VARIANTS, ids=map(combination_id, STACK_VARIANTS))
def test_stack_file_is_accepted_by_docker_stack(cookies, answers):
    """`docker stack config` takes the file (no daemon needed); it keeps what Swarm supports of compose.yaml."""
    if not shutil.which("docker"):
        skip_or_fail("REQUIRE_DOCKER", "no docker command")
    project = bake_with(cookies, answers)
    with (project / ".env").open("a") as env_file:  # a .env setting reaches the stack
        # (and the proxy published on every interface of one machine: not on the swarm's mesh)
        env_file.write("LOG_LEVEL=WARNING\nREGISTRY=registry.example.com/team\nPROXY_BIND=0.0.0.0\n")
    config = stack_file(project, env=None)
    services = config["services"]
    app, migrate, proxy = services["app"], services["migrate"], services["proxy"]

    assert app["image"].startswith("registry.example.com/team/")
    assert app["environment"]["LOG_LEVEL"] == "WARNING"
    assert app["deploy"]["replicas"] == 2
    assert app["deploy"]["update_config"]["order"] == "start-first"
    assert app["deploy"]["update_config"]["failure_action"] == "rollback"
    assert migrate["deploy"]["mode"] == "replicated-job"
    assert proxy["deploy"]["mode"] == "global"
    # The front door's HTTP and HTTPS ports (TCP, and UDP for HTTP/3) on each node, not on the mesh.
    assert [(port["mode"], port["protocol"]) for port in proxy["ports"]] == [("host", "tcp")] * 2 + [("host", "udp")]
    assert proxy["image"].startswith("registry.example.com/team/") and "configs" not in proxy
    for name, service in services.items():
        # No virtual IP (needs IPVS), no port on the routing mesh, no bind mount a node lacks.
        assert name == "migrate" or service["deploy"]["endpoint_mode"] == "dnsrr", name
        assert name == "proxy" or "ports" not in service, name
        assert all(mount["type"] != "bind" for mount in service.get("volumes", [])), name
        # compose.yaml's hardening, kept where Swarm has it.
        assert service["read_only"] is True and service["cap_drop"] == ["ALL"], name
        assert service["deploy"]["resources"]["limits"]["memory"], name
    assert services["db"]["deploy"]["placement"]["constraints"] == [f"node.labels.{project.name}.db == true"]
    assert services["db"]["deploy"]["update_config"]["order"] == "stop-first"
    assert ("prometheus" in services) == (answers["monitoring"] != "none")


# ---------------------------------------------------------------- a real single-node swarm
