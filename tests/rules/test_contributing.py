"""Every claim of CONTRIBUTING.md that names code is true of the repository: each path it names exists,
each `make` target is the Makefile's, each function it names (`f()` in `path`) is defined there, each
upper-case name (a setting, a constant) is used by the code, the Jinja filters it lists are exactly
local_extensions.py's, the benchmark's references are exactly those in benchmarks/, counted right, and
its figures (runs, connections, seconds) compare.py's; the tooling modules it lists exist, its map of the
layers names every folder of tests/, and the parts of tests.yml are as many as it says.
"""

import re

import jinja2
import yaml

import local_extensions
from benchmarks.compare import CONNECTIONS, DOCKERFILES
from tooling.paths import TEMPLATE
from tooling.process import run
from tooling.readme import CODE_SPAN, FENCE

CONTRIBUTING = TEMPLATE / "CONTRIBUTING.md"
PROJECT = "{{cookiecutter.project_slug}}"
MAKE = re.compile(r"\bmake ([a-z][\w-]*)")
FUNCTION_IN = re.compile(r"`(\w+)\(\)` in `([\w./-]+)`")
UPPER_NAME = re.compile(r"^([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|[A-Z]{4,})(?:=\S*)?$")
PATH_LIKE = re.compile(r"^\.?[\w*.-]+(?:/[\w*.-]*)*$")
FILE_NAME = re.compile(r"\.[A-Za-z]+$")  # ends in a suffix: .py, .Dockerfile, .env (not ubuntu-24.04-arm)
NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
# Paths named that are not in the repository, each for its reason: what cruft, setup and the benchmark
# write at run time, and the docker-kit, which sits beside the repository on some machines only.
NOT_IN_THE_REPOSITORY = {".cruft.json", ".env", "build/bench/", "../shared/docker-kit"}


def text() -> str:
    return CONTRIBUTING.read_text()


def code_spans(markdown: str) -> set[str]:
    return set(CODE_SPAN.findall(FENCE.sub("", markdown)))


def section(title: str) -> str:
    return text().split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


def layout_entry(first_word: str) -> str:
    """The line of the Layout block that starts with first_word, with its continuation lines."""
    block = FENCE.search(section("Layout")).group(1)
    lines, entry = block.splitlines(), []
    for line in lines:
        if entry and line[:1] != " ":
            break
        if entry or line.split(maxsplit=1)[:1] == [first_word]:
            entry.append(line)
    assert entry, f"the Layout block has no line for {first_word}"
    return " ".join(entry)


def tracked_files() -> list[str]:
    return run(["git", "ls-files"], cwd=TEMPLATE).stdout.splitlines()


def exists(path: str) -> bool:
    """path names a file or folder of the repository, or of the generated project (a bare file name:
    anywhere in either)."""
    pattern = path.rstrip("/")
    for root in (TEMPLATE, TEMPLATE / PROJECT):
        if list(root.glob(pattern)):
            return True
    return "/" not in pattern and any(TEMPLATE.rglob(pattern))


def test_every_path_named_exists():
    block = FENCE.search(section("Layout")).group(1)
    named = {line.split()[0] for line in block.splitlines() if line[:1] not in ("", " ")}
    # The map of the test layers: a folder at the start of each line.
    named |= {line.split()[0] for block in FENCE.findall(text()) for line in block.splitlines() if "/" in line[:20]}
    named |= {span for span in code_spans(text()) if PATH_LIKE.match(span) and ("/" in span or FILE_NAME.search(span))}
    named |= {path for span in code_spans(text()) for path in re.findall(r"(?:^|\s)([\w.-]+/[\w./-]+)", span)}
    missing = sorted(path for path in named - NOT_IN_THE_REPOSITORY if not exists(path))
    assert named and missing == []


def test_every_make_target_named_is_the_makefiles():
    targets = set(re.findall(r"^([a-z][\w-]*):", (TEMPLATE / "Makefile").read_text(), re.MULTILINE))
    named = set(MAKE.findall(text()))
    # The Layout line of the Makefile lists its tasks by name alone.
    named |= set(re.search(r"\(`make help`\): ([\w, -]+)", layout_entry("Makefile")).group(1).split(", "))
    assert {"test", "lint", "bench", "lock"} <= named
    assert named <= targets, f"{sorted(named - targets)} are not targets of the Makefile"


def test_every_function_named_is_defined_where_it_says():
    found = FUNCTION_IN.findall(text())
    assert found
    for name, path in found:
        assert re.search(rf"^def {name}\(", (TEMPLATE / path).read_text(), re.MULTILINE), f"{name}() in {path}"


