"""The template's path and baking a project from it."""

from pathlib import Path

from .combinations import DEFAULTS, TEMPLATE

__all__ = ["TEMPLATE", "bake_with"]


def bake_with(cookies, answers) -> Path:
    """Bake with the default answers updated by answers; assert it worked; return the project path."""
    result = cookies.bake(extra_context={**DEFAULTS, **answers})
    assert result.exception is None, result.exception
    assert result.exit_code == 0
    return Path(result.project_path)
