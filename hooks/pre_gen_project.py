"""Validate the answers before cookiecutter writes anything.

Each check returns an error message (one line) or None. On the first error the hook prints it and
exits 1; cookiecutter then removes the half-made project, so nothing is left on disk.
Answers arrive through `tojson` at the bottom of this file, so a crafted answer is only ever data.
"""

import keyword
import re
import sys

CHOICES = {
    "python_version": ("3.13", "3.14", "3.12", "3.11"),
    "base_image": ("debian-slim", "alpine", "ubuntu"),
    "database": ("postgresql", "sqlite"),
    "monitoring": ("prometheus", "prometheus-grafana", "none"),
}
# Packages the generated project imports: a package with one of these names would shadow it.
DEPENDENCIES = {"flask", "sqlalchemy", "alembic", "gunicorn", "prometheus_client", "psycopg", "werkzeug"}
SLUG_RE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
PACKAGE_RE = re.compile(r"^[a-z][a-z0-9_]*$")
EMAIL_RE = re.compile(r"^[^@\s\"'\\<>]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
URL_RE = re.compile(r"^https?://[A-Za-z0-9.-]+(:\d+)?(/[A-Za-z0-9._~/-]*)?$")
# PEP 440 public versions, the common forms: 1.2, 1.2.3, 1.2.3rc1, 1.2.3.post1, 1.2.3.dev4
VERSION_RE = re.compile(r"^\d+(\.\d+)*((a|b|rc)\d+)?(\.post\d+)?(\.dev\d+)?$")
# Free text lands in TOML strings, Dockerfile LABELs and YAML: no quotes, backslashes or control chars.
# (The template markers are spelled escaped: cookiecutter renders this file with Jinja first.)
UNSAFE_TEXT_RE = re.compile(r"[\"\\`$\x00-\x1f\x7f]|\{[\{\%\#]")


def check_text(name, value, max_length=200):
    if not value.strip():
        return f"{name} must not be empty"
    if len(value) > max_length:
        return f"{name} must be at most {max_length} characters"
    if UNSAFE_TEXT_RE.search(value):
        return f"{name} {value!r} may not contain quotes, backslashes, $, backticks, template markers or control chars"
    return None


def check_slug(slug):
    if len(slug) > 50 or not SLUG_RE.match(slug):
        return (
            f"project_slug {slug!r} is not valid: use 1-50 lowercase letters, digits and single hyphens, "
            "starting with a letter (e.g. my-service)"
        )
    return None


def check_package_name(name):
    if not PACKAGE_RE.match(name) or not name.isidentifier():
        return (
            f"package_name {name!r} is not valid: use lowercase letters, digits and underscores, starting with a letter"
        )
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        return f"package_name {name!r} is a Python keyword: choose another name"
    if name in sys.stdlib_module_names:
        return f"package_name {name!r} would shadow the standard library module of that name: choose another name"
    if name in DEPENDENCIES:
        return f"package_name {name!r} would shadow the dependency of that name: choose another name"
    return None


def check_email(email):
    if not EMAIL_RE.match(email):
        return f"author_email {email!r} is not a valid e-mail address (e.g. jane@example.com)"
    return None


def check_version(version):
    if not VERSION_RE.match(version):
        return f"version {version!r} is not a PEP 440 version (e.g. 0.1.0)"
    return None


def check_url(url):
    if not URL_RE.match(url):
        return f"repository_url {url!r} is not a plain http(s) URL (e.g. https://github.com/me/my-service)"
    return None


def check_choices(answers):
    for name, allowed in CHOICES.items():
        if answers[name] not in allowed:
            return f"{name} {answers[name]!r} is not supported: choose one of {', '.join(allowed)}"
    return None


def check_combination(answers):
    if answers["monitoring"] == "prometheus-grafana" and answers["database"] != "postgresql":
        return (
            "monitoring=prometheus-grafana needs database=postgresql (Grafana's data reports query the "
            "database): choose database=postgresql or monitoring=prometheus"
        )
    return None


def validate(answers):
    """Return the first problem with the answers as one line, or None when they are all valid."""
    checks = [
        check_text("project_name", answers["project_name"], max_length=80),
        check_text("description", answers["description"]),
        check_text("author_name", answers["author_name"], max_length=100),
        check_slug(answers["project_slug"]),
        check_package_name(answers["package_name"]),
        check_email(answers["author_email"]),
        check_version(answers["version"]),
        check_url(answers["repository_url"]),
        check_choices(answers),
        check_combination(answers),
    ]
    return next((problem for problem in checks if problem), None)


def main(answers):
    problem = validate(answers)
    if problem:
        print(f"ERROR: {problem}", file=sys.stderr)
        return 1
    return 0


# Keep the Jinja expressions below as written.
# fmt: off
if __name__ == "__main__":
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
            }
        )
    )
# fmt: on
