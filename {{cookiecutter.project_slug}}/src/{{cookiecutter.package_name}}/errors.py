"""Every error leaves as JSON: {"error": <name>, "message": <text>, "status": <code>}.

The Error model in schemas.py describes this body in the OpenAPI document.
"""

import logging

from flask import Flask, Response, jsonify
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from werkzeug.exceptions import HTTPException

from .schemas import PATTERN_RULES

log = logging.getLogger(__name__)


def error_response(status: int, name: str, message: str) -> Response:
    response = jsonify(error=name, message=message, status=status)
    response.status_code = status
    return response


def http_error(error: HTTPException) -> Response:
    """The JSON body, with every header the error carries but its HTML Content-Type: the ones its
    status requires (405's Allow, RFC 9110; 416's Content-Range, 401's WWW-Authenticate,
    a Retry-After given to 429 or 503)."""
    if error.response is not None:  # already a full answer (a failed validation's, below)
        return error.response  # type: ignore[return-value]  # werkzeug types it as its own Response
    response = error_response(error.code or 500, error.name, error.description or error.name)
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def validation_error(error: ValidationError) -> Response:
    """A request that breaks a rule of schemas.py: 400, one message naming each field and rule."""
    problems = []
    for problem in error.errors(include_url=False, include_input=False):
        where = ".".join(str(part) for part in problem["loc"])
        message = problem["msg"]
        if problem["type"] == "string_pattern_mismatch":  # the rule, not the regular expression
            message = PATTERN_RULES.get(str(problem.get("ctx", {}).get("pattern")), message)
        problems.append(f"'{where}': {message}" if where else message)
    return error_response(400, "Bad Request", "; ".join(problems) + ".")


def database_unavailable(error: Exception) -> Response:
    log.warning("database unavailable: %s", error.__class__.__name__)
    response = error_response(503, "Service Unavailable", "The database is unavailable.")
    response.headers["Retry-After"] = "5"
    return response


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, http_error)

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
