import json
import os
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from .combinations import DEFAULTS

TEMPLATE = Path(__file__).resolve().parent.parent


def pytest_configure(config):
    # pytest-cookies bakes from the template folder given here (default: the repo's root).
    config.option.template = str(TEMPLATE)


def bake_with(cookies, answers) -> Path:
    """Bake with the default answers updated by answers; assert it worked; return the project path."""
    result = cookies.bake(extra_context={**DEFAULTS, **answers})
    assert result.exception is None, result.exception
    assert result.exit_code == 0
    return Path(result.project_path)


def run(cmd, cwd=None, env=None, timeout=600, check=True):
    """Run a command, and on failure show its output in the assertion message."""
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    if check:
        assert proc.returncode == 0, f"{cmd} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc


def http(method: str, url: str, body=None, timeout: float = 10, raw: bytes | None = None, headers=None):
    """(status, parsed JSON body) of one request; 4xx/5xx are returned, not raised.

    body is sent as JSON; raw is sent as it is, with the given headers.
    """
    if body is not None:
        raw, headers = json.dumps(body).encode(), {"Content-Type": "application/json"}
    req = urllib.request.Request(url, data=raw, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            status, answer = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, answer = error.code, error.read()
    return status, json.loads(answer) if answer else None


def assert_no_errors(log: str) -> None:
    """A log that should be clean has none of gunicorn's `[ERROR]` lines and no Python traceback."""
    assert "[ERROR]" not in log and "Traceback" not in log, log


def make_venv(project: Path) -> Path:
    """A fresh virtualenv in the project with its dev requirements and itself installed."""
    venv = project / ".venv"
    run([sys.executable, "-m", "venv", str(venv)])
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    run([*pip, "-r", "requirements-dev.txt", "-e", "."], cwd=project)
    return venv


def required(env_name: str) -> bool:
    """CI sets REQUIRE_<THING>=1 so that a missing prerequisite fails instead of skipping."""
    return os.environ.get(env_name) == "1"


def skip_or_fail(env_name: str, reason: str):
    if required(env_name):
        pytest.fail(f"{reason} (and {env_name}=1 says it is required)")
    pytest.skip(reason)


def tool(name: str) -> str:
    """A command from this virtualenv (dev requirements) or PATH."""
    local = Path(sys.executable).parent / name
    found = str(local) if local.exists() else shutil.which(name)
    assert found, f"{name} is not installed: pip install -r requirements-dev.txt"
    return found


# Figures measured by the Docker tests (times, counts), printed at the end of the run.
FIGURES: dict[str, str] = {}


def pytest_terminal_summary(terminalreporter):
    if FIGURES:
        terminalreporter.section("figures measured")
        for name, value in FIGURES.items():
            terminalreporter.write_line(f"{name}: {value}")
