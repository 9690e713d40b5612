"""Deploying to a Docker Swarm: the stack file `make deploy` deploys, and waiting for the stack.

    python3 scripts/swarm.py stack-file STACK   # print the file for `docker stack deploy`
    python3 scripts/swarm.py deploy STACK LABEL # deploy it, wait until every service converged
    python3 scripts/swarm.py undeploy STACK     # remove the stack, wait until its tasks are gone

`docker stack deploy` reads compose files, but neither .env nor everything compose.yaml says. So
`docker compose` renders compose.yaml + compose.swarm.yaml first (with .env, as `docker compose up`
would), and this script turns the result into a file Swarm accepts:

- no start order (`depends_on`): Swarm starts every service at once; the app waits for the
  database by itself, and migrations run as a job (compose.swarm.yaml);
- no `build`, `pull_policy` or `restart` (Swarm's `deploy.restart_policy` replaces it);
- only the ports compose.swarm.yaml publishes on each node (`mode: host`, the proxy's):
  compose.yaml's are for one machine (127.0.0.1, or the proxy's PROXY_BIND), and Swarm would put
  them on its routing mesh or open them to the network;
- no bind mount: a node has no project folder; compose.swarm.yaml gives those files as configs;
- `tmpfs` and `shm_size` become tmpfs mounts, which Swarm supports;
- each config is named after the stack and its content, as Swarm's configs are immutable: a
  changed file becomes a new config, which the next `make deploy` switches the services to.

(`docker compose config` writes each `$` of a value as `$$`, so `docker stack deploy`, which expands
variables too, leaves them as they are.)

`deploy` first asks the registry for the images the project builds (the app's, which `make push`
pushes): without them every task would be rejected ("No such image") until the wait gave up, so it
stops at once and says so. Then it runs `docker stack deploy` with that file, and waits until every
service runs its tasks, the job completed, and no update is in progress; it fails when an update is
rolled back or paused. (`docker stack deploy --detach=false` would wait too, but never returns when
the stack has a job.)

Standard library only, Python 3.9 or newer (the host's python3). It is run by `make deploy` and
`make stack-file`.
"""

import hashlib
import json
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILES = ["compose.yaml", "compose.swarm.yaml"]
# Service settings that Swarm has no use for, or that it replaces (see above).
DROPPED = ("build", "depends_on", "pull_policy", "restart", "tmpfs", "shm_size", "container_name")


def render(root=ROOT):
    """compose.yaml + compose.swarm.yaml as `docker compose config` resolves them, with .env."""
    files = [arg for name in COMPOSE_FILES for arg in ("--file", name)]
    out = subprocess.run(
        ["docker", "compose", *files, "config", "--format", "json"],
        cwd=root,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out)


def service_for_swarm(service):
    """One service of the rendered configuration, as Swarm takes it."""
    service = {key: value for key, value in service.items() if value is not None}
    mounts = [mount for mount in service.get("volumes", []) if mount.get("type") != "bind"]
    mounts += [{"type": "tmpfs", "target": target} for target in service.get("tmpfs", [])]
    if "shm_size" in service:
        mounts.append(
            {"type": "tmpfs", "target": "/dev/shm", "tmpfs": {"size": int(service["shm_size"])}}
        )
    for key in DROPPED:
        service.pop(key, None)
    if mounts:
        service["volumes"] = mounts
    ports = [port for port in service.get("ports", []) if port.get("mode") == "host"]
    for port in ports:
        port["published"] = int(port["published"])
    if ports:
        service["ports"] = ports
    else:
        service.pop("ports", None)
    # Swarm's schema wants CPUs as a string ("0.5"), compose writes a number.
    for resources in service.get("deploy", {}).get("resources", {}).values():
        if "cpus" in resources:
            resources["cpus"] = str(resources["cpus"])
    return service


def content_name(stack, key, path):
    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]
    return f"{stack}_{key}_{digest}"


def stack_file(config, stack):
    """The rendered configuration, as `docker stack deploy` accepts it."""
    result = {"services": {name: service_for_swarm(s) for name, s in config["services"].items()}}
    # Volumes and networks without compose's names: the stack prefixes its own (STACK_db-data).
    for kind in ("volumes", "networks"):
        entries = {
            key: {k: v for k, v in entry.items() if k != "name"}
            for key, entry in config.get(kind, {}).items()
        }
        if entries:
            result[kind] = entries
    configs = {
        key: {"name": content_name(stack, key, entry["file"]), "file": entry["file"]}
        for key, entry in config.get("configs", {}).items()
    }
    if configs:
        result["configs"] = configs
    # Secrets keep the stack's own names (STACK_secret_key): a name made from a secret's content
    # would tell something about it.
    # To change one, see docs/swarm.md ("What changes from compose.yaml").
    result["secrets"] = {
        key: {"file": entry["file"]} for key, entry in config.get("secrets", {}).items()
    }
    return result


