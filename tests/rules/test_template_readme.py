"""The template README's "Generated tree" names every file the fullest bake generates, and nothing it does
not; an entry of a file or folder that an answer removes (the post-gen hook's table) says which answer. Its
list of the images a project uses is the images the projects' Dockerfiles, compose files and Makefile name."""

import fnmatch
import re

import yaml

from hooks.post_gen_project import REMOVE
from tooling.bake import bake_with
from tooling.combinations import FULLEST
from tooling.docker import base_images
from tooling.paths import TEMPLATE
from tooling.process import run

PACKAGE = "my_service"
# Listed, but written by `cruft create` rather than by cookiecutter.
CRUFT_ONLY = {".cruft.json"}


def generated_tree() -> dict[str, str]:
    """The code block of the README's "Generated tree" section: each entry (its first word) and its
    description (the rest of its line, and of the indented lines that continue it)."""
    readme = (TEMPLATE / "README.md").read_text()
    section = readme.split("\n## Generated tree\n", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"^```\n(.*?)^```$", section, re.MULTILINE | re.DOTALL).group(1)
    entries: dict[str, str] = {}
    entry = ""
    for line in block.splitlines():
        if line.startswith(" "):
            entries[entry] += " " + line.strip()
        elif line.strip():
            entry, _, description = line.partition(" ")
            entry = entry.replace("<package_name>", PACKAGE)
            entries[entry] = description.strip()
    return entries


def covers(entry: str, path: str) -> bool:
    """Whether a tree entry (a file, a folder/ or a glob) stands for the file path."""
    return entry == path or (entry.endswith("/") and path.startswith(entry)) or fnmatch.fnmatch(path, entry)


def generated_files(project) -> list[str]:
    """Every file of the bake that git would track (what is git-ignored left out: a .ruff_cache copied from
    the template's folder, what the hooks write such as .env)."""
    run(["git", "init", "--quiet"], cwd=project)
    return run(["git", "ls-files", "--others", "--exclude-standard"], cwd=project).stdout.splitlines()


def test_the_generated_tree_names_every_file_and_nothing_else(cookies_session):
    project = bake_with(cookies_session, FULLEST)
    tree = generated_tree()
    files = generated_files(project)
    unlisted = [path for path in files if not any(covers(entry, path) for entry in tree)]
    assert unlisted == [], "add these to the README's Generated tree"
    on_disk = [str(path.relative_to(project)) for path in project.rglob("*") if path.is_file()]
    missing = [entry for entry in tree if entry not in CRUFT_ONLY and not any(covers(entry, p) for p in on_disk)]
    assert missing == [], "the README's Generated tree names what the template does not generate"
    assert "docs/api.md" in tree and len(files) > len(tree)


def test_what_an_answer_removes_is_marked_with_that_answer():
    """e.g. `docs/backups.md  (database=postgresql) ...`: the entries of what the post-gen hook removes for
    some answer start with that answer's name in parentheses."""
    tree = generated_tree()
    unmarked = [
        f"{entry} (removed by {name}={value})"
        for (name, value), paths in REMOVE.items()
        for removed in paths
        for entry, description in tree.items()
        if (entry.rstrip("/") + "/").startswith(removed.format(package_name=PACKAGE) + "/")
        and not description.startswith(f"({name}")
    ]
    assert unmarked == []
    assert tree["docs/swarm.md"].startswith("(deploy=swarm)")


def images_used(project) -> set[str]:
    """The short names (no registry, owner or tag) of the images a project pulls: its Dockerfiles' bases, the
    compose services' images that are not built, and the images the Makefile runs (`docker run ... name:tag`)."""
    images = [image for dockerfile in project.rglob("Dockerfile") for image in base_images(dockerfile)]
    files = project.rglob("compose*.yaml")
    services = [service for path in files for service in yaml.safe_load(path.read_text())["services"].values()]
    images += [service["image"] for service in services if "image" in service]
    makefile = (project / "Makefile").read_text()
    images += re.findall(r"(?<=\s)([a-z][\w.-]*(?:/[\w.-]+)*:\d[\w.-]*)(?=\s|$)", makefile, re.MULTILINE)
    built = {short_name(service["image"]) for service in services if "build" in service and "image" in service}
    return {short_name(image) for image in images} - built


def short_name(image: str) -> str:
    return image.rsplit("/", 1)[-1].split(":")[0]


def test_the_multi_arch_paragraph_names_every_image_a_project_uses(cookies_session):
    readme = " ".join((TEMPLATE / "README.md").read_text().split())
    listed = re.search(r"Every image the project uses \(([^)]*)\)", readme).group(1)
    names = {name.strip() for name in re.split(r",|\band\b", listed.split(" for ")[0]) if name.strip()}
    used = images_used(bake_with(cookies_session, FULLEST))
    used |= images_used(bake_with(cookies_session, {**FULLEST, "base_image": "ubuntu"}))
    assert names == used
