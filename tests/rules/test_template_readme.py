"""The template README's "Generated tree" names what a project holds, and only that."""

import re

from tooling.bake import bake_with
from tooling.paths import TEMPLATE
from tooling.process import run

# The combination that generates every file (the default answers, plus Grafana and Swarm).
ALL_FILES = {"database": "postgresql", "monitoring": "prometheus-grafana", "deploy": "swarm"}
# Listed, but written by `cruft create` rather than by cookiecutter.
CRUFT_ONLY = {".cruft.json"}


def generated_tree_paths() -> list[str]:
    """The first word of each line of the code block in the README's "Generated tree" section."""
    readme = (TEMPLATE / "README.md").read_text()
    section = readme.split("\n## Generated tree\n", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"^```\n(.*?)^```$", section, re.MULTILINE | re.DOTALL).group(1)
    return [line.split()[0].replace("<package_name>", "my_service") for line in block.splitlines() if line.strip()]


def left_over_in_the_template(name: str) -> bool:
    """A git-ignored file or folder lying in the template's project folder (a .ruff_cache): cookiecutter copies
    it, but it is not part of the template. (What the hooks write, such as .env, is not in that folder.)"""
    relative = f"{{{{cookiecutter.project_slug}}}}/{name}"
    ignored = run(["git", "check-ignore", "--quiet", relative], cwd=TEMPLATE, check=False).returncode == 0
    return ignored and (TEMPLATE / relative).exists()


def test_the_generated_tree_names_every_top_level_file_and_folder_and_nothing_else(cookies_session):
    project = bake_with(cookies_session, ALL_FILES)
    listed = generated_tree_paths()
    top_level = sorted(path.name for path in project.iterdir() if not left_over_in_the_template(path.name))
    unlisted = [name for name in top_level if not any(p == name or p.startswith(f"{name}/") for p in listed)]
    assert unlisted == [], "add these to the README's Generated tree"
    missing = [p for p in listed if p not in CRUFT_ONLY and not list(project.glob(p.rstrip("/")))]
    assert missing == [], "the README's Generated tree names what the template does not generate"
