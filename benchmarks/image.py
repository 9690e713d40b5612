"""Measure the default project's image: size, size of its base, cold build, rebuild after a code edit.

    .venv/bin/python -m benchmarks.image

Prints figures; asserts nothing (the tests check behaviour). Uses docker-kit where there is one.
"""

import tempfile
import uuid
from pathlib import Path

from cookiecutter.main import cookiecutter

from tests.support.bake import TEMPLATE
from tests.support.docker import base_images, build_image, docker, inspect, provide, require_docker


def size_mb(image: str) -> float:
    return inspect("image", image)["Size"] / 1e6


def main() -> None:
    require_docker()
    with tempfile.TemporaryDirectory() as out:
        project = Path(cookiecutter(str(TEMPLATE), no_input=True, output_dir=out))
        base = base_images(project / "Dockerfile")[0]
        provide("provide", base)
        tag = f"py-docker-env-bench-{uuid.uuid4().hex[:8]}:latest"
        try:
            cold = build_image(project, tag, "--no-cache")
            source = project / "src/my_service/health.py"
            source.write_text(source.read_text() + "\n# edited\n")
            rebuild = build_image(project, tag)
            image, base_size = size_mb(tag), size_mb(base)
            print(f"base image        {base}: {base_size:.0f} MB")
            print(f"final image       {image:.0f} MB ({image - base_size:.0f} MB over the base)")
            print(f"cold build        {cold:.1f} s (--no-cache; pip downloads from the cache mount if warm)")
            print(f"rebuild after editing one source file: {rebuild:.1f} s")
        finally:
            docker("image", "rm", "--force", tag, check=False)


if __name__ == "__main__":
    main()
