"""Where the answers land in a baked project, read back the way each file's own reader reads them."""

import re
import tomllib
from pathlib import Path

from markdown_it import MarkdownIt

from .docker import dockerfile_instructions
from .process import run

# A version no file of the template has, with an epoch and a local part (which a tag cannot hold).
VERSION = "7!0.2.0+local.1"


def set_version(project: Path, version: str) -> None:
    """pyproject.toml's version (the one place it is written) set to version."""
    pyproject = project / "pyproject.toml"
    text, count = re.subn(r'(?m)^version = ".*"$', f'version = "{version}"', pyproject.read_text())
    assert count == 1
    pyproject.write_text(text)


LABEL_PAIR = re.compile(r'([A-Za-z0-9._-]+)="((?:[^"\\]|\\.)*)"')


def docker_unquote(value: str) -> str:
    """Inside double quotes Docker reads \\" \\$ and \\\\ as the character, and keeps any other backslash."""
    return re.sub(r'\\(["$\\])', r"\1", value)


def oci_labels(dockerfile: Path) -> dict[str, str]:
    """The org.opencontainers.image.* labels of the Dockerfile's LABEL instructions, unquoted."""
    lines, _ = dockerfile_instructions(dockerfile)
    labels = {}
    for line in lines:
        if line.startswith("LABEL "):
            labels.update((key, docker_unquote(value)) for key, value in LABEL_PAIR.findall(line))
    return {key.removeprefix("org.opencontainers.image."): value for key, value in labels.items()}


def make_variable(project: Path, name: str) -> str:
    """The value the project's Makefile gives a variable (e.g. APP_VERSION, from pyproject.toml)."""
    show = f"show-variable: ; @echo '$({name})'"
    return run(
        ["make", "--silent", "--no-print-directory", "--eval", show, "show-variable"], cwd=project
    ).stdout.strip()


def _plain_text(inline) -> str | None:
    """The text of an inline token, or None when Markdown read any of it as markup (HTML, emphasis...)."""
    if any(child.type != "text" for child in inline.children):
        return None
    return "".join(child.content for child in inline.children)


def readme_title_and_description(readme: Path) -> tuple[str | None, str | None]:
    """What a Markdown renderer shows as the README's title and its first paragraph."""
    tokens = MarkdownIt("commonmark").enable(["strikethrough", "table"]).parse(readme.read_text())
    title = next(i for i, t in enumerate(tokens) if t.type == "heading_open" and t.tag == "h1")
    paragraph = next(i for i, t in enumerate(tokens) if t.type == "paragraph_open" and i > title)
    # The title must be the first block, and the description the very next one.
    assert title == 0 and paragraph == title + 3, [t.type for t in tokens[:8]]
    return _plain_text(tokens[title + 1]), _plain_text(tokens[paragraph + 1])


def shown_answers(project: Path) -> dict[str, dict[str, str]]:
    """Each free answer as pyproject.toml, the image's labels and the README show it."""
    meta = tomllib.loads((project / "pyproject.toml").read_text())["project"]
    labels = oci_labels(project / "Dockerfile")
    # The version label is the build argument that `make push` (and the release workflow) passes.
    assert labels["version"] == "${APP_VERSION}", labels["version"]
    title, description = readme_title_and_description(project / "README.md")
    return {
        "pyproject.toml": {
            "project_slug": meta["name"],
            "version": meta["version"],
            "description": meta["description"],
            "author_name": meta["authors"][0]["name"],
            "author_email": meta["authors"][0]["email"],
            "repository_url": meta["urls"]["Source"],
        },
        "Dockerfile": {
            "project_name": labels["title"],
            "description": labels["description"],
            "authors": labels["authors"],
            "version": make_variable(project, "APP_VERSION"),
            "repository_url": labels["source"],
        },
        "README.md": {"project_name": title, "description": description},
    }
