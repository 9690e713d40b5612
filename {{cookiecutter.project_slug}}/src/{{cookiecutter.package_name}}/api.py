"""The JSON API over items: create, list (paginated), get and delete.

What each operation takes and answers is in schemas.py; flask-openapi3 validates the request
against it before the function runs, so the functions get checked values only.
"""

from flask import Response, jsonify, request, url_for
from flask_openapi3.blueprint import APIBlueprint
from flask_openapi3.models.tag import Tag
from sqlalchemy import func, select
from werkzeug.exceptions import BadRequest, NotFound, UnsupportedMediaType

from .auth import needs
from .db import get_session
from .models import Item
from .schemas import (
    REQUEST_ID,
    ItemIn,
    ItemOut,
    ItemPage,
    ItemPath,
    PageQuery,
    error_responses,
    json_response,
)

bp = APIBlueprint("items", __name__, url_prefix="/api/items", abp_tags=[Tag(name="items")])

# The id that create answers is the one get and delete take: Schemathesis' stateful phase, and
# client generators, follow these links from one call to the next.
ITEM_LINKS = {
    "links": {
        name: {
            "operationId": operation,
            "parameters": {"item_id": "$response.body#/id"},
        }
        for name, operation in (("GetItem", "get_item"), ("DeleteItem", "delete_item"))
    }
}
CREATED = json_response(ItemOut, "the item, created", **ITEM_LINKS)
CREATED["headers"] = {
    **CREATED["headers"],
    "Location": {"required": True, "schema": {"type": "string"}, "description": "the item's URL"},
}


@bp.before_request
def read_json_body() -> None:
    """A body that is not JSON is refused before validation: 415 if not sent as JSON, 400 if
    it does not parse (Flask's own check, plus nesting too deep for Python's parser)."""
    if request.method != "POST":
        return
    if not request.is_json:
        raise UnsupportedMediaType("Send the body as JSON with Content-Type: application/json.")
    try:
        body = request.get_json()  # parsed once; flask-openapi3 validates the cached value
    except RecursionError:
        raise BadRequest("The body is not valid JSON.") from None
    # flask-openapi3 would parse a JSON string again, as JSON: '"{\"name\": 1}"' is no object.
    if isinstance(body, str):
        raise BadRequest("Input should be a valid dictionary: the body is a JSON string.")


@bp.post(
    "",
    operation_id="create_item",
    security=needs("items:write"),
    responses={201: CREATED, **error_responses(400, 413, 415, 503)},
)
def create_item(body: ItemIn) -> Response:
    session = get_session()
    item = Item(**body.model_dump())
    session.add(item)
    session.commit()
    response = jsonify(item.to_dict())
    response.status_code = 201
    response.headers["Location"] = url_for("items.get_item", item_id=item.id, _external=True)
    return response


@bp.get(
    "",
    operation_id="list_items",
    security=needs("items:read"),
    responses={200: json_response(ItemPage, "one page of items"), **error_responses(400, 503)},
)
def list_items(query: PageQuery) -> Response:
    session = get_session()
    total = session.scalar(select(func.count()).select_from(Item))
    items = session.scalars(
        select(Item)
        .order_by(Item.id)
        .offset((query.page - 1) * query.per_page)
        .limit(query.per_page)
    )
    return jsonify(
        items=[item.to_dict() for item in items],
        page=query.page,
        per_page=query.per_page,
        total=total,
    )


def find_item(item_id: int) -> Item:
    item = get_session().get(Item, item_id)
    if item is None:
        raise NotFound(f"No item with id {item_id}.")
    return item


@bp.get(
    "/<int:item_id>",
    operation_id="get_item",
    security=needs("items:read"),
    responses={200: json_response(ItemOut, "the item"), **error_responses(400, 404, 503)},
)
def get_item(path: ItemPath) -> Response:
    return jsonify(find_item(path.item_id).to_dict())


@bp.delete(
    "/<int:item_id>",
    operation_id="delete_item",
    security=needs("items:write"),
    responses={
        204: {"description": "deleted", "headers": REQUEST_ID},
        **error_responses(400, 404, 503),
    },
)
def delete_item(path: ItemPath) -> tuple[str, int]:
    session = get_session()
    session.delete(find_item(path.item_id))
    session.commit()
    return "", 204
