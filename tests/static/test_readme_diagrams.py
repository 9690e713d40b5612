"""The READMEs' diagrams draw the stack Compose runs, read from the product itself: for every checked
combination whose answers change the generated README or the compose files, the diagram's boxes are
exactly the services `docker compose config --services` lists (with deploy=swarm, the stack file's too:
`make stack-file`), its cylinders exactly the named volumes, each port published on 127.0.0.1 is on an
edge from you to its service (dashed when only compose.override.yaml publishes it: development), and
Prometheus's arrows go to what prometheus.yml scrapes. The template README's diagram draws the fullest
bake's stack the same way. `docker compose config` needs the docker CLI and its compose plugin, not a
Docker Engine.
"""

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from tooling.bake import bake_with
from tooling.combinations import CHECKED, CHOICE_NAMES, FULLEST, combination_id, one_per
from tooling.paths import TEMPLATE
from tooling.process import run, skip_or_fail

# The answers the generated README and the compose files read: the others (python_version, base_image)
# change neither the diagram nor the services.
READ_BY_THEM = {
    name
    for path in ("README.md", "compose.yaml", "compose.override.yaml", "compose.swarm.yaml")
    for name in re.findall(r"cookiecutter\.(\w+)", (TEMPLATE / "{{cookiecutter.project_slug}}" / path).read_text())
} & set(CHOICE_NAMES)
COMBINATIONS = one_per(lambda answers: tuple(answers[name] for name in sorted(READ_BY_THEM)), CHECKED)

# A node: `id`, `id[label]` (a service), `id[(label)]` (a volume, a cylinder), `id((label))` (you, a circle).
NODE = re.compile(r"(?P<id>\w+)(?:\(\((?P<circle>[^()]+)\)\)|\[\((?P<cylinder>[^()]+)\)\]|\[(?P<box>[^\[\]()]+)\])?")
NODE_TEXT = r"\w+(?:\(\([^()]+\)\)|\[\([^()]+\)\]|\[[^\[\]()]+\])?"
# An edge between two nodes: --> or ---, with a text (-- "text" -->), or dashed (-. "text" .->).
LINE = re.compile(
    rf'^\s*(?P<a>{NODE_TEXT})\s+(?:(?P<plain>-->|---)|--\s+(?P<text>"[^"]*"|[^"]+?)\s+(?:-->|---)'
    rf'|(?P<dashed>-\.->)|-\.\s+(?P<dashed_text>"[^"]*"|[^"]+?)\s+\.->)\s+(?P<b>{NODE_TEXT})\s*$'
)
MERMAID = re.compile(r"^```mermaid\nflowchart LR\n(.*?)^```$", re.MULTILINE | re.DOTALL)
PORT = re.compile(r"(?:127\.0\.0\.1)?:(\d+)\b")


@dataclass
class Diagram:
    kinds: dict[str, tuple[str, str]] = field(default_factory=dict)  # node id -> (shape, name)
    edges: list[tuple[str, str, str, bool]] = field(default_factory=list)  # (from, to, text, dashed)

    def names(self, shape: str) -> set[str]:
        return {name for kind, name in self.kinds.values() if kind == shape}

    def name(self, node: str) -> str:
        return self.kinds[node][1]

    def edges_from(self, shape: str) -> list[tuple[str, str, str, bool]]:
        return [edge for edge in self.edges if self.kinds[edge[0]][0] == shape]


def read_node(text: str, diagram: Diagram) -> str:
    match = NODE.fullmatch(text)
    node = match["id"]
    for shape in ("circle", "cylinder", "box"):
        if match[shape]:
            diagram.kinds[node] = (shape, match[shape].strip('"'))
    diagram.kinds.setdefault(node, ("box", node))
    return node


def diagram_of(markdown: str) -> Diagram:
    """The first Mermaid flowchart of a Markdown text; a line the reading does not understand fails."""
    block = MERMAID.search(markdown)
    assert block, "no ```mermaid flowchart LR block"
    diagram = Diagram()
    for line in filter(str.strip, block.group(1).splitlines()):
        match = LINE.match(line)
        assert match, f"not an edge between two nodes: {line!r}"
        a, b = read_node(match["a"], diagram), read_node(match["b"], diagram)
        text = (match["text"] or match["dashed_text"] or "").strip('"')
        diagram.edges.append((a, b, text, bool(match["dashed"] or match["dashed_text"])))
    return diagram


def compose(project: Path, *args: str) -> str:
    return run(["docker", "compose", *args], cwd=project).stdout


