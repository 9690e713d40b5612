"""The answers the template is tested with: every supported combination, with readable ids."""

import itertools
import json

from hooks.pre_gen_project import check_combination

from .paths import TEMPLATE

CHOICE_NAMES = ("python_version", "base_image", "database", "monitoring", "deploy", "reports")
_CONTEXT = json.loads((TEMPLATE / "cookiecutter.json").read_text())

DEFAULTS = {name: _CONTEXT[name][0] for name in CHOICE_NAMES}
# The answers that generate every file and every service: the defaults, plus Grafana and Swarm (the
# template README's diagram and Generated tree show this project).
FULLEST = {**DEFAULTS, "monitoring": "prometheus-grafana", "deploy": "swarm"}


def supported(answers):
    """The pre-gen hook's own rule (e.g. Grafana and Swarm need PostgreSQL)."""
    return check_combination(answers) is None


ALL = [
    dict(zip(CHOICE_NAMES, values, strict=True))
    for values in itertools.product(*(_CONTEXT[name] for name in CHOICE_NAMES))
]
SUPPORTED = [answers for answers in ALL if supported(answers)]
UNSUPPORTED = [answers for answers in ALL if not supported(answers)]


def combination_id(answers):
    """e.g. py3.13-debian-slim-postgresql-prometheus, and -swarm with deploy=swarm"""
    name = "py{python_version}-{base_image}-{database}-{monitoring}".format(**answers)
    name = name if answers["deploy"] == "compose" else f"{name}-{answers['deploy']}"
    return name if answers.get("reports", "yes") == "yes" else f"{name}-noreports"


def one_per(key, among=SUPPORTED):
    """The first combination for each distinct key(answers): for files that only some answers
    change, e.g. one_per(lambda a: a["database"]) when only the database matters."""
    chosen = {}
    for answers in among:
        chosen.setdefault(key(answers), answers)
    return list(chosen.values())


# What the bake and static checks run on (test_bake.py, test_pre_commit.py): every combination with
# deploy=compose, and deploy=swarm once per monitoring answer. Swarm adds its own files
# (compose.swarm.yaml, scripts/swarm.py, the Makefile's swarm targets, docs/swarm.md), which change
# with the monitoring answer only (it needs PostgreSQL); python_version and base_image change the
# Dockerfile alone, which deploy does not touch.
WITH_REPORTS = [answers for answers in SUPPORTED if answers["reports"] == "yes"]
COMPOSE = [answers for answers in WITH_REPORTS if answers["deploy"] == "compose"]
SWARM = one_per(lambda answers: answers["monitoring"], [a for a in WITH_REPORTS if a["deploy"] == "swarm"])
# reports=no removes the reports' files and blocks, which depend on the database and deploy answers
# (the service's database settings, the swarm's placement): once per database and deploy, rather
# than doubling every loop.
NO_REPORTS = one_per(
    lambda answers: (answers["database"], answers["deploy"]), [a for a in SUPPORTED if a["reports"] == "no"]
)
CHECKED = COMPOSE + SWARM + NO_REPORTS
