"""Validate the answers before cookiecutter writes anything.

Each check returns an error message (one line) or None. The rules hold every answer to what the
files it lands in, and the services that read them, can carry:

- every answer: printable characters only (no newline, tab or other control, invisible or
  non-UTF-8 character), no surrounding spaces, no template marker;
- free text (name, description, author): anything printable, with a length limit; the template
  escapes it for each format (TOML, Dockerfile LABEL, Markdown) through local_extensions.py;
- names (slug, package, e-mail, version, URL): a pattern each, matched as a whole and ASCII only;
- names that would collide with something the project has: a dependency, a folder, a database role.

cookiecutter runs this file as a script after rendering it, and the same rules run earlier, from
local_extensions.py, while cookiecutter renders the answers: there a refusal is one line and not even
the project's folder is made. Here, the last guard (e.g. for a replay file), the hook prints it and exits
1; cookiecutter then removes the half-made project, so nothing is left on disk.
Answers arrive through `tojson` at the bottom of this file, so a crafted answer is only ever data.
"""

import json
import keyword
import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

# What the generated project installs: every distribution of its locks (requirements*.txt, both
# database variants), read from the template's project folder, plus the tools a virtualenv has beside
# them. A package of the project with one of their import names would shadow it, and a distribution
# of that name would clash with it. A distribution's import name is its name (`-` as `_`), but for
# these (tests/rules/test_hooks.py checks them against what each installs).
LOCK_ENTRY_RE = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==", re.MULTILINE)
TOOLS = ("pip", "setuptools", "wheel")
IMPORT_NAMES = {
    "pytest": ("pytest", "_pytest", "py"),
    "mypy": ("mypy", "mypyc"),
    "pyyaml": ("yaml", "_yaml"),
    "setuptools": ("setuptools", "pkg_resources", "_distutils_hack", "distutils"),
    # PyJWT's, and what its [crypto] extra brings
    "pyjwt": ("jwt",),
    "cffi": ("cffi", "_cffi_backend"),
    # Schemathesis's
    "graphql-core": ("graphql",),
    "hypothesis": ("hypothesis", "_hypothesis_ftz_detector", "_hypothesis_globals", "_hypothesis_pytestplugin"),
    "markdown-it-py": ("markdown_it",),
}


def installed(template: Path) -> tuple[set[str], set[str]]:
    """The distributions the project installs (normalized names) and their import names."""
    locks = "".join(path.read_text(encoding="utf-8") for path in template.glob("*/requirements*.txt"))
    names = {re.sub(r"[-_.]+", "-", name).lower() for name in LOCK_ENTRY_RE.findall(locks)} | set(TOOLS)
    return names, {module for name in names for module in IMPORT_NAMES.get(name, (name.replace("-", "_"),))}


def choices(template: Path) -> dict[str, tuple[str, ...]]:
    """cookiecutter.json's choice lists (cookiecutter refuses another value, but takes a replay file's)."""
    context = json.loads((template / "cookiecutter.json").read_text(encoding="utf-8"))
    return {name: tuple(value) for name, value in context.items() if isinstance(value, list) and name[0] != "_"}


def load(template: Path) -> None:
    """Read the facts the rules need from the template's folder, where each is written once."""
    global CHOICES, INSTALLED, DEPENDENCY_MODULES
    CHOICES = choices(template)
    INSTALLED, DEPENDENCY_MODULES = installed(template)


# Imported from the template (local_extensions.py, the tests), this file's folder is in it; run as
# the hook, from a copy elsewhere, main() loads the template folder that cookiecutter names.
CHOICES: dict[str, tuple[str, ...]] = {}
INSTALLED: set[str] = set()
DEPENDENCY_MODULES: set[str] = set()
HERE = Path(__file__).resolve().parents[1]
if (HERE / "cookiecutter.json").exists():
    load(HERE)
# The standard library of the Python running cookiecutter, plus what newer ones added (the image may
# run a newer Python than cookiecutter does).
STDLIB_MODULES = set(sys.stdlib_module_names) | {"annotationlib", "compression"}
# Top-level folders and modules of the project: a package of the same name would be confused with them.
# (data/ is only the local SQLite folder, and .gitignore names it at the root only: a package may be data.)
PROJECT_FOLDERS = {"tests", "docker", "scripts", "secrets", "src", "conftest"}
# POSTGRES_USER and POSTGRES_DB are the package name (.env.example): names PostgreSQL refuses, or
# that the project already uses (its roles by duty, docker/postgres/bin/roles.sh).
RESERVED_ROLES = {"app", "app_owner", "reporting", "public", "none", "template0", "template1"}

