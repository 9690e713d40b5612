"""The inner loop, both ways side by side in one run: `make dev` (Compose Watch: sync + HUP, rebuild on a
lock change) and the bind mount + gunicorn's reloader (the way before it, still the dev container's).

    .venv/bin/python -m benchmarks.inner_loop [--quick]      # also part of benchmarks.compare (make bench)

For each way, a project baked with monitoring=none (the app and its database) is brought up; then:
- source edit to served: /healthz's route in health.py is saved with a new answer, and the clock
  runs until /healthz gives it (polled every 20 ms); median and worst of --edits edits (9; --quick 3),
  one a second. An edit not served within 15 s counts as missed. Stale: of the 10 answers right after
  the new one was first served, how many were still an older one (each worker answers some).
- lock change to serving: both locks are replaced by ones with six added (compiled before the clock
  starts); the clock runs until a new app container is healthy and imports six. Under watch that
  happens by itself; the other way, by `docker compose up --build --detach --wait` (what you type).
Asserts nothing; prints a Markdown table.
"""

import argparse
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from cookiecutter.main import cookiecutter

from tooling.combinations import DEFAULTS
from tooling.docker import require_docker
from tooling.locks import LOCKS, make_lock
from tooling.paths import TEMPLATE
from tooling.process import wait_for
from tooling.watch import DevStack

WAYS = ("watch", "reload")  # the first is make dev's
ANSWERS = {"monitoring": "none"}
ADDED_REQUIREMENT = "six>=1.17"
MISSED_AFTER = 15  # seconds


def locks_with_added(project: Path) -> dict[str, str]:
    """The locks with one more requirement, compiled now; the project's files are put back."""
    names = ("requirements.in", *LOCKS)
    original = {name: (project / name).read_text() for name in names}
    (project / "requirements.in").write_text(original["requirements.in"] + ADDED_REQUIREMENT + "\n")
    make_lock(project)
    added = {name: (project / name).read_text() for name in names}
    for name, text in original.items():
        (project / name).write_text(text)
    return added


def measure(way: str, edits: int, out: Path) -> dict:
    slug = f"pde-inner-{way}-{uuid.uuid4().hex[:6]}"
    project = Path(
        cookiecutter(str(TEMPLATE), no_input=True, output_dir=str(out), extra_context={"project_slug": slug, **ANSWERS})
    )
    added = locks_with_added(project)
    stack = DevStack(project, {**DEFAULTS, **ANSWERS}, way)
    figures = {}
    try:
        figures["up to the app healthy s"] = stack.start()
        stack.answer()
        served, stale, missed = [], 0, 0
        for number in range(edits):
            stack.edit_route(number)
            seconds = stack.seconds_until_served(number, timeout=MISSED_AFTER)
            if seconds is None:
                missed += 1
            else:
                served.append(seconds)
                stale += stack.stale_answers(number, count=10)
            time.sleep(1)
        figures["source edit to served s (median)"] = statistics.median(served) if served else float("nan")
        figures["source edit to served s (worst)"] = max(served) if served else float("nan")
        figures["edits missed (not served in 15 s)"] = missed
        figures["stale answers after an edit was served"] = stale

        before = stack.app()["Id"]
        for name, text in added.items():
            (project / name).write_text(text)
        started = time.monotonic()
        if way == "reload":
            stack.compose("up", "--build", "--detach", "--wait", timeout=900)

        def serving_with_it():
            if stack.health() != "healthy" or stack.app()["Id"] == before:
                return False
            return stack.compose("exec", "-T", "app", "python", "-c", "import six", check=False).returncode == 0

        wait_for(serving_with_it, timeout=900, every=0.25)
        figures["lock change to the rebuilt app serving s"] = time.monotonic() - started
    finally:
        stack.stop()
    return figures


def table(results: dict[str, dict]) -> str:
    lines = [
        "| inner loop | "
        + " | ".join(f"{w} ({'make dev' if w == 'watch' else 'bind mount + reloader'})" for w in WAYS)
        + " |"
    ]
    lines.append("|---|" + "---|" * len(WAYS))
    for key in results[WAYS[0]]:
        cells = [f"{results[w][key]:.2f}" if isinstance(results[w][key], float) else str(results[w][key]) for w in WAYS]
        lines.append(f"| {key} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def run_all(quick: bool) -> dict[str, dict]:
    require_docker()
    with tempfile.TemporaryDirectory() as out:
        return {way: measure(way, 3 if quick else 9, Path(out)) for way in WAYS}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 edits per way: proves it works")
    print(table(run_all(parser.parse_args().quick)))


if __name__ == "__main__":
    main()
