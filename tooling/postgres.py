"""A throwaway PostgreSQL server on 127.0.0.1, started from the machine's own binaries (initdb)."""

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path


def find_bin_dir():
    initdb = shutil.which("initdb") or next(
        iter(sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)), None
    )
    return Path(initdb).resolve().parent if initdb else None


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def postgres_server(bin_dir: Path):
    """Yield the URL of a new PostgreSQL database; stop the server and delete its files afterwards."""
    # PostgreSQL refuses to run as root: run it as the 'postgres' user then.
    as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    workdir = Path(tempfile.mkdtemp(prefix="template-pg-"))
    data, port = workdir / "data", free_port()
    if as_user:
        shutil.chown(workdir, "postgres")
    try:
        subprocess.run(
            [*as_user, bin_dir / "initdb", "-D", data, "-U", "test", "--auth=trust", "-E", "UTF8"],
            check=True,
            capture_output=True,
        )
        options = f"-c listen_addresses=127.0.0.1 -p {port} -k {workdir}"
        subprocess.run(
            [*as_user, bin_dir / "pg_ctl", "-D", data, "-o", options, "-l", workdir / "log", "-w", "start"],
            check=True,
            capture_output=True,
        )
        # The new cluster is used only by these tests: its default database will do.
        yield f"postgresql+psycopg://test@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*as_user, bin_dir / "pg_ctl", "-D", data, "-m", "fast", "stop"], capture_output=True)
        shutil.rmtree(workdir, ignore_errors=True)