def published_ports(project: Path, *files: str) -> dict[str, set[int]]:
    """service -> the host ports it publishes on 127.0.0.1 (compose.yaml and compose.override.yaml merged,
    or the files given)."""
    config = json.loads(
        compose(project, *(arg for name in files for arg in ("-f", name)), "config", "--format", "json")
    )
    return {
        name: {int(port["published"]) for port in service.get("ports", []) if port.get("host_ip") == "127.0.0.1"}
        for name, service in config["services"].items()
    }


def scraped(project: Path) -> set[str]:
    """The services prometheus.yml scrapes (by DNS name or host:port), Prometheus itself left out."""
    path = project / "docker/prometheus/prometheus.yml"
    if not path.exists():
        return set()
    text = path.read_text()
    names = set(re.findall(r"names: \[([\w-]+)\]", text)) | set(re.findall(r'"([\w-]+):\d+"', text))
    return names - {"prometheus-web"}


@pytest.fixture(scope="module", autouse=True)
def compose_cli():
    if run(["docker", "compose", "version"], check=False).returncode != 0:
        skip_or_fail("REQUIRE_DOCKER", "no `docker compose` (Compose v2) on this machine")


@pytest.fixture(scope="module", params=COMBINATIONS, ids=combination_id)
def project(request, cookies_session):
    path = bake_with(cookies_session, request.param)
    return path, diagram_of((path / "README.md").read_text())


def test_the_boxes_are_the_services_compose_runs(project):
    path, diagram = project
    services = set(compose(path, "config", "--services").split())
    assert diagram.names("box") == services
    assert diagram.names("circle") == {"you"}


@pytest.mark.parametrize("answers", [a for a in COMBINATIONS if a["deploy"] == "swarm"], ids=combination_id)
def test_with_swarm_the_boxes_are_the_stack_files_services(cookies_session, answers):
    path = bake_with(cookies_session, answers)
    env = {**os.environ, "REGISTRY": "registry.example.com/team"}
    stack = yaml.safe_load(run(["make", "--silent", "stack-file"], cwd=path, env=env).stdout)
    assert diagram_of((path / "README.md").read_text()).names("box") == set(stack["services"])


def test_the_cylinders_are_the_named_volumes(project):
    path, diagram = project
    assert diagram.names("cylinder") == set(compose(path, "config", "--volumes").split())


def test_each_published_port_is_on_an_edge_from_you_dashed_in_development_only(project):
    path, diagram = project
    production = published_ports(path, "compose.yaml")
    drawn = {
        (diagram.name(b), int(port), dashed)
        for _, b, text, dashed in diagram.edges_from("circle")
        for port in PORT.findall(text)
    }
    published = {
        (service, port, port not in production.get(service, set()))
        for service, ports in published_ports(path).items()
        for port in ports
    }
    assert drawn == published


def test_prometheus_scrapes_what_prometheus_yml_names(project):
    path, diagram = project
    arrows = {
        diagram.name(b) for a, b, text, _ in diagram.edges if diagram.name(a) == "prometheus" and text == "scrapes"
    }
    assert arrows == scraped(path)


def test_the_template_readmes_diagram_is_the_fullest_projects(cookies_session):
    """The fullest bake's diagram, as the project's README draws it (so the checks above hold for it)."""
    generated = MERMAID.search((bake_with(cookies_session, FULLEST) / "README.md").read_text()).group(0)
    assert MERMAID.search((TEMPLATE / "README.md").read_text()).group(0) == generated


def test_the_reading_sees_what_it_reads():
    """Each kind of node and edge is read (a reading that found nothing would pass on anything)."""
    diagram = diagram_of(
        "```mermaid\nflowchart LR\n"
        '    you((you)) -- "127.0.0.1:443, :80" --> proxy\n'
        '    you -. "127.0.0.1:8000, development only" .-> app\n'
        "    exporter[postgres-exporter] -- scrapes --> db\n"
        "    db --- dbdata[(db-data)]\n"
        "```\n"
    )
    assert diagram.names("box") == {"proxy", "app", "postgres-exporter", "db"}
    assert diagram.names("cylinder") == {"db-data"} and diagram.names("circle") == {"you"}
    assert diagram.edges[1] == ("you", "app", "127.0.0.1:8000, development only", True)
    assert PORT.findall("127.0.0.1:443, :80") == ["443", "80"]
    with pytest.raises(AssertionError, match="not an edge"):
        diagram_of("```mermaid\nflowchart LR\n    app -> db\n```\n")
