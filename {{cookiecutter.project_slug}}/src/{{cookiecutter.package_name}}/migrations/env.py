"""Alembic's environment: which database to migrate and which models describe it."""

from alembic import context

from {{ cookiecutter.package_name }}.config import Settings
from {{ cookiecutter.package_name }}.db import make_engine
from {{ cookiecutter.package_name }}.models import Base

target_metadata = Base.metadata


def run_migrations() -> None:
    # The app's migrate command passes its settings; the alembic CLI reads the environment.
    settings = context.config.attributes.get("settings") or Settings.from_env()
    if context.is_offline_mode():
        context.configure(
            url=settings.database_url, target_metadata=target_metadata, literal_binds=True
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(settings)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations()
