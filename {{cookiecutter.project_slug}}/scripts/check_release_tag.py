"""The release workflow's first step: the version tag pushed (v1.2.3) must be the project's version,
pyproject.toml's [project] version, so that the image published as 1.2.3 is the code of 1.2.3.

    python3 scripts/check_release_tag.py v1.2.3   # prints 1.2.3, or says what differs and exits 1
"""

import sys
import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: check_release_tag.py TAG (e.g. v1.2.3)", file=sys.stderr)
        return 2
    (tag,) = argv
    version = tomllib.loads(PYPROJECT.read_text())["project"]["version"]
    if tag != f"v{version}":
        print(
            f"the tag {tag} is not v{version}, pyproject.toml's version: "
            f"tag v{version}, or change the version there first",
            file=sys.stderr,
        )
        return 1
    print(version)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
