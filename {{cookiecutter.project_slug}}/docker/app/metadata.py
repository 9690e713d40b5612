"""Write the project's metadata into the image's virtualenv, as `pip install -e .` does natively.

The package reads its __version__ from it (importlib.metadata). The version is pyproject.toml's,
the one place it is written, or APP_VERSION when a build passes one (the release workflow does,
and on a swarm the push target of the Makefile). Only the metadata: the code itself runs from
/app/src. Run by the Dockerfile.
"""

import os
import sysconfig
import tomllib
from pathlib import Path

project = tomllib.loads(Path("/tmp/pyproject.toml").read_text())["project"]
version = os.environ.get("APP_VERSION") or project["version"]
name = project["name"]
info = Path(sysconfig.get_path("purelib"), f"{name.replace('-', '_')}-{version}.dist-info")
info.mkdir()
(info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
