"""Finish the generated project: drop the files an answer turned off, run its first-run setup, say what next.

It never touches the network or Docker. Answers arrive through `tojson` at the bottom of this file.
"""

import shutil
import subprocess
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

# answer -> files and folders that answer turns off (paths relative to the project root;
# {package_name} is the package's folder name)
REMOVE = {
    ("database", "sqlite"): ["docker/postgres", "docs/backups.md"],
    ("monitoring", "none"): ["docker/prometheus", "docker/grafana", "docs/monitoring.md"],
    ("monitoring", "prometheus"): ["docker/grafana"],
    ("deploy", "compose"): ["compose.swarm.yaml", "scripts/swarm.py", "docs/swarm.md"],
    ("reports", "no"): ["src/{package_name}/reports", "tests/test_reports.py", "docs/reports.md"],
}


def paths_to_remove(answers: Mapping[str, str]) -> list[str]:
    return [
        path.format(package_name=answers.get("package_name", ""))
        for (name, value), paths in REMOVE.items()
        if answers.get(name) == value
        for path in paths
    ]


def remove_paths(root: Path, paths: Iterable[str]) -> None:
    for relative in paths:
        path = root / relative
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


# The project's own first-run script, which `make setup` runs too: it writes .env and the secrets,
# and never replaces one, so baking over an existing project (--overwrite-if-exists) keeps them.
SETUP_SCRIPT = "scripts/setup.py"


def run_setup(root: Path) -> int:
    """Run the project's setup script with this Python; return its exit code."""
    return subprocess.run([sys.executable, str(root / SETUP_SCRIPT)], cwd=root).returncode


def next_steps(answers: Mapping[str, str]) -> str:
    slug = answers["project_slug"]
    return "\n".join(
        [
            f"Created {slug}. Next steps:",
            f"  cd {slug}",
            "  docker compose up --build --wait     # the whole stack, see README.md",
            "  make help                            # every command",
        ]
    )


def main(answers: Mapping[str, str], root: Path) -> int:
    remove_paths(root, paths_to_remove(answers))
    status = run_setup(root)
    if status == 0:
        print(next_steps(answers))
    return status


# Keep the Jinja expressions below as written. They are Python only once cookiecutter has filled them
# in, so mypy skips this block (`not TYPE_CHECKING` is false to it, true when the hook runs).
# fmt: off
if not TYPE_CHECKING and __name__ == "__main__":
    sys.exit(
        main(
            {
                "project_slug": {{ cookiecutter.project_slug | tojson }},
                "package_name": {{ cookiecutter.package_name | tojson }},
                "database": {{ cookiecutter.database | tojson }},
                "monitoring": {{ cookiecutter.monitoring | tojson }},
                "deploy": {{ cookiecutter.deploy | tojson }},
                "reports": {{ cookiecutter.reports | tojson }},
            },
            Path.cwd(),
        )
    )
# fmt: on