def docker_json(*args):
    out = subprocess.run(["docker", *args], check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


FAILED_UPDATES = ("rollback_started", "rollback_completed", "rollback_paused", "paused")


def pending(stack, since):
    """What is not done yet in the stack, as messages; raises RuntimeError for a failed update."""
    waiting = []
    label = f"label=com.docker.stack.namespace={stack}"
    rows = docker_json("service", "ls", "--filter", label, "--format", "json")
    for row in rows:
        replicas = row["Replicas"]  # "2/2", or for a job "0/1 (1/1 completed)"
        if "completed" in replicas:
            done, total = replicas.split("(")[1].split()[0].split("/")
        else:
            done, total = replicas.split()[0].split("/")
        if done != total:
            waiting.append(f"{row['Name']}: {replicas}")
        (service,) = json.loads(
            subprocess.run(
                ["docker", "service", "inspect", row["Name"]],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        )
        status = service.get("UpdateStatus", {})
        started = status.get("StartedAt", "")[:19]
        if started and datetime.fromisoformat(started).replace(tzinfo=timezone.utc) >= since:
            if status["State"] in FAILED_UPDATES:
                raise RuntimeError(
                    f"{row['Name']}: update {status['State']}: {status.get('Message', '')}"
                )
            if status["State"] != "completed":
                waiting.append(f"{row['Name']}: {status['State']}")
    return waiting if rows else ["no services yet"]


def label_a_node(label):
    """Put `label=true` on this node unless a node has it: the db's (and its volume's) node."""
    labelled = subprocess.run(
        ["docker", "node", "ls", "--quiet", "--filter", f"node.label={label}=true"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    if not labelled:
        ((node,),) = docker_json("node", "inspect", "self", "--format", "json")
        print(f"labelling this node {label}=true: the db and its volume live here")
        subprocess.run(
            ["docker", "node", "update", "--label-add", f"{label}=true", node["ID"]], check=True
        )


def unpushed_images(config):
    """The images the project builds (its services with `build`) that the registry does not have:
    image -> the registry's answer (`docker buildx imagetools inspect` asks, with your logins)."""
    built = {service["image"] for service in config["services"].values() if "build" in service}
    missing = {}
    for image in sorted(built):
        inspect = ["docker", "buildx", "imagetools", "inspect", image]
        result = subprocess.run(inspect, capture_output=True, text=True)
        if result.returncode != 0:
            answer = (result.stderr + result.stdout).strip().splitlines()
            missing[image] = answer[-1].removeprefix("ERROR: ") if answer else "no answer"
    return missing


def deploy(stack, label, timeout=600):
    """docker stack deploy, then wait until the stack converged; 0 when it did."""
    config = render()
    missing = unpushed_images(config)
    if missing:
        # One line: each missing image, and the one command that pushes them (app tag = version)
        images = ", ".join(f"{image} ({answer})" for image, answer in missing.items())
        version = config["services"]["app"]["image"].rsplit(":", 1)[1]
        print(
            f"cannot deploy: the registry has no {images}. "
            f"`make push APP_VERSION={version}` builds and pushes them "
            "(without a registry of your own, run `make registry` first).",
            file=sys.stderr,
        )
        return 1
    label_a_node(label)
    # Updates that started from here on are this deploy's (the timestamps are whole seconds).
    since = datetime.now(timezone.utc).replace(microsecond=0)
    command = ["docker", "stack", "deploy", "--prune", "--with-registry-auth", "--detach=true"]
    command += ["--quiet", "--compose-file", "-", stack]
    print(" ".join(command), flush=True)
    subprocess.run(command, input=json.dumps(stack_file(config, stack)), text=True, check=True)
    deadline = time.monotonic() + timeout
    shown = None
    while True:
        try:
            waiting = pending(stack, since)
        except RuntimeError as error:
            print(f"failed: {error}", file=sys.stderr)
            return 1
        if not waiting:
            print(f"{stack}: every service converged")
            return 0
        if time.monotonic() > deadline:
            print(f"still not converged after {timeout} s: {', '.join(waiting)}", file=sys.stderr)
            return 1
        if waiting != shown:
            print(f"waiting for {', '.join(waiting)}")
            shown = waiting
        time.sleep(2)


def undeploy(stack, _label=None, timeout=120):
    """docker stack rm, then wait until its containers and network are gone: a deploy right after
    would find the old network still there, and the volumes are in use until then."""
    subprocess.run(["docker", "stack", "rm", "--detach=false", stack], check=True)
    label = f"label=com.docker.stack.namespace={stack}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        left = [
            item
            for kind in (["ps", "--all"], ["network", "ls"])
            for item in docker_json(*kind, "--filter", label, "--format", "json")
        ]
        if not left:
            print(f"{stack}: removed (its volumes stay)")
            return 0
        time.sleep(1)
    print(f"{stack}: containers or networks still there after {timeout} s", file=sys.stderr)
    return 1


COMMANDS = {"stack-file": None, "deploy": deploy, "undeploy": undeploy}


def main(argv):
    if len(argv) not in (3, 4) or argv[1] not in COMMANDS:
        print(__doc__, file=sys.stderr)
        return 2
    if argv[1] != "stack-file":
        return COMMANDS[argv[1]](*argv[2:])
    json.dump(stack_file(render(), argv[2]), sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
