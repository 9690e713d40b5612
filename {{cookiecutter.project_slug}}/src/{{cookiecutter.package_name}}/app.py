"""The application: create_app() builds it (what it is for: README.md and pyproject.toml)."""

from flask_openapi3.models.info import Info
from flask_openapi3.openapi import OpenAPI

from . import __version__, auth, db, docs, errors, limits, logs, metrics, oidc
from .api import bp as api_bp
from .config import Settings
from .health import bp as health_bp
{%- if cookiecutter.reports == "yes" %}
from .reports.access import bp as report_access_bp
{%- endif %}
from .schemas import Error


def create_app(settings: Settings | None = None) -> OpenAPI:
    """The application factory: tests pass their own settings, the rest read the environment."""
    settings = settings or Settings.from_env()
    logs.configure(settings.log_format, settings.log_level)
    if settings.database_url.get_backend_name() == "sqlite":
        settings.data_dir.mkdir(parents=True, exist_ok=True)

    # A Flask app that also writes the OpenAPI document (docs.py); a request that breaks a rule
    # of schemas.py gets errors.py's 400.
    app = OpenAPI(
        __name__,
        info=Info(title="{{ cookiecutter.project_slug }}", version=__version__),
        static_folder=None,  # no /static: every route is in the document (or is the docs)
        doc_ui=False,  # docs.py serves the document and the page at the URLs it chooses
        validation_error_status=400,
        validation_error_model=Error,
        validation_error_callback=errors.validation_error,
    )
    app.config.update(
        SECRET_KEY=settings.secret_key, MAX_CONTENT_LENGTH=settings.max_content_length
    )
    app.extensions["settings"] = settings
    logs.init_app(app)  # first: its request id and timer are there for everything after it
    db.init_app(app, settings)
    errors.init_app(app)
    auth.init_app(app)  # who calls (g.caller): the rate limiter counts per caller
    metrics.init_app(app)
    oidc.init_app(app, settings)
    limits.init_app(app, settings)  # after auth: it limits by the caller that auth found
    app.register_api(api_bp)
    app.register_api(health_bp)
    app.register_api(metrics.bp)
{%- if cookiecutter.reports == "yes" %}
    app.register_api(report_access_bp)  # the front door's check before it serves a report
{%- endif %}
    docs.init_app(app, enabled=settings.api_docs)
    # Last: every /api/ request without its operation's scope is refused (auth.py).
    auth.protect(app)
    return app
