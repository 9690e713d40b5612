"""Baking a project from the template, and the Jinja markers baking must leave none of."""

import re
from pathlib import Path

from .combinations import DEFAULTS

# Jinja's three markers; GitHub Actions' own expressions (`${{ github.ref }}`) in .github/ are not leftovers.
TEMPLATE_MARKER = re.compile(r"\{\{|\{%|\{#")
GITHUB_EXPRESSION = re.compile(r"\$\{\{[^{}]*\}\}")


def bake_with(cookies, answers) -> Path:
    """Bake with the default answers updated by answers; assert it worked; return the project path."""
    result = cookies.bake(extra_context={**DEFAULTS, **answers})
    assert result.exception is None, result.exception
    assert result.exit_code == 0
    return Path(result.project_path)


def has_template_marker(path: Path, text: str) -> bool:
    """Whether text (of the baked file path) still has a Jinja marker, which baking should have rendered."""
    if ".github" in path.parts:
        text = GITHUB_EXPRESSION.sub("", text)
    return bool(TEMPLATE_MARKER.search(text))
