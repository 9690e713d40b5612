"""An answer that validation accepts gives a project that works; any other is refused with one line.

hypothesis draws answer sets (printable Unicode of every script with quotes, backslashes, `$`, braces,
`<>`, `#`, `:`, control and invisible characters, surrounding spaces, strings up to past each limit,
names that collide with something, every choice combination) and bakes each through cookiecutter.
Either it is refused (FailedHookException whose message is the one line `ERROR: ...`, and nothing on
disk) or the project is sound: every file parses, ruff and hadolint are clean, `docker compose config`
accepts it, git tracks its package, and pyproject.toml, the image's labels and the README show the
answers exactly as typed (spaces around them stripped). A few accepted sets also pass their own tests.

Answers containing Jinja's markers are not drawn: cookiecutter renders every answer as a template
before any of our code sees it (the template's README says so).
"""

import ast
import json
import os
import re
import shutil
import tempfile
import time
import tomllib
from pathlib import Path

import pytest
import yaml
from cookiecutter.exceptions import FailedHookException
from cookiecutter.main import cookiecutter
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import local_extensions
from hooks import pre_gen_project as rules
from tooling.answers import docker_unquote, readme_title_and_description, shown_answers
from tooling.bake import has_template_marker
from tooling.combinations import ALL, DEFAULTS
from tooling.docker import docker_ready, require_docker
from tooling.paths import TEMPLATE
from tooling.process import make_venv, required, run, tool

CONTEXT = json.loads((TEMPLATE / "cookiecutter.json").read_text())
FREE_ANSWERS = ("project_name", "description", "author_name", "author_email", "version", "repository_url")
JINJA_MARKER = re.compile(r"\{[{%#]")
TAG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")
MAX_EXAMPLES = 80
OWN_TESTS_SAMPLE = 2  # accepted drawn sets whose own test suite runs (plus the hand-picked NASTY one)

# ------------------------------------------------------------------ what is drawn

NASTY_ASCII = "\"'\\$`{}<>#:*_[]()!&|~%;=?@/+-.,^ "
INVISIBLE = "\n\r\t\x00\x1b\x7f\x85\xa0\u200b\u2028\ufeff\udcff"  # \udcff: a non-UTF-8 byte from argv
printable = st.characters(codec="utf-8").filter(str.isprintable)
clean_char = st.one_of(st.sampled_from(NASTY_ASCII), printable)


def no_jinja(text):
    return not JINJA_MARKER.search(text)


def free_text(max_size):
    clean = st.text(clean_char, min_size=1, max_size=max_size)
    padded = st.tuples(st.sampled_from(["", " ", "  "]), clean, st.sampled_from(["", " "])).map("".join)
    dirty = st.text(st.one_of(clean_char, st.sampled_from(INVISIBLE)), max_size=max_size)
    return st.one_of(clean, clean, padded, dirty).filter(no_jinja)


ATEXT = "abcxyzABC0189!#$%&'*+/=?^_`{|}~-"
domain = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?(\.[a-z]{2,6}){1,2}", fullmatch=True)
local_part = st.lists(st.text(st.sampled_from(ATEXT), min_size=1, max_size=8), min_size=1, max_size=3).map(".".join)
emails = st.one_of(st.builds("{}@{}".format, local_part, domain), st.emails(), free_text(40)).filter(no_jinja)

numbers = st.integers(0, 2000).map(str)
built_version = st.builds(
    "{}{}{}{}{}{}{}".format,
    st.sampled_from(["", "", "v", "V"]),
    st.one_of(st.just(""), numbers.map("{}!".format)),
    st.lists(numbers, min_size=1, max_size=4).map(".".join),
    st.sampled_from(["", "", "a1", "b2", "rc3", "RC1", ".alpha", "-beta.4", "c"]),
    st.sampled_from(["", "", ".post1", "-7", "_r2", "post"]),
    st.sampled_from(["", "", ".dev0", "dev", "-DEV9"]),
    st.sampled_from(["", "", "+local", "+ubuntu-1.2", "+abc_def"]),
)
versions = st.one_of(built_version, built_version, st.from_regex(rules.VERSION_RE, fullmatch=True), free_text(20))

