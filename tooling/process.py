"""Running commands, waiting for a condition, and prerequisites that skip (or fail in CI)."""

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import pytest


def run(cmd, cwd=None, env=None, timeout=600, check=True, input=None):
    """Run a command, and on failure show its output in the assertion message."""
    proc = subprocess.run(
        cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False, input=input
    )
    if check:
        assert proc.returncode == 0, f"{cmd} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc


def wait_for(condition, timeout: float = 90, every: float = 0.5):
    """Call condition() until it returns something true, at most timeout seconds; return its last value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    return condition()


def make_venv(project: Path, uv: bool = False) -> Path:
    """A fresh virtualenv in the project with its dev requirements and itself installed (uv: by uv,
    from its cache, in seconds; without pip in the virtualenv)."""
    venv = project / ".venv"
    if uv:
        run([tool("uv"), "venv", "--quiet", "--python", sys.executable, str(venv)])
        pip = [tool("uv"), "pip", "install", "--quiet", "--python", str(venv / "bin" / "python")]
    else:
        run([sys.executable, "-m", "venv", str(venv)])
        pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    # The lock has hashes, which an editable install cannot have: the project itself goes in second.
    run([*pip, "--require-hashes", "-r", "requirements-dev.txt"], cwd=project)
    run([*pip, "--no-deps", "-e", "."], cwd=project)
    return venv


def dev_lock_venv(project: Path, venv: Path) -> Path:
    """A virtualenv with the project's dev lock alone (as CI's lint job installs it), made by uv: fast
    with its cache. Returns its bin folder."""
    uv = tool("uv")
    run([uv, "venv", "--quiet", "--seed", "--python", sys.executable, str(venv)])
    lock = str(project / "requirements-dev.txt")
    run(
        [uv, "pip", "install", "--quiet", "--python", str(venv / "bin/python"), "--require-hashes", "-r", lock],
        timeout=900,
    )
    return venv / "bin"


def without_virtualenvs(env: Mapping[str, str]) -> dict[str, str]:
    """env with no virtualenv active, as on a machine with only what a project's README asks for:
    VIRTUAL_ENV unset, PATH without any virtualenv's bin folder (nor SKIP, which skips pre-commit hooks),
    and no outer make's variables (under `make test`, MAKELEVEL would make `make` print "Entering directory")."""
    path = [p for p in env["PATH"].split(os.pathsep) if p and not (Path(p).parent / "pyvenv.cfg").exists()]
    dropped = {"VIRTUAL_ENV", "SKIP", "PYTHONPATH", "MAKELEVEL", "MAKEFLAGS", "MFLAGS", "MAKEOVERRIDES"}
    clean = {name: value for name, value in env.items() if name not in dropped}
    return {**clean, "PATH": os.pathsep.join(path)}


def required(env_name: str) -> bool:
    """CI sets REQUIRE_<THING>=1 so that a missing prerequisite fails instead of skipping."""
    return os.environ.get(env_name) == "1"


def skip_or_fail(env_name: str, reason: str):
    if required(env_name):
        pytest.fail(f"{reason} (and {env_name}=1 says it is required)")
    pytest.skip(reason)


def find_python(version: str) -> str | None:
    """A Python `version` interpreter that runs (e.g. "3.9", the oldest a host script promises), or None:
    on PATH (a pyenv shim may name a version it does not select, so each is tried), pyenv's own
    versions, or one uv manages."""
    candidates = [shutil.which(f"python{version}")]
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    candidates += sorted(str(path) for path in pyenv.glob(f"versions/{version}.*/bin/python{version}"))
    uv = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    if uv:
        found = subprocess.run([uv, "python", "find", version], capture_output=True, text=True, check=False)
        candidates.append(found.stdout.strip() if found.returncode == 0 else None)
    for candidate in filter(None, candidates):
        answer = subprocess.run([candidate, "--version"], capture_output=True, text=True, check=False)
        if answer.returncode == 0 and answer.stdout.startswith(f"Python {version}."):
            return candidate
    return None


def tool(name: str) -> str:
    """A command from this virtualenv (dev requirements) or PATH."""
    local = Path(sys.executable).parent / name
    found = str(local) if local.exists() else shutil.which(name)
    assert found, f"{name} is not installed: pip install -r requirements-dev.txt"
    return found
