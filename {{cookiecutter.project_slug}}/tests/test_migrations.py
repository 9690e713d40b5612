from alembic import command
from sqlalchemy import inspect

from {{ cookiecutter.package_name }}.db import make_engine
from {{ cookiecutter.package_name }}.migrate import alembic_config, upgrade

from .conftest import make_settings


def test_models_match_the_migrations(settings):
    # Fails when models.py changed without a migration: run `alembic revision --autogenerate`.
    command.check(alembic_config(settings))


def test_migrations_go_down_and_up_again(tmp_path):
    settings = make_settings(tmp_path, f"sqlite:///{tmp_path}/migrations.db")
    upgrade(settings)
    command.downgrade(alembic_config(settings), "base")
    engine = make_engine(settings)
    assert "items" not in inspect(engine).get_table_names()
    upgrade(settings)
    assert "items" in inspect(engine).get_table_names()
    engine.dispose()