MAX_LENGTH = {
    "project_name": 80,
    "description": 200,
    "author_name": 100,
    "project_slug": 50,
    "package_name": 50,  # also a PostgreSQL role name: at most 63 bytes
    "author_email": 254,
    "version": 64,  # its image tag (`make push`) may have at most 128 characters
    "repository_url": 200,
}
SLUG_RE = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*", re.ASCII)
PACKAGE_RE = re.compile(r"[a-z][a-z0-9_]*", re.ASCII)
# RFC 5322 dot-atom local part (so o'brien and first+tag are fine) at a dotted domain name.
EMAIL_RE = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+",
    re.ASCII,
)
# http(s), a host name, an optional port, then RFC 3986 path, query and fragment characters.
URL_RE = re.compile(
    r"https?://[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]{1,5})?([/?#][A-Za-z0-9._~!$&'()*+,;=:@%/?#-]*)?",
    re.ASCII,
)
# PEP 440, as packaging.version.VERSION_PATTERN spells it (ASCII only: `[0-9]`, and re.ASCII keeps
# IGNORECASE from matching non-ASCII letters).
VERSION_RE = re.compile(
    r"""
    v?
    (?:
        (?:(?P<epoch>[0-9]+)!)?                           # epoch
        (?P<release>[0-9]+(?:\.[0-9]+)*)                  # release segment
        (?P<pre>                                          # pre-release
            [-_\.]?
            (?P<pre_l>alpha|a|beta|b|preview|pre|c|rc)
            [-_\.]?
            (?P<pre_n>[0-9]+)?
        )?
        (?P<post>                                         # post release
            (?:-(?P<post_n1>[0-9]+))
            |
            (?:
                [-_\.]?
                (?P<post_l>post|rev|r)
                [-_\.]?
                (?P<post_n2>[0-9]+)?
            )
        )?
        (?P<dev>                                          # dev release
            [-_\.]?
            (?P<dev_l>dev)
            [-_\.]?
            (?P<dev_n>[0-9]+)?
        )?
    )
    (?:\+(?P<local>[a-z0-9]+(?:[-_\.][a-z0-9]+)*))?       # local version
    """,
    re.VERBOSE | re.IGNORECASE | re.ASCII,
)
# Jinja's markers, spelled escaped: cookiecutter renders this file with Jinja before running it.
TEMPLATE_MARKER_RE = re.compile(r"\{[\{\%\#]")
BACKSLASH_BEFORE_QUOTE_RE = re.compile(r'\\(?="|\Z)')


def check_characters(name: str, value: str) -> str | None:
    """Rules for every answer: one line of printable text, stripped, no template marker."""
    bad = next((char for char in value if not char.isprintable()), None)
    if bad is not None:
        return (
            f"{name} contains {bad!r} (U+{ord(bad):04X}): use printable characters only "
            "(no newline, tab, control, invisible or non-UTF-8 character)"
        )
    if value != value.strip(" "):
        return f"{name} {value!r} has spaces at its start or end: remove them"
    if TEMPLATE_MARKER_RE.search(value):
        return f"{name} {value!r} contains a template marker (a brace followed by a brace, % or #): remove it"
    if name in MAX_LENGTH and len(value) > MAX_LENGTH[name]:
        return f"{name} must be at most {MAX_LENGTH[name]} characters (it has {len(value)})"
    return None


def check_text(name: str, value: str) -> str | None:
    """Free text: anything printable, but no backslash at the end or right before a double quote:
    in a Dockerfile LABEL either becomes an escaped backslash before a quote, which Docker reads
    but hadolint, the project's Dockerfile linter, cannot parse."""
    if not value:
        return f"{name} must not be empty"
    if BACKSLASH_BEFORE_QUOTE_RE.search(value):
        return f"{name} {value!r} has a backslash at its end or before a double quote: remove it"
    return None


def check_slug(slug: str) -> str | None:
    if len(slug) > MAX_LENGTH["project_slug"] or not SLUG_RE.fullmatch(slug):
        return (
            f"project_slug {slug!r} is not valid: use 1-50 lowercase letters, digits and single hyphens, "
            "starting with a letter (e.g. my-service)"
        )
    if slug in INSTALLED:
        return f"project_slug {slug!r} is the name of a distribution the project installs: choose another name"
    return None


def check_package_name(name: str) -> str | None:
    if len(name) > MAX_LENGTH["package_name"] or not PACKAGE_RE.fullmatch(name):
        return (
            f"package_name {name!r} is not valid: use 1-50 lowercase letters, digits and underscores, "
            "starting with a letter"
        )
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        return f"package_name {name!r} is a Python keyword: choose another name"
    if name in STDLIB_MODULES:
        return f"package_name {name!r} would shadow the standard library module of that name: choose another name"
    if name in DEPENDENCY_MODULES:
        return f"package_name {name!r} would shadow the dependency of that name: choose another name"
    if name in PROJECT_FOLDERS:
        return f"package_name {name!r} is the name of one of the project's own folders: choose another name"
    return None


