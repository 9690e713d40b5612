"""Every error leaves as JSON: {"error": <name>, "message": <text>, "status": <code>}."""

import logging

from flask import Flask, Response, jsonify
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


def error_response(status: int, name: str, message: str) -> Response:
    response = jsonify(error=name, message=message, status=status)
    response.status_code = status
    return response


def database_unavailable(error: Exception) -> Response:
    log.warning("database unavailable: %s", error.__class__.__name__)
    response = error_response(503, "Service Unavailable", "The database is unavailable.")
    response.headers["Retry-After"] = "5"
    return response


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Response:
        return error_response(error.code or 500, error.name, error.description or error.name)

    @app.errorhandler(OperationalError)
    @app.errorhandler(PoolTimeoutError)
    def _database_down(error: Exception) -> Response:
        return database_unavailable(error)

    @app.errorhandler(DBAPIError)
    def _database_error(error: DBAPIError) -> Response:
        # A connection that broke in the middle of a request is an outage, not a bug.
        if error.connection_invalidated:
            return database_unavailable(error)
        log.exception("database error")
        return error_response(500, "Internal Server Error", "Unexpected database error.")

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        log.exception("unhandled error")
        return error_response(500, "Internal Server Error", "Unexpected error.")
