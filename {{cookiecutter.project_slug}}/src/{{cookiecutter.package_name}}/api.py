"""The JSON API over items: create, list (paginated), get and delete."""

import json
from typing import Any

from flask import Blueprint, Response, jsonify, request, url_for
from sqlalchemy import func, select
from werkzeug.exceptions import BadRequest, NotFound, UnsupportedMediaType

from .db import get_session
from .models import DESCRIPTION_MAX_LENGTH, NAME_MAX_LENGTH, Item

bp = Blueprint("items", __name__, url_prefix="/api/items")

MAX_PER_PAGE = 100
MAX_PAGE = 100_000
# Largest id that fits the table's integer column; larger ones cannot exist.
MAX_ID = 2**31 - 1


def read_json_object() -> dict[str, Any]:
    """The request body as a JSON object, or a 4xx error that says what is wrong with it."""
    if not request.is_json:
        raise UnsupportedMediaType("Send the body as JSON with Content-Type: application/json.")
    try:
        payload = json.loads(request.get_data())
    except (ValueError, RecursionError):  # not UTF-8, not JSON, or nested too deep
        raise BadRequest("The body is not valid JSON.") from None
    if not isinstance(payload, dict):
        raise BadRequest("The body must be a JSON object.")
    return payload


def clean_text(payload: dict[str, Any], field: str, max_length: int, required: bool) -> str | None:
    value = payload.get(field)
    if value is None:
        if required:
            raise BadRequest(f"'{field}' is required.")
        return None
    if not isinstance(value, str):
        raise BadRequest(f"'{field}' must be a string.")
    value = value.strip()
    if required and not value:
        raise BadRequest(f"'{field}' must not be empty.")
    if len(value) > max_length:
        raise BadRequest(f"'{field}' must be at most {max_length} characters.")
    if not storable(value):
        raise BadRequest(f"'{field}' contains characters that cannot be stored.")
    return value


def storable(value: str) -> bool:
    """NUL and lone surrogates ("\\ud800") are valid JSON, but no database stores them."""
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def parse_item(payload: dict[str, Any]) -> dict[str, str | None]:
    unknown = sorted(set(payload) - {"name", "description"})
    if unknown:
        raise BadRequest(f"Unknown field(s): {', '.join(map(repr, unknown))}.")
    return {
        "name": clean_text(payload, "name", NAME_MAX_LENGTH, required=True),
        "description": clean_text(payload, "description", DESCRIPTION_MAX_LENGTH, required=False),
    }


def query_int(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name, str(default))
    if not raw.isascii() or not raw.isdigit() or not low <= int(raw) <= high:
        raise BadRequest(f"'{name}' must be a whole number from {low} to {high}.")
    return int(raw)


def find_item(item_id: int) -> Item:
    item = get_session().get(Item, item_id) if item_id <= MAX_ID else None
    if item is None:
        raise NotFound(f"No item with id {item_id}.")
    return item


@bp.post("")
def create_item() -> Response:
    session = get_session()
    item = Item(**parse_item(read_json_object()))
    session.add(item)
    session.commit()
    response = jsonify(item.to_dict())
    response.status_code = 201
    response.headers["Location"] = url_for("items.get_item", item_id=item.id, _external=True)
    return response


@bp.get("")
def list_items() -> Response:
    page = query_int("page", 1, 1, MAX_PAGE)
    per_page = query_int("per_page", 20, 1, MAX_PER_PAGE)
    session = get_session()
    total = session.scalar(select(func.count()).select_from(Item))
    items = session.scalars(
        select(Item).order_by(Item.id).offset((page - 1) * per_page).limit(per_page)
    )
    return jsonify(
        items=[item.to_dict() for item in items], page=page, per_page=per_page, total=total
    )


@bp.get("/<int:item_id>")
def get_item(item_id: int) -> Response:
    return jsonify(find_item(item_id).to_dict())


@bp.delete("/<int:item_id>")
def delete_item(item_id: int) -> tuple[str, int]:
    session = get_session()
    session.delete(find_item(item_id))
    session.commit()
    return "", 204
