"""Every document of a generated project names only what the project has: each link and its anchor,
each section it sends the reader to ("see X", `(docs/x.md, "X")` in a comment), each file path, each
`make` target and each Dockerfile stage it names exists in the baked project, for every combination
of answers that changes the documents. And the documents state no fact of the machine the template
is tested on (a Docker Engine version that is not a requirement, a kernel feature as if no host had it).
"""

import re
from pathlib import Path

import pytest

from tooling.bake import bake_with
from tooling.combinations import combination_id, one_per
from tooling.docker import dockerfile_instructions
from tooling.readme import CODE_SPAN, FENCE

# The answers that change what the documents say (the other answers change no reference).
COMBINATIONS = one_per(lambda answers: (answers["database"], answers["monitoring"], answers.get("deploy")))
# Paths a document names that appear only later: the native run's SQLite folder and virtualenv,
# what `git init` and `cruft create` write.
RUNTIME_PATHS = {"data", ".venv", ".git", ".cruft.json"}
# Kinds of files named by their suffix alone (`.in` files, `.pyc` files, a `.rej` file).
FILE_KINDS = {".in", ".pyc", ".rej"}
FILE_SUFFIXES = {".py", ".yaml", ".yml", ".md", ".txt", ".toml", ".ini", ".sh", ".json", ".in", ".cfg", ".example"}
PATH = re.compile(r"(?:\./)?(\.?[\w][\w.*-]*(?:/[\w.*-]+)*/?|\.[\w][\w.-]*)")
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
MAKE = re.compile(r"(?<![\w$(-])make ([a-z][\w-]*)")
SEE = re.compile(r'\bsee "([^"]+)"|\(see ([A-Z][\w ,:-]+)\)')
SECTION_IN_A_COMMENT = re.compile(r'(README(?:\.md)?|docs/[\w-]+\.md)[ ,(]*"([^"\n]+)"')
DOC_PATH = re.compile(r"\bdocs/[\w-]+\.md\b")
STAGE = re.compile(r"`([\w-]+)` stage")
MACHINE_FACTS = [
    re.compile(r"\bEngine \d+(?:\.\d+)*(?! or newer)\b"),  # a Docker version is a requirement, or nothing
    re.compile(r"without IPVS|no IPVS"),  # some hosts lack IPVS; the users' do not have to
]


@pytest.fixture(scope="module", params=COMBINATIONS, ids=combination_id)
def project(request, cookies_session):
    return bake_with(cookies_session, request.param)