def check_database_role(name: str, database: str) -> str | None:
    """POSTGRES_USER and POSTGRES_DB are the package name (.env.example)."""
    if database != "postgresql":
        return None
    if name.startswith("pg_"):
        return (
            f"package_name {name!r} would be the database role, and PostgreSQL refuses role names "
            "starting with pg_: choose another name"
        )
    if name in RESERVED_ROLES:
        return (
            f"package_name {name!r} would be the database role, and {name!r} is reserved "
            "(by PostgreSQL, or one of the project's roles by duty): choose another name"
        )
    return None


def check_email(email: str) -> str | None:
    if not EMAIL_RE.fullmatch(email):
        return f"author_email {email!r} is not a valid e-mail address (e.g. jane@example.com)"
    return None


def check_version(version: str) -> str | None:
    if not VERSION_RE.fullmatch(version):
        return f"version {version!r} is not a PEP 440 version (e.g. 0.1.0)"
    return None


def check_url(url: str) -> str | None:
    if not URL_RE.fullmatch(url):
        return f"repository_url {url!r} is not a plain http(s) URL (e.g. https://github.com/me/my-service)"
    return None


def check_choices(answers: Mapping[str, str]) -> str | None:
    for name, allowed in CHOICES.items():
        if answers[name] not in allowed:
            return f"{name} {answers[name]!r} is not supported: choose one of {', '.join(allowed)}"
    return None


def check_combination(answers: Mapping[str, str]) -> str | None:
    if answers["monitoring"] == "prometheus-grafana" and answers["database"] != "postgresql":
        return (
            "monitoring=prometheus-grafana needs database=postgresql (Grafana's data reports query the "
            "database): choose database=postgresql or monitoring=prometheus"
        )
    if answers["deploy"] == "swarm" and answers["database"] != "postgresql":
        return (
            "deploy=swarm needs database=postgresql (a SQLite file lives on one node, so more nodes add "
            "nothing): choose database=postgresql or deploy=compose"
        )
    return None


def validate(answers: Mapping[str, object]) -> str | None:
    """Return the first problem with the answers as one line, or None when they are all valid."""
    # Every answer as a character string first (cookiecutter's private `_` entries are not answers):
    # the checks below may then assume one clean line.
    text = {name: str(value) for name, value in answers.items() if not name.startswith("_")}
    for name, value in text.items():
        problem = check_characters(name, value)
        if problem:
            return problem
    checks = [
        check_text("project_name", text["project_name"]),
        check_text("description", text["description"]),
        check_text("author_name", text["author_name"]),
        check_slug(text["project_slug"]),
        check_package_name(text["package_name"]),
        check_database_role(text["package_name"], text["database"]),
        check_email(text["author_email"]),
        check_version(text["version"]),
        check_url(text["repository_url"]),
        check_choices(text),
        check_combination(text),
    ]
    return next((problem for problem in checks if problem), None)


def as_read(value: object) -> object:
    """The answer as typed. `tojson` writes a character beyond U+FFFF (an emoji) as a JSON surrogate
    pair, which a Python string literal keeps as two code points: join them (a lone one stays)."""
    if isinstance(value, str):
        return value.encode("utf-16", "surrogatepass").decode("utf-16", "surrogatepass")
    return value


def main(answers: Mapping[str, object], template: str = "") -> int:
    if template:  # cruft names none: its early check (local_extensions.py) had them
        # As given to cookiecutter: `cookiecutter .` is relative to where it ran (the shell's PWD),
        # not to the hook's working directory (the new project).
        load(Path(os.environ.get("PWD", ""), template))
    problem = validate({name: as_read(value) for name, value in answers.items()})
    if problem:
        print(f"ERROR: {problem}", file=sys.stderr)
        return 1
    return 0


# Keep the Jinja expressions below as written. They are Python only once cookiecutter has filled them
# in, so mypy skips this block (`not TYPE_CHECKING` is false to it, true when the hook runs).
# fmt: off
if not TYPE_CHECKING and __name__ == "__main__":
    sys.exit(
        main(
            {
                "project_name": {{ cookiecutter.project_name | tojson }},
                "project_slug": {{ cookiecutter.project_slug | tojson }},
                "package_name": {{ cookiecutter.package_name | tojson }},
                "description": {{ cookiecutter.description | tojson }},
                "author_name": {{ cookiecutter.author_name | tojson }},
                "author_email": {{ cookiecutter.author_email | tojson }},
                "version": {{ cookiecutter.version | tojson }},
                "repository_url": {{ cookiecutter.repository_url | tojson }},
                "python_version": {{ cookiecutter.python_version | tojson }},
                "base_image": {{ cookiecutter.base_image | tojson }},
                "database": {{ cookiecutter.database | tojson }},
                "monitoring": {{ cookiecutter.monitoring | tojson }},
                "deploy": {{ cookiecutter.deploy | tojson }},
                "reports": {{ cookiecutter.reports | tojson }},
            },
            {{ cookiecutter._repo_dir | default("") | tojson }},
        )
    )
# fmt: on
