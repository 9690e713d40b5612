"""First-run setup: create .env and the secret files that compose needs. Never replaces either.

`make setup` runs it in a fresh clone (both are git-ignored, so a clone has neither), and
cookiecutter ran it when it generated this project. Run it again at any time: it only fills in
what is missing.

    python3 scripts/setup.py

Standard library only, Python 3.9 or newer, on Linux, macOS and Windows.
"""

import os
import secrets
import sys
from pathlib import Path

# The project folder (this file is in <project>/scripts/).
ROOT = Path(__file__).resolve().parent.parent

# The secrets compose mounts into the containers (compose.yaml, `secrets:`), one file each:
# secrets/<name>.txt, holding only the value.
SECRET_NAMES = [
    "secret_key",
{%- if cookiecutter.database == "postgresql" %}
    "db_password",
    "db_owner_password",
    "db_app_password",
    "db_reporting_password",
{%- endif %}
{%- if cookiecutter.monitoring == "prometheus-grafana" %}
    "grafana_admin_password",
    "grafana_secret_key",
{%- endif %}
]

# The image's own user and group id (Dockerfile, APP_UID/APP_GID).
IMAGE_ID = 10001


def host_ids():
    """Your user and group ids, for the dev container's user (so files it writes are yours).

    The image's 10001 instead when you are root (the container must not run as root) or on
    Windows (which has no such ids).
    """
    if not hasattr(os, "getuid") or os.getuid() == 0:
        return IMAGE_ID, IMAGE_ID
    return os.getuid(), os.getgid()


def write_lf(path, text):
    """Write text with LF line endings, also on Windows: the containers are Linux, where a CR
    would become part of the value."""
    path.write_bytes(text.encode("utf-8"))


def write_env(root, ids):
    """Create .env as a copy of .env.example plus your ids, unless it exists; return whether it did.

    An existing .env is kept as it is: it holds your local edits.
    """
    env = root / ".env"
    if env.exists():
        return False
    uid, gid = ids
    text = (root / ".env.example").read_text(encoding="utf-8")
    write_lf(
        env,
        f"{text}# The dev container's user (compose.override.yaml): your own ids\n"
        f"APP_UID={uid}\nAPP_GID={gid}\n",
    )
    return True


def write_secrets(root, names):
    """Fill each missing or empty secrets/<name>.txt with a random value; return their names.

    An existing secret is never replaced: a database keeps the password it was created with.
    """
    folder = root / "secrets"
    folder.mkdir(exist_ok=True)
    # Other users of this machine may not look inside; compose bind-mounts each file into its
    # container.
    folder.chmod(0o700)
    written = []
    for name in names:
        path = folder / f"{name}.txt"
        if path.exists() and path.read_text(encoding="utf-8").strip():
            continue
        write_lf(path, secrets.token_urlsafe(32) + "\n")
        # 0644, not 0600: the containers read these files as a non-root user that is not you.
        path.chmod(0o644)
        written.append(name)
    return written


def main(root=ROOT):
    uid, gid = host_ids()
    if write_env(root, (uid, gid)):
        print(f"created .env from .env.example, with APP_UID={uid} and APP_GID={gid}")
    else:
        print("kept .env")
    written = write_secrets(root, SECRET_NAMES)
    for name in SECRET_NAMES:
        done = "wrote a random value into" if name in written else "kept"
        print(f"{done} secrets/{name}.txt")
    return 0


if __name__ == "__main__":
    sys.exit(main())
