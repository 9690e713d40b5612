"""Every variable a compose file reads is in .env.example, with its default: in every combination, every
`${VAR...}` of every compose file (compose*.yaml, .devcontainer/compose.yaml) has a line `VAR=value` or
`# VAR=value` there. A variable compose requires (`${VAR:?...}`) has an active line; one with a default
(`${VAR:-default}`) shows that default, or is empty where the files give it different defaults (LOG_LEVEL
is DEBUG in development only). The exceptions: the variables the Makefile exports itself (APP_TAG, from
pyproject.toml's version, and REGISTRY), which make passes to every compose command it runs."""

import re

import pytest
import yaml

from tooling.bake import bake_with
from tooling.combinations import combination_id, one_per

# ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?message}, ${VAR?message}; `$${` is a literal `$`.
VARIABLE = re.compile(r"(?<!\$)\$\{(\w+)(?:(:?[-?])([^}]*))?\}")
ENTRY = re.compile(r"^(?:# )?([A-Z][A-Z0-9_]*)=(.*)$", re.MULTILINE)


def strings(node):
    """Every string of a YAML document (keys and values): what compose interpolates, never the comments."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from strings(key)
            yield from strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from strings(item)
    elif isinstance(node, str):
        yield node


def compose_variables(project):
    """name -> {"required": bool, "defaults": set of defaults}, over every compose file of the project."""
    found = {}
    files = [*project.glob("compose*.yaml"), *project.glob(".devcontainer/compose*.yaml")]
    assert project / "compose.yaml" in files
    for path in files:
        for text in strings(yaml.safe_load(path.read_text())):
            for name, operator, argument in VARIABLE.findall(text):
                entry = found.setdefault(name, {"required": False, "defaults": set()})
                if "?" in operator:
                    entry["required"] = True
                else:
                    entry["defaults"].add(argument if operator else "")
    return found


def make_exports(project):
    """The variables the Makefile exports to the commands it runs."""
    lines = re.findall(r"^export ([A-Z_ ]+)$", (project / "Makefile").read_text(), re.MULTILINE)
    return {name for line in lines for name in line.split()}


# The Python and the base image change only the Dockerfile: one combination for each value of the others.
COMPOSE_VARIANTS = one_per(lambda a: tuple(v for k, v in a.items() if k not in ("python_version", "base_image")))


@pytest.mark.parametrize("answers", COMPOSE_VARIANTS, ids=combination_id)
def test_every_compose_variable_is_in_env_example_with_its_default(cookies_session, answers):
    project = bake_with(cookies_session, answers)
    text = (project / ".env.example").read_text()
    entries = {name: value for name, value in ENTRY.findall(text)}
    active = {match[1] for match in re.finditer(r"^([A-Z][A-Z0-9_]*)=", text, re.MULTILINE)}
    exported = make_exports(project)
    variables = compose_variables(project)
    assert {"APP_PORT", "LOG_LEVEL"} <= set(variables), variables
    for name, used in sorted(variables.items()):
        if name in exported:
            continue
        assert name in entries, f"{name} is read by a compose file but not in .env.example"
        if used["required"]:
            assert name in active, f"{name} is required by a compose file: .env.example must set it"
        else:
            expected = next(iter(used["defaults"])) if len(used["defaults"]) == 1 else ""
            assert entries[name] == expected, (
                f"{name}: .env.example says {entries[name]!r}, compose's default is {expected!r}"
            )