def slug(heading: str) -> str:
    """The anchor GitHub and GitLab give a heading: lowercase, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def headings(path: Path) -> list[str]:
    text = FENCE.sub("", path.read_text())
    return [line.lstrip("#").strip().replace("`", "") for line in text.splitlines() if re.match(r"#{1,6} ", line)]


def documents(project: Path) -> list[Path]:
    return sorted(project.rglob("*.md"))


def text_files(project: Path):
    for path in sorted(project.rglob("*")):
        if path.is_file() and ".git" not in path.parts:
            try:
                yield path, path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                continue


def named_paths(text: str) -> set[str]:
    """The file paths a Markdown text names: in code spans (the whole span), and words of code blocks."""
    candidates = set(CODE_SPAN.findall(FENCE.sub("", text)))
    for block in FENCE.findall(text):
        candidates.update(word for line in block.splitlines() for word in line.split("#", 1)[0].split())
    paths = set()
    for candidate in candidates:
        match = PATH.fullmatch(candidate)
        if not match or ":" in candidate or "..." in candidate or candidate in FILE_KINDS:
            continue
        path = match.group(1)
        if "/" in path or Path(path).suffix in FILE_SUFFIXES or path.startswith("."):
            paths.add(path)
    return paths


def make_targets(project: Path) -> set[str]:
    return set(re.findall(r"^([a-z][\w-]*):", (project / "Makefile").read_text(), re.MULTILINE))


def test_every_link_and_anchor_leads_somewhere(project):
    broken = []
    for doc in documents(project):
        for target in LINK.findall(doc.read_text()):
            if re.match(r"[a-z]+:", target):  # https:, mailto:
                continue
            file, _, anchor = target.partition("#")
            linked = (doc.parent / file).resolve() if file else doc
            if not linked.exists():
                broken.append(f"{doc.relative_to(project)}: {target} (no such file)")
            elif anchor and anchor not in {slug(h) for h in headings(linked)}:
                broken.append(f"{doc.relative_to(project)}: {target} (no such section)")
    assert broken == [], "\n".join(broken)


def test_every_section_a_text_sends_the_reader_to_exists(project):
    everywhere = {h for doc in documents(project) for h in headings(doc)}
    missing = []
    for doc in documents(project):
        for quoted, bare in SEE.findall(doc.read_text()):
            if (quoted or bare) not in everywhere:
                missing.append(f"{doc.relative_to(project)}: see {quoted or bare}")
    for path, text in text_files(project):
        for doc_name, section in SECTION_IN_A_COMMENT.findall(text):
            doc = project / (doc_name if doc_name.endswith(".md") else "README.md")
            if not doc.exists() or section not in headings(doc):
                missing.append(f'{path.relative_to(project)}: {doc_name} "{section}"')
        for doc_name in DOC_PATH.findall(text):
            if not (project / doc_name).exists():
                missing.append(f"{path.relative_to(project)}: {doc_name}")
    assert missing == [], "\n".join(missing)


def test_every_file_a_document_names_exists(project):
    missing = []
    for doc in documents(project):
        for path in named_paths(doc.read_text()):
            if path.split("/")[0] in RUNTIME_PATHS:
                continue
            if not list(project.glob(path.rstrip("/"))):
                missing.append(f"{doc.relative_to(project)}: {path}")
    assert missing == [], "\n".join(missing)


def test_every_make_target_a_document_or_a_comment_names_exists(project):
    """In the documents' code, and in `make X` spans of every other file (comments, docstrings)."""
    targets = make_targets(project)
    missing = []
    for path, text in text_files(project):
        code = CODE_SPAN.findall(FENCE.sub("", text)) + (FENCE.findall(text) if path.suffix == ".md" else [])
        for name in {name for snippet in code for name in MAKE.findall(snippet)}:
            if name not in targets:
                missing.append(f"{path.relative_to(project)}: make {name}")
    assert missing == [], "\n".join(missing)


def test_every_dockerfile_stage_a_document_names_exists(project):
    instructions, _ = dockerfile_instructions(project / "Dockerfile")
    stages = {line.split()[-1] for line in instructions if re.match(r"FROM \S+ AS \S+$", line, re.IGNORECASE)}
    named = {name for doc in documents(project) for name in STAGE.findall(doc.read_text())}
    assert named and named <= stages, f"{sorted(named - stages)} are not stages of the Dockerfile {sorted(stages)}"


def test_no_fact_of_the_test_machine_is_in_a_document(project):
    found = [
        f"{doc.relative_to(project)}: {match.group(0)}"
        for doc in documents(project)
        for pattern in MACHINE_FACTS
        for match in pattern.finditer(doc.read_text())
    ]
    assert found == [], "\n".join(found)


def test_the_checks_see_what_they_check():
    """The patterns find what a document names (a check that finds nothing would pass on anything)."""
    text = "Run `make up`, read `docs/a.md` and `.env`:\n\n```sh\nmake lock   # then\npython scripts/setup.py\n```\n"
    assert named_paths(text) == {"docs/a.md", ".env", "scripts/setup.py"}
    assert set(MAKE.findall("make up\n`make restore FILE=x`")) == {"up", "restore"}
    assert slug("What changes from compose.yaml") == "what-changes-from-composeyaml"
    assert SEE.findall('(see "Logs") and (see Tests and lint)') == [("Logs", ""), ("", "Tests and lint")]
    assert SECTION_IN_A_COMMENT.findall('# see README ("Secrets on a swarm").') == [("README", "Secrets on a swarm")]
    assert MACHINE_FACTS[0].search("Swarm services (Engine 26) cannot")
    assert not MACHINE_FACTS[0].search("Docker Engine 25 or newer")
