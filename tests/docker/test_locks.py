"""The generated project's lock, for real: the image build refuses a package whose hash does not match
the lock (the locks themselves are checked statically in tests/static/test_locks.py)."""

import re
import shutil
import uuid

import pytest

from tooling.bake import bake_with
from tooling.docker import base_images, build_command, docker, provide, require_docker
from tooling.process import run


@pytest.mark.docker
def test_the_image_build_refuses_a_tampered_hash(cookies_session, tmp_path):
    require_docker()
    project = tmp_path / "project"
    shutil.copytree(bake_with(cookies_session, {}), project)
    lock = project / "requirements.txt"
    text = lock.read_text()
    # Every hash of one package (its wheel's and its sdist's) replaced by another valid-looking one.
    block = re.search(r"^blinker==.*?(?=^\S)", text, flags=re.S | re.M).group(0)
    tampered = re.sub(r"sha256:[0-9a-f]{64}", "sha256:" + "0" * 64, block)
    lock.write_text(text.replace(block, tampered))
    provide("provide", *base_images(project / "Dockerfile"))
    tag = f"py-docker-env-test-{uuid.uuid4().hex[:8]}:tampered"
    cmd, env = build_command()
    result = run([*cmd, "--progress=plain", "-t", tag, "."], cwd=project, env=env, check=False, timeout=600)
    docker("image", "rm", "--force", tag, check=False)
    assert result.returncode != 0, "the build installed a package whose hash does not match the lock"
    assert "hash mismatch" in result.stderr.lower() and "blinker" in result.stderr, result.stderr[-3000:]