urls = st.one_of(
    st.from_regex(
        r"https?://[a-z0-9]{1,12}(\.[a-z0-9]{1,8}){0,2}(:[0-9]{1,5})?(/[A-Za-z0-9._~!$&'()*+,;=:@%/-]{0,40})?",
        fullmatch=True,
    ),
    free_text(40),
)
COLLIDING = ["tests", "click", "data", "build", "pg_tools", "reporting", "public", "flask", "json", "src", "x" * 50]
package_names = st.one_of(
    st.sampled_from([*COLLIDING, "x" * 51]), st.from_regex(r"[a-z][a-z0-9_]{0,30}", fullmatch=True)
)
slugs = st.one_of(
    st.sampled_from(["click", "my-service", "b" * 50, "b" * 51]),
    st.from_regex(r"[a-z][a-z0-9]{0,9}(-[a-z0-9]{1,8}){0,3}", fullmatch=True),
)

ANSWERS = st.builds(
    lambda choices, answers: {**choices, **answers},
    st.sampled_from(ALL),
    st.fixed_dictionaries(
        # Half the names start with a letter, so that their derived slug is more often valid.
        {"project_name": st.one_of(free_text(90), st.tuples(st.sampled_from("AbZ"), free_text(40)).map("".join))},
        optional={
            "description": free_text(220),
            "author_name": free_text(110),
            "author_email": emails,
            "version": versions,
            "repository_url": urls,
            "project_slug": slugs,
            "package_name": package_names,
        },
    ),
)

# The longest answers accepted, and the issue's examples.
LONGEST = {
    **DEFAULTS,
    "project_name": "\u540d" * 80,  # 160 columns wide
    "project_slug": "b" * 50,
    "package_name": "a" * 50,
    "description": "W " * 99 + "\u00e9\u00e9",
    "author_name": "\u00c5" * 100,
    "author_email": "x" * 60 + "@" + "example." * 20 + "ie",
    "version": "1!" + "2." * 14 + "0rc1.post2.dev3+" + "l" * 14,
    "repository_url": "https://example.com/" + "p" * 180,
}
NASTY = {
    **DEFAULTS,  # PostgreSQL: its venv serves the sample's SQLite projects too
    "project_name": ' Zo\u00eb\'s "<beta>" $(id) ${HOME} `x` #1 *x* _y_ [l](u) &amp; {braces} C:\\path \u4e2d ',
    "project_slug": "nasty-answers",
    "description": '- 1. a <b>description</b> with "quotes", \\backslashes\\ and $dollars$: 100% ~~odd~~ #\U0001f600',
    "author_name": 'Se\u00e1n "Bud" O\'Brien $USER',
    "author_email": "sean.o'brien+$x@example.ie",
    "version": "1!2.0rc1.post2.dev3+ubuntu.1",
}


def examples(*answer_sets):
    def decorate(test):
        for answers in reversed(answer_sets):
            test = example(answers)(test)
        return test

    return decorate


ISSUE_EXAMPLES = [
    {**DEFAULTS, "project_name": name}
    for name in ["Tests", "Click", "Data", "Build", "PG Tools", "Reporting", "My <beta> Service", "a" * 80]
] + [
    {**DEFAULTS, "project_name": "X", "description": "d" * 117 + " "},
    {**DEFAULTS, "project_name": "X", "package_name": "p" * 17},
    {**DEFAULTS, "project_name": "X", "author_email": "$(touch /tmp/pwned)@example.com"},
    {**DEFAULTS, "project_name": "X", "author_email": "sean.o'brien@example.ie"},
    {**DEFAULTS, "project_name": "X", "version": "1!2.0"},
    {**DEFAULTS, "project_name": "X", "version": "\u0661.\u0662.\u0663"},
    {**DEFAULTS, "project_name": "X", "project_slug": "my-service\n"},
    {**DEFAULTS, "project_name": "X", "package_name": "a" * 300},
    {**DEFAULTS, "project_name": "X", "package_name": "a" * 64},
    {**DEFAULTS, "project_name": "caf\udce9"},
    {**DEFAULTS, "project_name": "X", "version": "1." * 99 + "0"},
    {**DEFAULTS, "project_name": "X", "description": "two\nlines"},
    {**DEFAULTS, "project_name": "X", "deploy": "swarm", "version": "1!2.0+local"},
    {**DEFAULTS, "project_name": "X", "deploy": "swarm", "database": "sqlite"},
]

# ------------------------------------------------------------------ what is checked


def expected_answers(answers, project):
    """The free answers as the project must show them: as typed, spaces around them stripped."""
    defaults = {name: CONTEXT[name] for name in FREE_ANSWERS}
    defaults["repository_url"] = f"https://github.com/example/{project.name}"
    return {**defaults, **{name: answers[name].strip(" ") for name in FREE_ANSWERS if name in answers}}


