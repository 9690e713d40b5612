"""Jinja branches around whole blocks in every generated file, not only in Markdown (test_template_prose.py):
in Python, YAML, the Makefile, the Dockerfile, shell, TOML, JSON..., each Jinja tag stands alone on its own
line, so that the template reads like the file it generates and each branch is a whole line, statement
or block (an import line, a docstring, a YAML entry, a Makefile target), never part of one.

The one exception: `{% raw %}...{% endraw %}` on one line, which does not branch: it keeps GitHub Actions'
own `${{ ... }}` expressions (.github/) from Jinja."""

import re

import pytest

from tooling.paths import TEMPLATE

PROJECT = TEMPLATE / "{{cookiecutter.project_slug}}"
ONE_TAG = re.compile(r"\s*\{%-?\s[^%]*\s-?%\}")
RAW = re.compile(r"\{%-? raw -?%\}.*?\{%-? endraw -?%\}")


def template_files():
    files = []
    for path in sorted(PROJECT.rglob("*")):
        if path.is_file():
            try:
                files.append((path, path.read_text(encoding="utf-8")))
            except UnicodeDecodeError:
                continue
    return files


FILES = template_files()


def offending_lines(text):
    return [
        f"{number}: {line.strip()}"
        for number, line in enumerate(text.splitlines(), 1)
        if "{%" in RAW.sub("", line) and not ONE_TAG.fullmatch(line)
    ]


@pytest.mark.parametrize(("path", "text"), FILES, ids=[str(path.relative_to(PROJECT)) for path, _ in FILES])
def test_every_jinja_tag_stands_alone_on_its_line(path, text):
    assert offending_lines(text) == []


def test_the_rule_sees_every_kind_of_file():
    kinds = {path.suffix or path.name for path, text in FILES if "{%" in text}
    assert {".py", ".yaml", ".yml", "Makefile", "Dockerfile", ".example"} <= kinds, kinds
    assert offending_lines('from x import a{% if cookiecutter.database == "postgresql" %}, b{% endif %}\n')
    assert offending_lines('.PHONY: up{% if cookiecutter.database == "postgresql" %} psql{% endif %}\n')
    assert not offending_lines('{%- if cookiecutter.database == "postgresql" %}\n    - db_password\n{%- endif %}\n')
    assert not offending_lines("  group: {% raw %}${{ github.workflow }}{% endraw %}\n")
