"""The application: create_app() builds it (what it is for: README.md and pyproject.toml)."""

from importlib.metadata import version

from flask import Flask

from . import db, errors, logs, metrics
from .api import bp as api_bp
from .config import Settings
from .health import bp as health_bp

# pyproject.toml's version, from the package's metadata: installed natively (`pip install -e .`),
# written by the image's build (Dockerfile).
__version__ = version("{{ cookiecutter.project_slug }}")


def create_app(settings: Settings | None = None) -> Flask:
    """The application factory: tests pass their own settings, the rest read the environment."""
    settings = settings or Settings.from_env()
    logs.configure(settings.log_format, settings.log_level)
    if settings.database_url.get_backend_name() == "sqlite":
        settings.data_dir.mkdir(parents=True, exist_ok=True)

    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=settings.secret_key, MAX_CONTENT_LENGTH=settings.max_content_length
    )
    app.extensions["settings"] = settings
    logs.init_app(app)  # first: its request id and timer are there for everything after it
    db.init_app(app, settings)
    errors.init_app(app)
    metrics.init_app(app)
    app.register_blueprint(api_bp)
    app.register_blueprint(health_bp)
    app.register_blueprint(metrics.bp)
    return app