def assert_files_parse(project):
    for path in project.rglob("*"):
        if not path.is_file() or ".git" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        assert not has_template_marker(path, text) or path.suffix == ".json", f"{path}: template marker left"
        if path.suffix == ".py":
            ast.parse(text, filename=str(path))
        elif path.suffix == ".toml":
            tomllib.loads(text)
        elif path.suffix in (".yaml", ".yml"):
            list(yaml.safe_load_all(text))
        elif path.suffix == ".json":
            json.loads(text)


def assert_linters_pass(project, compose):
    run([tool("ruff"), "check", "--no-cache", "--quiet", "."], cwd=project)
    run([tool("ruff"), "format", "--check", "--no-cache", "--quiet", "."], cwd=project)
    hadolint = run([tool("hadolint"), "--no-color", "Dockerfile"], cwd=project, check=False)
    assert hadolint.returncode == 0 and hadolint.stdout == "", hadolint.stdout
    if compose:
        run(["docker", "compose", "config", "--quiet"], cwd=project)
        run(["docker", "compose", "-f", "compose.yaml", "config", "--quiet"], cwd=project)
        if (project / "compose.swarm.yaml").exists():  # deploy=swarm: the file `make deploy` deploys
            env = {**os.environ, "REGISTRY": "registry.example.com/team"}
            run(["make", "--silent", "stack-file"], cwd=project, env=env)


def assert_shown_as_typed(project, expected):
    shown = shown_answers(project)
    assert shown["pyproject.toml"] == {
        "project_slug": project.name,
        **{name: expected[name] for name in FREE_ANSWERS if name != "project_name"},
    }
    assert shown["Dockerfile"] == {
        "project_name": expected["project_name"],
        "description": expected["description"],
        "authors": f"{expected['author_name']} <{expected['author_email']}>",
        "version": expected["version"],
        "repository_url": expected["repository_url"],
    }
    assert shown["README.md"] == {"project_name": expected["project_name"], "description": expected["description"]}


def assert_images_have_valid_tags(project):
    for name in ("compose.yaml", "compose.override.yaml"):
        image = yaml.safe_load((project / name).read_text())["services"]["app"]["image"]
        repository, tag = image.rsplit(":", 1)
        assert repository == f"{project.name}-app" and TAG.fullmatch(tag), image


def assert_git_tracks_the_package(project, package):
    run(["git", "init", "--quiet"], cwd=project)
    for path in (f"src/{package}/__init__.py", "tests/__init__.py"):
        assert run(["git", "check-ignore", "--quiet", path], cwd=project, check=False).returncode == 1, path


def bake(answers, output, config):
    """The project baked from answers (into the empty folder output), or FailedHookException."""
    cookiecutter(str(TEMPLATE), no_input=True, extra_context=answers, output_dir=str(output), config_file=str(config))
    [project] = output.iterdir()
    return project


def check_answer_set(answers, workspace, config, compose, tally):
    """The invariant for one answer set; returns the project when it was accepted."""
    tally["drawn"] += 1
    output = Path(tempfile.mkdtemp(dir=workspace))
    try:
        project = bake(answers, output, config)
    except FailedHookException as refused:
        message = str(refused)
        assert message.startswith("ERROR: ") and "\n" not in message, message
        assert list(output.iterdir()) == [], "a refused answer set left files"
        tally["refused"] += 1
        field = message.removeprefix("ERROR: ").split(" ")[0]
        tally["refused by"][field] = tally["refused by"].get(field, 0) + 1
        return None
    package = next(p.name for p in (project / "src").iterdir() if (p / "__init__.py").exists())
    assert_files_parse(project)
    assert_linters_pass(project, compose)
    assert_shown_as_typed(project, expected_answers(answers, project))
    assert_images_have_valid_tags(project)
    assert_git_tracks_the_package(project, package)
    tally["accepted"] += 1
    return project


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    """A folder for the baked projects, and a cookiecutter config that keeps replays out of $HOME."""
    root = tmp_path_factory.mktemp("answers")
    config = root / "cookiecutter-config.yaml"
    config.write_text(f"cookiecutters_dir: {root / 'cookiecutters'}\nreplay_dir: {root / 'replay'}\n")
    return root, config


def compose_available():
    if docker_ready() and run(["docker", "compose", "version"], check=False).returncode == 0:
        return True
    if required("REQUIRE_DOCKER"):
        pytest.fail("no `docker compose` here (and REQUIRE_DOCKER=1 says it is required)")
    return False


