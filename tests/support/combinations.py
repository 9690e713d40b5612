"""The answers the template is tested with: every supported combination, with readable ids."""

import itertools
import json
from pathlib import Path

# The template repository: two folders up from tests/support/.
TEMPLATE = Path(__file__).resolve().parents[2]
CHOICE_NAMES = ("python_version", "base_image", "database", "monitoring")
_CONTEXT = json.loads((TEMPLATE / "cookiecutter.json").read_text())

DEFAULTS = {name: _CONTEXT[name][0] for name in CHOICE_NAMES}


def supported(answers):
    # Grafana's data reports query PostgreSQL: the pre-gen hook rejects it with SQLite.
    return not (answers["monitoring"] == "prometheus-grafana" and answers["database"] == "sqlite")


ALL = [
    dict(zip(CHOICE_NAMES, values, strict=True))
    for values in itertools.product(*(_CONTEXT[name] for name in CHOICE_NAMES))
]
SUPPORTED = [answers for answers in ALL if supported(answers)]
UNSUPPORTED = [answers for answers in ALL if not supported(answers)]


def combination_id(answers):
    """e.g. py3.13-debian-slim-postgresql-prometheus"""
    return "py{python_version}-{base_image}-{database}-{monitoring}".format(**answers)


def one_per(key):
    """The first supported combination for each distinct key(answers): for files that only some answers
    change, e.g. one_per(lambda a: a["database"]) when only the database matters."""
    chosen = {}
    for answers in SUPPORTED:
        chosen.setdefault(key(answers), answers)
    return list(chosen.values())
