"""Probes: /healthz says the process answers, /readyz that it can reach the database.

Both are in the OpenAPI document, as /metrics is (metrics.py): they are part of what the service
answers, and Schemathesis checks them with the rest.
"""

from flask import Response, current_app, jsonify
from flask_openapi3.blueprint import APIBlueprint
from flask_openapi3.models.tag import Tag
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from .schemas import Health, Readiness, error_responses, json_response

bp = APIBlueprint("health", __name__, abp_tags=[Tag(name="probes")])


@bp.get(
    "/healthz",
    operation_id="healthz",
    responses={200: json_response(Health, "the process answers"), **error_responses()},
)
def healthz() -> Response:
    return jsonify(status="ok")


@bp.get(
    "/readyz",
    operation_id="readyz",
    responses={
        200: json_response(Readiness, "the database answers"),
        503: json_response(Readiness, "the database does not answer"),
        **error_responses(),
    },
)
def readyz() -> Response | tuple[Response, int]:
    try:
        with current_app.extensions["db_engine"].connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        current_app.logger.warning("not ready: %s", error.__class__.__name__)
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ready", database="ok")
