"""No import circle in the repository: the modules of hooks/, local_extensions.py, tooling/, tests/ and
benchmarks/ (and the generated project's package, for the default answers) import each other as a graph
without a cycle. Every import counts, a function's own as well as a module's: a circle that only closes
when a function runs is a circle still (benchmarks/compare.py and benchmarks/api.py had one)."""

import ast
import graphlib
import textwrap
from pathlib import Path

import pytest

from tooling.bake import bake_with
from tooling.paths import TEMPLATE

# The repository's own modules: what a contributor edits and the tests and benchmarks import.
REPOSITORY = ["hooks", "local_extensions.py", "tooling", "tests", "benchmarks"]


def module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(tree: ast.AST, name: str, is_package: bool, modules: set[str]) -> set[str]:
    """The modules (of modules) that the module's imports, at any depth, load: `import a.b` and
    `from a import b` (a module b) load a.b and the packages above it, `from a.b import name` loads a.b.
    A module's own packages are loaded before it, so they count only when it imports a name from them."""
    package = name if is_package else name.rpartition(".")[0]
    targets = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            source = ".".join([*base, *([node.module] if node.module else [])])
            submodules = {f"{source}.{alias.name}" for alias in node.names} & modules
            targets |= submodules or {source}
    own_packages = {".".join(name.split(".")[:n]) for n in range(1, name.count(".") + 1)}
    above = {".".join(t.split(".")[:n]) for t in targets for n in range(1, t.count(".") + 1)} - own_packages
    return (targets | above) & modules - {name}


def import_graph(root: Path, entries: list[str]) -> dict[str, set[str]]:
    """module -> the modules among entries (files, or folders of .py files under root) it imports."""
    paths = []
    for entry in entries:
        path = root / entry
        paths += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    modules = {module_name(path, root): path for path in paths if "node_modules" not in path.parts}
    return {
        name: imported(ast.parse(path.read_text(), str(path)), name, path.name == "__init__.py", set(modules))
        for name, path in modules.items()
    }


def circle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle of the graph (its modules in order, the first again at the end), or None."""
    try:
        graphlib.TopologicalSorter(graph).prepare()
    except graphlib.CycleError as error:
        return error.args[1]
    return None


def test_the_repository_has_no_import_circle():
    graph = import_graph(TEMPLATE, REPOSITORY)
    assert {"tooling.paths", "tests.conftest", "benchmarks.compare", "hooks.pre_gen_project"} <= set(graph)
    assert "tooling.paths" in graph["tooling.combinations"]  # the graph sees the imports
    assert circle(graph) is None, " -> ".join(circle(graph))


def test_the_generated_package_has_no_import_circle(cookies):
    project = bake_with(cookies, {})
    graph = import_graph(project / "src", ["my_service"])
    assert len(graph) > 10 and "my_service.config" in graph["my_service.app"]
    assert circle(graph) is None, " -> ".join(circle(graph))


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("from . import b\n", "import pkg.a\n"),
        # Closed only when a function runs, as benchmarks/compare.py's was.
        ("from .b import helper\n", "def main():\n    from .a import thing\n"),
        ("import pkg.b\n", "from pkg import a\n"),
    ],
    ids=["module-level", "in-a-function", "from-package-import"],
)
def test_a_planted_circle_is_found(tmp_path, a, b):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text(textwrap.dedent(a))
    (package / "b.py").write_text(textwrap.dedent(b))
    (package / "c.py").write_text("from . import a, b\n")  # importing both is no circle
    found = circle(import_graph(tmp_path, ["pkg"]))
    assert found and set(found) == {"pkg.a", "pkg.b"}
