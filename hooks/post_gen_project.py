"""Finish the generated project: drop the files an answer turned off, write fresh secrets, say what next.

It never touches the network or Docker. Answers arrive through `tojson` at the bottom of this file.
"""

import os
import secrets
import shutil
import sys
from pathlib import Path

# answer -> files and folders that answer turns off (paths relative to the project root)
REMOVE = {
    ("database", "sqlite"): ["docker/postgres"],
    ("monitoring", "none"): ["docker/prometheus", "docker/grafana"],
    ("monitoring", "prometheus"): ["docker/grafana"],
}


def paths_to_remove(answers):
    return [path for (name, value), paths in REMOVE.items() if answers[name] == value for path in paths]


def remove_paths(root, paths):
    for relative in paths:
        path = root / relative
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


def secret_names(answers):
    """The secret files the project needs, each under secrets/<name>.txt."""
    names = ["secret_key"]
    if answers["database"] == "postgresql":
        names += ["db_password", "db_reporting_password"]
    if answers["monitoring"] == "prometheus-grafana":
        names.append("grafana_admin_password")
    return names


def write_secrets(root, names):
    """Write a random value into each secrets/<name>.txt (git-ignored)."""
    folder = root / "secrets"
    folder.mkdir(exist_ok=True)
    # Other users of this machine may not look inside; compose bind-mounts each file into its container.
    folder.chmod(0o700)
    for name in names:
        path = folder / f"{name}.txt"
        path.write_text(secrets.token_urlsafe(32) + "\n")
        # 0644, not 0600: the containers read these files as a non-root user that is not you.
        path.chmod(0o644)


def host_ids():
    """Your user and group ids, for the dev container's user; the image's 10001 when you are root
    (the container must not run as root) or on Windows (which has no such ids)."""
    if not hasattr(os, "getuid") or os.getuid() == 0:
        return (10001, 10001)
    return (os.getuid(), os.getgid())


def write_env(root, ids):
    """.env: a copy of .env.example plus your ids; it is git-ignored, so local edits stay local."""
    env = root / ".env"
    if not env.exists():
        uid, gid = ids
        text = (root / ".env.example").read_text()
        env.write_text(
            f"{text}# The dev container's user (compose.override.yaml): your own ids\nAPP_UID={uid}\nAPP_GID={gid}\n"
        )


def next_steps(answers):
    slug = answers["project_slug"]
    return "\n".join(
        [
            f"Created {slug}. Next steps:",
            f"  cd {slug}",
            "  docker compose up --build --wait     # the whole stack, see README.md",
            "  make help                            # every command",
        ]
    )


def main(answers, root):
    remove_paths(root, paths_to_remove(answers))
    write_secrets(root, secret_names(answers))
    write_env(root, host_ids())
    print(next_steps(answers))
    return 0


# Keep the Jinja expressions below as written.
# fmt: off
if __name__ == "__main__":
    sys.exit(
        main(
            {
                "project_slug": {{ cookiecutter.project_slug | tojson }},
                "database": {{ cookiecutter.database | tojson }},
                "monitoring": {{ cookiecutter.monitoring | tojson }},
            },
            Path.cwd(),
        )
    )
# fmt: on
