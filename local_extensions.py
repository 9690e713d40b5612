"""Jinja filters of the template: each writes an answer into one file format so that it reads back as typed.

cookiecutter loads the extension below through `_extensions` in cookiecutter.json (it puts the
template's folder on sys.path while it runs). The template uses:

    "{{ cookiecutter.description | toml_escape }}"           pyproject.toml: in a TOML basic string
    "{{ cookiecutter.project_name | dockerfile_escape }}"    Dockerfile LABEL: in a double-quoted value
    {{ cookiecutter.project_name | markdown_text }}          README.md: text, never markup or HTML

and cookiecutter.json's last answer, `__checked`, runs `check_answers` once every answer is known.
The answers never contain a control character or a newline: the pre-gen hook's rules refuse them.
"""

import importlib.util
import json
import re
import sys
from collections.abc import MutableMapping
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from cookiecutter.exceptions import FailedHookException
from jinja2 import Environment
from jinja2.ext import Extension


def _load_rules() -> ModuleType:
    """The pre-gen hook's module, the one place the rules are written (loaded by path: `hooks` is a
    common name, another package of that name may come first on sys.path)."""
    path = Path(__file__).resolve().parent / "hooks" / "pre_gen_project.py"
    spec = importlib.util.spec_from_file_location("py_docker_env_pre_gen_rules", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load the answers' rules from {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


if TYPE_CHECKING:
    # The same file, which mypy reads by its module name, so that it checks the calls to its functions.
    from hooks import pre_gen_project as rules
else:
    rules = _load_rules()


# The answers: cookiecutter.json's keys but its internal ones (`_extensions`, `__checked`, ...).
TEMPLATE_DIR = Path(__file__).resolve().parent
ANSWERS = [name for name in json.loads((TEMPLATE_DIR / "cookiecutter.json").read_text()) if name[0] != "_"]


def check_answers(answers: MutableMapping[str, object]) -> str:
    """Strip every answer of surrounding spaces, in place, then refuse invalid ones (a newline, even
    at the end, is refused rather than stripped: no one types it, it comes from a file).

    It runs while cookiecutter renders the answers, before it makes any folder, so a refusal writes
    nothing. With a replay file cookiecutter renders here only the keys the file lacks (e.g. these
    internal ones, in a file written by hand or by an older template): then the pre-gen hook checks
    the whole set, as it does every time.
    """
    if any(name not in answers for name in ANSWERS):
        return "yes"
    for name, value in answers.items():
        if not name.startswith("_") and isinstance(value, str):
            answers[name] = value.strip(" ")
    problem = rules.validate(answers)
    if problem:
        refuse(f"ERROR: {problem}")
    return "yes"


def refuse(line: str) -> None:
    """Refuse with one line. Called from Python, cookiecutter() raises FailedHookException with it.
    Its command line would print that on stdout (and cruft's a traceback): inside a command line
    (a click command runs: cookiecutter's, or cruft's through typer's copy of click) the line goes
    to stderr, and the program exits 1."""
    clicks = (sys.modules.get(name) for name in ("click.globals", "typer._click.globals"))
    if not any(module and module.get_current_context(silent=True) for module in clicks):
        raise FailedHookException(line)
    print(line, file=sys.stderr)
    raise SystemExit(1)


def toml_escape(value: str) -> str:
    """The inside of a TOML basic string ("..."): JSON's escapes are TOML's too."""
    return json.dumps(value, ensure_ascii=False)[1:-1]


def dockerfile_escape(value: str) -> str:
    """The inside of a double-quoted Dockerfile value: Docker reads \\" \\\\ and \\$ as the character."""
    return re.sub(r'["\\$]', r"\\\g<0>", value)


# Characters with a meaning anywhere in a line of Markdown (CommonMark, and GitHub's ~ and $), and
# what makes a line a list item when it starts it (`- `, `+ `, `1. `, `1) `). A backslash before
# each makes it plain text.
MARKDOWN_INLINE_RE = re.compile(r"[\\`*_\[\]<>&#~$]")
MARKDOWN_LIST_RE = re.compile(r"^([0-9]*)([-+.)])")


def markdown_text(value: str) -> str:
    """Text for a Markdown heading or paragraph that shows as typed (e.g. `<beta>` does not vanish)."""
    return MARKDOWN_LIST_RE.sub(r"\1\\\2", MARKDOWN_INLINE_RE.sub(r"\\\g<0>", value))


class AnswerFilters(Extension):
    """The filters above, for cookiecutter.json's `_extensions`."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.filters.update(
            check_answers=check_answers,
            toml_escape=toml_escape,
            dockerfile_escape=dockerfile_escape,
            markdown_text=markdown_text,
        )
