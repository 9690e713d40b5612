"""Database errors that reach a view: an outage is a 503, anything else a 500, both as JSON."""

import pytest
from flask import Flask
from sqlalchemy.exc import DBAPIError


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
