"""The generated project's locks (requirements.txt, requirements-dev.txt), one per database answer.

The template holds both variants of each lock in one file, a Jinja branch per database answer, each
exactly what the baked project's own `make lock` writes. To refresh them after editing
requirements*.in in the template (or to move to newer versions: --upgrade):

    .venv/bin/python -m tooling.locks [--upgrade]      # or: make lock / make upgrade
"""

import sys
import tempfile
from pathlib import Path

from cookiecutter.main import cookiecutter

from .paths import TEMPLATE
from .process import run, tool

LOCKS = ("requirements.txt", "requirements-dev.txt")
DATABASES = ("postgresql", "sqlite")


def requirements(lock_text: str) -> dict[str, tuple[str, list[str]]]:
    """A uv lock's entries: name -> (the requirement line, its hashes). Comments are left out."""
    entries, name = {}, None
    for line in lock_text.replace("\\\n", "\n").splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.startswith("--hash="):
            entries[name][1].append(stripped.removeprefix("--hash="))
        else:
            name = stripped.split("==")[0].split(";")[0].strip().lower()
            entries[name] = (stripped, [])
    return entries


def make_lock(project: Path, target: str = "lock") -> None:
    """The project's own `make lock` (or `make upgrade`), with uv from this virtualenv."""
    run(["make", "--no-print-directory", target, f"UV={tool('uv')}"], cwd=project, timeout=600)


def template_text(variants: dict[str, str]) -> str:
    """One template file from the lock text of each database answer, whole-file Jinja branches."""
    pg, sqlite = variants["postgresql"], variants["sqlite"]
    return f'{{% if cookiecutter.database == "postgresql" -%}}\n{pg}{{% else -%}}\n{sqlite}{{% endif %}}'


def main(target: str = "lock") -> None:
    variants = {name: {} for name in LOCKS}
    with tempfile.TemporaryDirectory() as out:
        for database in DATABASES:
            project = Path(
                cookiecutter(
                    str(TEMPLATE),
                    no_input=True,
                    output_dir=str(Path(out) / database),
                    extra_context={"database": database},
                    accept_hooks=True,
                )
            )
            make_lock(project, target)
            for name in LOCKS:
                variants[name][database] = (project / name).read_text()
    for name in LOCKS:
        (TEMPLATE / "{{cookiecutter.project_slug}}" / name).write_text(template_text(variants[name]))
        print(f"wrote {name}")


if __name__ == "__main__":
    main("upgrade" if "--upgrade" in sys.argv[1:] else "lock")
