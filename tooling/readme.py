"""What Markdown documents say: their code blocks and spans; a generated project's settings table
(docs/configuration.md)."""

import re
from pathlib import Path

CONFIGURATION = "docs/configuration.md"
SET_IN_ENV_COLUMN = "set in `.env`?"
FENCE = re.compile(r"^```[^\n]*\n(.*?)^```$", re.MULTILINE | re.DOTALL)  # a fenced code block's text
CODE_SPAN = re.compile(r"`([^`\n]+)`")


def documented_settings(project: Path) -> dict[str, bool]:
    """docs/configuration.md's settings table: each variable, and whether it is meant to be set in .env.

    A row may name several variables (`A`, `B` / `B_FILE`); the last column says "yes..." for the
    settings compose passes from .env, "no: <why>" for those compose or the image sets.
    """
    text = (project / CONFIGURATION).read_text()
    rows = []
    for line in text.splitlines():
        if line.startswith("| variable |"):
            rows = [line]
        elif rows and line.startswith("|"):
            rows.append(line)
        elif rows:
            break
    assert rows, f"{CONFIGURATION} has no table whose first column is 'variable'"
    header, _rule, *body = ([cell.strip() for cell in row.strip().strip("|").split("|")] for row in rows)
    assert header[-1] == SET_IN_ENV_COLUMN, f"unexpected table header {header}"
    settings = {}
    for cells in body:
        assert len(cells) == len(header), f"a row of the settings table has {len(cells)} cells: {cells}"
        for name in re.findall(r"`([A-Z][A-Z0-9_]*)`", cells[0]):
            settings[name] = cells[-1].startswith("yes")
    return settings