def test_any_answer_set_is_refused_in_one_line_or_gives_a_sound_project(workspace, figures):
    root, config = workspace
    compose = compose_available()
    tally = {"drawn": 0, "refused": 0, "accepted": 0, "refused by": {}}
    sample = []
    started = time.monotonic()

    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )
    @examples(LONGEST, *ISSUE_EXAMPLES)
    @given(answers=ANSWERS)
    def invariant(answers):
        project = check_answer_set(answers, root, config, compose, tally)
        if project and len(sample) < OWN_TESTS_SAMPLE and all(s.name != project.name for s in sample):
            sample.append(project)  # kept for the own-tests run below
        elif project:
            shutil.rmtree(project.parent)

    invariant()
    figures["answer sets drawn (property test)"] = tally["drawn"]
    figures["answer sets refused / accepted"] = f"{tally['refused']} / {tally['accepted']}"
    figures["refused answer sets, by the answer named"] = dict(sorted(tally["refused by"].items()))
    figures["property test: bake and check time"] = f"{time.monotonic() - started:.0f} s"
    assert tally["accepted"] >= 10 and tally["refused"] >= 10, tally  # both sides really exercised

    # A sample of the accepted ones, and the hand-picked nasty set, pass their own tests.
    started = time.monotonic()
    nasty = check_answer_set(NASTY, root, config, compose, tally)
    venv = make_venv(nasty)
    for project in [nasty, *sample]:
        pip = [venv / "bin/python", "-m", "pip", "install", "--quiet", "--no-deps", "--disable-pip-version-check"]
        run([*pip, "-e", "."], cwd=project)  # the metadata (version, e-mail, names) is valid for pip
        result = run([venv / "bin/pytest", "-q", "-p", "no:cacheprovider"], cwd=project)
        assert " passed" in result.stdout and "failed" not in result.stdout
    figures["own tests run on accepted answer sets"] = f"{1 + len(sample)} in {time.monotonic() - started:.0f} s"


# ------------------------------------------------------------------ the filters, one by one


@settings(max_examples=300)
@given(st.text(st.one_of(st.sampled_from(NASTY_ASCII), printable)))
def test_toml_escape_reads_back_as_typed(text):
    assert tomllib.loads(f'x = "{local_extensions.toml_escape(text)}"')["x"] == text


@settings(max_examples=300)
@given(st.text(st.one_of(st.sampled_from(NASTY_ASCII), printable)))
def test_dockerfile_escape_reads_back_as_typed(text):
    assert docker_unquote(local_extensions.dockerfile_escape(text)) == text


@settings(max_examples=300)
@given(st.text(st.one_of(st.sampled_from(NASTY_ASCII + "0123456789"), printable), min_size=1).map(str.strip))
def test_markdown_text_shows_as_typed(tmp_path_factory, text):
    if not text:
        return
    readme = tmp_path_factory.mktemp("md") / "README.md"
    escaped = local_extensions.markdown_text(text)
    readme.write_text(f"# {escaped}\n\n{escaped}\n\nMore.\n")
    assert readme_title_and_description(readme) == (text, text)


def test_the_labels_are_what_docker_reads(tmp_path, cookies):
    """The Dockerfile's LABEL block of the nasty answers, built by Docker onto an empty image."""
    require_docker()  # skipped without Docker (the static readers check the same), failed in CI
    result = cookies.bake(extra_context=NASTY)
    assert result.exception is None, result.exception
    dockerfile = Path(result.project_path, "Dockerfile").read_text()
    label = re.search(r"^LABEL .*?[^\\]\n", dockerfile, re.MULTILINE | re.DOTALL)[0]
    (tmp_path / "Dockerfile").write_text(f"FROM scratch\nARG APP_VERSION\n{label}")
    tag = f"answers-labels-test:{tmp_path.name.lower()}"
    version = f"APP_VERSION={NASTY['version'].strip(' ')}"  # what make passes (tests/static/test_version.py)
    run(["docker", "build", "--quiet", "--build-arg", version, "--tag", tag, "."], cwd=tmp_path, timeout=300)
    try:
        inspect = run(["docker", "image", "inspect", "--format", "{{json .Config.Labels}}", tag])
        labels = {k.removeprefix("org.opencontainers.image."): v for k, v in json.loads(inspect.stdout).items()}
    finally:
        run(["docker", "image", "rm", "--force", tag], check=False)
    typed = {name: value.strip(" ") for name, value in NASTY.items()}
    assert labels["title"] == typed["project_name"]
    assert labels["description"] == typed["description"]
    assert labels["authors"] == f"{typed['author_name']} <{typed['author_email']}>"
    assert labels["version"] == typed["version"]
