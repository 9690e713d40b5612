"""What the API takes and answers, as pydantic models: each rule is written once, here.

flask-openapi3 validates every request against these models (a failure is a 400 in the errors
module's JSON) and writes the same models into the OpenAPI document at /openapi.json, so the
document and the validation cannot disagree. `extra="forbid"` refuses unknown fields and, in the
document, says `additionalProperties: false`, also for answers: a field the app answers but the
document does not declare fails the project's Schemathesis test (tests/test_openapi.py).
"""

import copy
import functools
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from .models import DESCRIPTION_MAX_LENGTH, NAME_MAX_LENGTH

MAX_PER_PAGE = 100
MAX_PAGE = 100_000
# Largest id that fits the table's integer column; larger ones cannot exist.
MAX_ID = 2**31 - 1
# NUL is valid JSON, but no database stores it. A name also needs one character that is not a
# space, tab or line break. Written as a regular expression that means the same in Python,
# pydantic (Rust) and JavaScript, so every client reads the rule as the app applies it.
NO_NUL = r"^[^\u0000]*$"
NOT_BLANK = r"^[^\u0000]*[^\u0000\t\n\r ][^\u0000]*$"
# The rule each pattern stands for, in words, for the error message (errors.py).
PATTERN_RULES = {
    NO_NUL: "must not hold a NUL character",
    NOT_BLANK: "must hold a character other than spaces, tabs and line breaks, and no NUL",
}


class Strict(BaseModel):
    # strict: no type coercion in a JSON body ("1" is not a number, 1 is not a string).
    model_config = ConfigDict(extra="forbid", strict=True)


class ItemIn(Strict):
    # The example that /docs shows.
    model_config = ConfigDict(json_schema_extra={"examples": [{"name": "widget"}]})

    name: str = Field(min_length=1, max_length=NAME_MAX_LENGTH, pattern=NOT_BLANK)
    description: str | None = Field(None, max_length=DESCRIPTION_MAX_LENGTH, pattern=NO_NUL)


class ItemOut(Strict):
    id: int = Field(ge=1, le=MAX_ID)
    name: str
    description: str | None
    created_at: datetime


class ItemPage(Strict):
    items: list[ItemOut]
    page: int
    per_page: int
    total: int


class Query(BaseModel):
    """Query parameters. flask-openapi3 (4.3) asks a query model for its JSON schema on every
    request, which took a third of GET /api/items: it is made once here (a copy each time)."""

    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
        return copy.deepcopy(cls._json_schema(*args, **kwargs))

    @classmethod
    @functools.cache
    def _json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
        return super().model_json_schema(*args, **kwargs)


class PageQuery(Query):
    # Query values are text: these are read as whole numbers (not strict), other parameters refused.
    model_config = ConfigDict(extra="forbid")
    page: int = Field(1, ge=1, le=MAX_PAGE)
    per_page: int = Field(20, ge=1, le=MAX_PER_PAGE)


class ItemPath(BaseModel):
    item_id: int = Field(ge=1, le=MAX_ID)


class Error(Strict):
    """Every error the app answers, 4xx or 5xx (errors.py)."""

    error: str = Field(description="the HTTP status's name, e.g. Not Found")
    message: str = Field(description="what went wrong, for people")
    status: int = Field(ge=400, le=599)


class Health(Strict):
    status: str


class Readiness(Strict):
    status: str
    database: str


# Every response carries the request's id (logs.py).
REQUEST_ID = {
    "X-Request-ID": {
        "description": "the request's id, as in the logs (the client's if it sent a sane one)",
        "required": True,
        "schema": {"type": "string", "pattern": r"^[A-Za-z0-9._:-]{1,128}$"},
    }
}
ERROR_NAMES = {
    400: "the request breaks a rule of this document",
    401: "no credential, or one that is unknown, expired or revoked (docs/api.md)",
    403: "the credential lacks the operation's scope",
    404: "no such item",
    413: "the body is larger than MAX_CONTENT_LENGTH",
    415: "the body is not sent as application/json",
    429: "too many requests: try again after Retry-After seconds",
    500: "unexpected error",
    503: "the database is unavailable: try again after Retry-After seconds",
}
RETRY_AFTER = {"Retry-After": {"required": True, "schema": {"type": "integer", "minimum": 0}}}
# RFC 6750's challenge: Bearer realm="api", and error="..." when a credential was refused.
WWW_AUTHENTICATE = {
    "WWW-Authenticate": {
        "required": True,
        "schema": {"type": "string", "pattern": "^Bearer realm="},
        "description": "how to authenticate, and why the credential was refused (RFC 6750)",
    }
}
STATUS_HEADERS = {401: WWW_AUTHENTICATE, 403: WWW_AUTHENTICATE, 429: RETRY_AFTER, 503: RETRY_AFTER}
# What an operation that needs a credential may also answer (docs.py adds them to each).
AUTH_ERRORS = (401, 403, 429)


def error_responses(*statuses: int) -> dict[Any, Any]:
    """The documented error answers: the Error body and the headers each status requires."""
    responses: dict[Any, Any] = {}
    for status in (*statuses, 500):
        headers = {**REQUEST_ID, **STATUS_HEADERS.get(status, {})}
        responses[status] = {
            "description": ERROR_NAMES[status],
            "headers": headers,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
    return responses


def json_response(model: type[BaseModel], description: str, **extra: Any) -> dict[str, Any]:
    """A documented JSON answer of model, with the request id header."""
    return {
        "description": description,
        "headers": REQUEST_ID,
        "content": {
            "application/json": {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}
        },
        **extra,
    }
