"""Schemathesis' reports (`schemathesis run --report=json,ndjson`), summed up as figures."""

import json
from pathlib import Path


def schemathesis_figures(report_dir: Path) -> dict:
    """Requests sent, checks run (and their names), test cases, each phase's status, failures."""
    summary = json.loads(next(report_dir.glob("*.json")).read_text())
    requests = checks = 0
    names = set()
    for line in next(report_dir.glob("*.ndjson")).read_text().splitlines():
        event = json.loads(line).get("ScenarioFinished")
        if not event:
            continue
        recorder = event["recorder"]
        requests += len(recorder.get("interactions", {}))
        for results in recorder.get("checks", {}).values():
            checks += len(results)
            names.update(result["name"] for result in results)
    return {
        "requests": requests,
        "checks": checks,
        "check_names": sorted(names),
        "test_cases": summary["test_cases"]["generated"],
        "operations": summary["operations"]["tested"],
        "phases": {name: phase["status"] for name, phase in summary["phases"].items()},
        "failures": len(summary["failures"]) + len(summary["errors"]),
    }
