"""The template's own code is clean under ruff (the generated project's is checked in test_bake.py)."""

from .support.bake import TEMPLATE
from .support.process import run, tool


def test_ruff_check_and_format_of_the_template_code():
    paths = ["hooks", "tests", "benchmarks"]
    run([tool("ruff"), "check", "--no-cache", *paths], cwd=TEMPLATE)
    run([tool("ruff"), "format", "--check", "--no-cache", *paths], cwd=TEMPLATE)
