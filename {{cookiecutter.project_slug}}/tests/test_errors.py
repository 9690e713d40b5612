"""Errors that reach a view: a database outage is a 503, another database error a 500, an HTTP
error its own status; each as JSON, with the headers its status requires."""

import pytest
from flask import Flask
from sqlalchemy.exc import DBAPIError
from werkzeug import exceptions
from werkzeug.datastructures import WWWAuthenticate


@pytest.mark.parametrize(
    ("connection_invalidated", "status", "message"),
    [(True, 503, "The database is unavailable."), (False, 500, "Unexpected database error.")],
    ids=["connection-lost", "other"],
)
def test_a_database_error_becomes_json(
    app: Flask, connection_invalidated: bool, status: int, message: str
) -> None:
    def broken() -> str:
        raise DBAPIError(
            "SELECT 1", None, Exception("boom"), connection_invalidated=connection_invalidated
        )

    app.add_url_rule("/broken", view_func=broken)
    response = app.test_client().get("/broken")
    assert response.status_code == status
    assert response.get_json()["message"] == message


# Werkzeug's HTTP errors, with the arguments that give them the headers their status requires.
HEADER_ERRORS = [
    exceptions.MethodNotAllowed(valid_methods=["GET", "HEAD"]),  # Allow (RFC 9110)
    exceptions.Unauthorized(www_authenticate=WWWAuthenticate("Bearer")),  # WWW-Authenticate
    exceptions.RequestedRangeNotSatisfiable(length=10),  # Content-Range
    exceptions.TooManyRequests(retry_after=7),  # Retry-After
    exceptions.ServiceUnavailable(retry_after=7),
]
EVERY_ERROR = [cls() for cls in exceptions.default_exceptions.values()] + HEADER_ERRORS


@pytest.mark.parametrize("error", EVERY_ERROR, ids=lambda e: f"{e.code}-{len(e.get_headers())}")
def test_every_http_error_is_json_and_keeps_its_headers(
    app: Flask, error: exceptions.HTTPException
) -> None:
    def fail() -> str:
        raise error

    app.add_url_rule("/fail", view_func=fail)
    response = app.test_client().get("/fail")
    assert response.status_code == error.code
    assert response.get_json() == {
        "error": error.name,
        "message": error.description,
        "status": error.code,
    }
    for name, value in error.get_headers():
        if name != "Content-Type":
            assert response.headers.get(name) == value, name