def test_every_upper_case_name_is_used_by_the_code():
    """Settings (`DOCKER_KIT`, `REQUIRE_DOCKER=1`, `BENCH=1`) and constants (`IMPORT_NAMES`)."""
    names = {match.group(1) for span in code_spans(text()) if (match := UPPER_NAME.match(span))}
    code = "\n".join(
        (TEMPLATE / path).read_text(errors="replace")
        for path in tracked_files()
        if not path.endswith(".md") and (TEMPLATE / path).is_file()
    )
    unused = sorted(name for name in names if not re.search(rf"\b{name}\b", code))
    assert {"DOCKER_KIT", "IMPORT_NAMES"} <= names and unused == []


def test_the_filters_listed_are_local_extensions_filters():
    environment = jinja2.Environment()
    before = set(environment.filters)
    local_extensions.AnswerFilters(environment)
    filters = set(environment.filters) - before
    _path, description = layout_entry("local_extensions.py").split(maxsplit=1)
    listed = set(re.findall(r"\b[a-z]+(?:_[a-z]+)+\b", description))
    assert listed == filters


def test_the_benchmark_references_are_those_in_benchmarks():
    on_disk = {path.name for path in (TEMPLATE / "benchmarks").glob("*.Dockerfile")}
    assert on_disk == {path.name for path in DOCKERFILES.values() if path is not None}
    benchmark = section("The benchmark")
    assert {span for span in code_spans(benchmark) if span.endswith(".Dockerfile")} == on_disk
    assert set(re.findall(r"[\w-]+\.Dockerfile", layout_entry("benchmarks/"))) == on_disk
    count = re.search(r"\b(\w+) references\b", benchmark).group(1)
    assert NUMBERS.get(count) == len(on_disk), f'"{count} references", but benchmarks/ holds {len(on_disk)}'


def test_the_benchmarks_figures_are_compare_pys():
    """The runs, the connections and the seconds of load it names are compare.py's (and --quick's)."""
    source = (TEMPLATE / "benchmarks/compare.py").read_text()
    runs = re.search(r'"--runs"[^)]*default=(\d+)', source).group(1)
    seconds = re.search(r'"--seconds"[^)]*default=(\d+)', source).group(1)
    quick_runs, quick_seconds = re.search(r"\((\d+), (\d+)\) if options\.quick", source).groups()
    benchmark = section("The benchmark")
    assert f"median of {runs} runs" in benchmark
    assert f"wrk ({CONNECTIONS} connections, {seconds} s," in benchmark
    assert quick_runs == "1" and f"one run, {quick_seconds} s of load" in benchmark


def test_the_tooling_modules_listed_exist():
    listed = layout_entry("tooling/").split(":", 1)[1].split("...")[0]
    names = re.findall(r"\b([a-z][a-z_]*)\b(?![^(]*\))", listed)  # not the words in parentheses
    missing = [name for name in names if not (TEMPLATE / "tooling" / f"{name}.py").exists()]
    assert len(names) >= 5 and missing == []


def test_the_map_of_the_layers_names_every_folder_of_tests():
    (layers,) = [block for block in FENCE.findall(section("The tests, in layers")) if "tests/" in block]
    named = {line.split()[0] for line in layers.splitlines() if line.startswith("tests/")}
    folders = {f"tests/{path.parent.name}/" for path in (TEMPLATE / "tests").glob("*/test_*.py")}
    assert named == folders
    assert not list((TEMPLATE / "tests").glob("test_*.py")), "every test module is in a layer's folder"


def test_the_number_of_the_workflows_parts_is_right():
    workflow = yaml.safe_load((TEMPLATE / ".github/workflows/tests.yml").read_text())
    parts = len(workflow["jobs"]["suite"]["strategy"]["matrix"]["include"])
    counts = re.findall(r"\b(\w+) parts\b", text())
    assert counts and all(NUMBERS.get(count) == parts for count in counts), f"{counts}, but tests.yml has {parts}"


def test_the_checks_see_what_they_check():
    """The patterns find what the text names (a check that finds nothing would pass on anything)."""
    assert UPPER_NAME.match("REQUIRE_DOCKER=1").group(1) == "REQUIRE_DOCKER"
    assert UPPER_NAME.match("BENCH=0").group(1) == "BENCH"
    assert not UPPER_NAME.match("GET") and not UPPER_NAME.match("COPY . .")
    assert FUNCTION_IN.findall("(`real_images()` in `tooling/docker.py`: no kit)") == [
        ("real_images", "tooling/docker.py")
    ]
    assert not exists("tooling/no_such_module.py") and exists("test_hooks.py")
