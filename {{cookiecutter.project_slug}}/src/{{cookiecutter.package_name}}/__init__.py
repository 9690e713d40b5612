"""The package: app.py builds the web app (create_app), __main__.py has the management commands.
This file stays small, since the commands import it too and need none of the web app's libraries."""

from importlib.metadata import PackageNotFoundError, version

# pyproject.toml's version, from the package's metadata: installed natively (`pip install -e .`),
# written by the image's build (Dockerfile). Run from a source folder with neither: unknown.
try:
    __version__ = version("{{ cookiecutter.project_slug }}")
except PackageNotFoundError:
    __version__ = "0+unknown"
