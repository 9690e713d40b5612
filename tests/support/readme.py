"""What a generated project's README documents."""

import re
from pathlib import Path

SET_IN_ENV_COLUMN = "set in `.env`?"


def documented_settings(project: Path) -> dict[str, bool]:
    """The README's Configuration table: each variable, and whether it is meant to be set in .env.

    A row may name several variables (`A`, `B` / `B_FILE`); the last column says "yes..." for the
    settings compose passes from .env, "no: <why>" for those compose or the image sets.
    """
    text = (project / "README.md").read_text()
    section = text.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    rows = [line.strip().strip("|").split("|") for line in section.splitlines() if line.startswith("|")]
    header, _rule, *body = ([cell.strip() for cell in row] for row in rows)
    assert header[0] == "variable" and header[-1] == SET_IN_ENV_COLUMN, f"unexpected table header {header}"
    settings = {}
    for cells in body:
        assert len(cells) == len(header), f"a row of the Configuration table has {len(cells)} cells: {cells}"
        for name in re.findall(r"`([A-Z][A-Z0-9_]*)`", cells[0]):
            settings[name] = cells[-1].startswith("yes")
    return settings
