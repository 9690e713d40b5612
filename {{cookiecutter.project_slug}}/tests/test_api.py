import json

import pytest
from flask.testing import FlaskClient

from .conftest import Create


def test_create_get_list_delete_round_trip(client: FlaskClient, create: Create) -> None:
    item = create("widget", description="a small thing")
    assert item["name"] == "widget"
    assert item["description"] == "a small thing"
    assert item["created_at"].endswith("+00:00")

    response = client.get(f"/api/items/{item['id']}")
    assert response.status_code == 200
    assert response.get_json() == item

    listing = client.get("/api/items").get_json()
    assert listing["total"] == 1
    assert listing["items"] == [item]

    assert client.delete(f"/api/items/{item['id']}").status_code == 204
    assert client.get(f"/api/items/{item['id']}").status_code == 404
    assert client.get("/api/items").get_json()["total"] == 0


def test_create_returns_location_and_keeps_the_name_as_sent(client: FlaskClient) -> None:
    response = client.post("/api/items", json={"name": "  spaced  "})
    assert response.status_code == 201
    body = response.get_json()
    assert body["name"] == "  spaced  "
    assert response.headers["Location"] == f"/api/items/{body['id']}"


def test_unicode_round_trips(client: FlaskClient, create: Create) -> None:
    item = create("Grüße, 世界 🎉", description="Robert'); DROP TABLE items;--")
    fetched = client.get(f"/api/items/{item['id']}").get_json()
    assert fetched["name"] == "Grüße, 世界 🎉"
    assert fetched["description"] == "Robert'); DROP TABLE items;--"


def test_pagination(client: FlaskClient, create: Create) -> None:
    ids = [create(f"item {n}")["id"] for n in range(5)]
    first = client.get("/api/items?per_page=2").get_json()
    second = client.get("/api/items?per_page=2&page=2").get_json()
    last = client.get("/api/items?per_page=2&page=3").get_json()
    assert [i["id"] for i in first["items"]] == ids[:2]
    assert [i["id"] for i in second["items"]] == ids[2:4]
    assert [i["id"] for i in last["items"]] == ids[4:]
    assert first["total"] == 5
    assert client.get("/api/items?page=9").get_json()["items"] == []


# The messages come from the rules of schemas.py (pydantic's words, a pattern's rule in words).
@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "'name': Field required"),
        ({"name": None}, "'name': Input should be a valid string"),
        ({"name": ""}, "at least 1 character"),
        ({"name": "   "}, "a character other than spaces"),
        ({"name": "\t\n"}, "a character other than spaces"),
        ({"name": 42}, "'name': Input should be a valid string"),
        ({"name": True}, "'name': Input should be a valid string"),
        ({"name": ["a"]}, "'name': Input should be a valid string"),
        ({"name": "x" * 201}, "at most 200 characters"),
        ({"name": "ok", "description": 5}, "'description': Input should be a valid string"),
        ({"name": "ok", "description": "x" * 2001}, "at most 2000 characters"),
        ({"name": "nul\x00byte"}, "and no NUL"),
        ({"name": "ok", "description": "nul\x00"}, "'description': must not hold a NUL"),
        ({"name": "ok", "price": 3}, "'price': Extra inputs are not permitted"),
        ([{"name": "a list"}], "valid dictionary"),
        ("just a string", "valid dictionary"),
        ('{"name": "JSON in a JSON string"}', "valid dictionary"),
        (None, "valid dictionary"),
    ],
)
def test_invalid_fields_get_400(client: FlaskClient, body: object, message: str) -> None:
    response = client.post("/api/items", data=json.dumps(body), content_type="application/json")
    assert response.status_code == 400
    assert message in response.get_json()["message"]
    assert client.get("/api/items").get_json()["total"] == 0


@pytest.mark.parametrize(
    "raw",
    [b"{not json", b'{"name": "unterminated', b"\xff\xfe", b'{"name": "\\ud800"}', b"[" * 50_000],
    ids=["broken", "unterminated", "not-utf8", "lone-surrogate", "deeply-nested"],
)
def test_bad_json_gets_400(client: FlaskClient, raw: bytes) -> None:
    response = client.post("/api/items", data=raw, content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["status"] == 400


def test_wrong_content_type_gets_415(client: FlaskClient) -> None:
    response = client.post("/api/items", data={"name": "x"})  # a form, not JSON
    assert response.status_code == 415
    assert response.is_json


def test_too_large_body_gets_413(client: FlaskClient) -> None:
    response = client.post("/api/items", json={"name": "x", "description": "y" * 100_000})
    assert response.status_code == 413
    assert response.get_json()["error"] == "Request Entity Too Large"


@pytest.mark.parametrize("path", ["/api/items/999", "/api/items/-1", "/api/items/abc", "/nowhere"])
def test_unknown_item_or_path_gets_404_json(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.get_json()["status"] == 404


@pytest.mark.parametrize("path", ["/api/items/0", f"/api/items/{2**31}", "/api/items/" + "9" * 30])
def test_ids_outside_the_documented_range_get_400(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 400
    assert "'item_id'" in response.get_json()["message"]


@pytest.mark.parametrize(("method", "path"), [("PUT", "/api/items"), ("PATCH", "/api/items/1")])
def test_a_method_the_path_does_not_take_gets_405_with_allow(
    client: FlaskClient, method: str, path: str
) -> None:
    response = client.open(path, method=method)
    assert response.status_code == 405
    assert response.get_json()["error"] == "Method Not Allowed"
    # RFC 9110: a 405 says which methods the path takes.
    allowed = {
        "/api/items": {"GET", "HEAD", "OPTIONS", "POST"},
        "/api/items/1": {"DELETE", "GET", "HEAD", "OPTIONS"},
    }
    assert set(response.headers["Allow"].split(", ")) == allowed[path]


@pytest.mark.parametrize(
    "query",
    [
        "page=0",
        "page=-1",
        "page=abc",
        "per_page=0",
        "per_page=101",
        "per_page=10000000",
        "page=99999999999999999999",
        "page=١",  # an Arabic-Indic digit: str.isdigit() says yes, int() agrees, we do not
    ],
)
def test_bad_pagination_gets_400(client: FlaskClient, query: str) -> None:
    response = client.get(f"/api/items?{query}")
    assert response.status_code == 400
    assert response.is_json
