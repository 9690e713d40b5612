"""The database engine and one session per request."""

from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from .config import Settings


def make_engine(settings: Settings) -> Engine:
    url = settings.database_url
    if url.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"timeout": settings.db_timeout})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: object) -> None:
            # WAL lets the gunicorn workers read while one of them writes.
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    return create_engine(
        url,
        # Test each pooled connection before use, so a restarted database is reconnected to quietly.
        pool_pre_ping=True,
        # Wait at most this long for a free connection from the pool.
        pool_timeout=settings.db_timeout,
        connect_args={
            "connect_timeout": settings.db_timeout,
            # No query may hang a request for longer than this.
            "options": f"-c statement_timeout={settings.db_timeout * 1000}",
        },
    )


def init_app(app: Flask, settings: Settings) -> None:
    engine = make_engine(settings)
    app.extensions["db_engine"] = engine
    app.extensions["db_sessionmaker"] = sessionmaker(engine, expire_on_commit=False)

    @app.teardown_appcontext
    def _close_session(_error: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()


def get_session() -> Session:
    """The session of the current request, opened on first use and closed when the request ends."""
    if "db_session" not in g:
        factory: sessionmaker[Session] = current_app.extensions["db_sessionmaker"]
        g.db_session = factory()
    session: Session = g.db_session
    return session
