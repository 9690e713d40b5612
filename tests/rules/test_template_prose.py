"""The generated prose branches around whole blocks (paragraphs, list items, table rows, whole
diagrams), never inside a sentence or a line: each Jinja tag in a Markdown file stands alone on its
own line, so the template reads like the file it generates."""

import re

import pytest

from tooling.paths import TEMPLATE

PROJECT = TEMPLATE / "{{cookiecutter.project_slug}}"
PROSE = sorted(PROJECT.rglob("*.md"))
ONE_TAG = re.compile(r"\{%-?\s[^%]*\s-?%\}")


@pytest.mark.parametrize("path", PROSE, ids=lambda path: str(path.relative_to(PROJECT)))
def test_every_jinja_tag_stands_alone_on_its_line(path):
    offending = [
        f"{number}: {line}"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if "{%" in line and not ONE_TAG.fullmatch(line)
    ]
    assert offending == []


def test_the_rule_is_checked_on_the_readme_and_the_docs():
    assert PROJECT / "README.md" in PROSE and PROJECT / "docs/configuration.md" in PROSE
    assert ONE_TAG.fullmatch('{%- if cookiecutter.database == "postgresql" %}')
    assert not ONE_TAG.fullmatch('metrics{% if cookiecutter.database == "postgresql" %}, on PostgreSQL{% endif %}')
    assert not ONE_TAG.fullmatch('  {%- if cookiecutter.database == "sqlite" %} the SQLite file')
