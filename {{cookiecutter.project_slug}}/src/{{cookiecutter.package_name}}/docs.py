"""The OpenAPI 3.1 document at /openapi.json, and Swagger UI to try the API at /docs.

flask-openapi3 writes the document from the routes and the models of schemas.py. Swagger UI's
files come from the flask-openapi3-swagger package, pinned with its hash in requirements.txt:
nothing is fetched from a CDN. API_DOCS=false turns /docs off; /openapi.json always answers.
"""

import copy
import json
from importlib.resources import files
from typing import Any

from flask import Blueprint, Response, jsonify, url_for
from flask_openapi3.openapi import OpenAPI
from markupsafe import escape

from .auth import SECURITY_SCHEMES
from .schemas import AUTH_ERRORS, Error, Health, ItemOut, ItemPage, Readiness, error_responses

# The models that answers name with $ref (flask-openapi3 adds the request models itself).
ANSWER_MODELS = (Error, Health, ItemOut, ItemPage, Readiness)
SWAGGER_UI = files("flask_openapi3_swagger") / "templates" / "swagger"
# %(name)s are filled in by docs() (Jinja's markers would read as the template's own).
PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>%(title)s: API</title>
  <link rel="stylesheet" href="%(css)s">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="%(js)s"></script>
  <script>
    // Authorize (the padlock) takes a token; persistAuthorization keeps it across reloads.
    window.ui = SwaggerUIBundle({
      url: %(document)s, dom_id: "#swagger-ui", persistAuthorization: true
    });
  </script>
</body>
</html>
"""


def document(app: OpenAPI) -> dict[str, Any]:
    """The OpenAPI document of app: flask-openapi3's, with the answers' models and the bearer
    scheme added, the 401, 403 and 429 on every operation that needs a credential, and without
    a 400 on operations that take no input (they cannot fail validation)."""
    spec = copy.deepcopy(app.api_doc)
    components = spec.setdefault("components", {})
    components["securitySchemes"] = SECURITY_SCHEMES  # flask-openapi3 4.3 writes null: invalid
    auth_errors = {str(status): answer for status, answer in error_responses(*AUTH_ERRORS).items()}
    schemas = components.setdefault("schemas", {})
    for model in ANSWER_MODELS:
        schema = model.model_json_schema(
            mode="serialization", ref_template="#/components/schemas/{model}"
        )
        schemas.update(schema.pop("$defs", {}), **{model.__name__: schema})
    for path_item in spec["paths"].values():
        for operation in path_item.values():
            if "parameters" not in operation and "requestBody" not in operation:
                operation["responses"].pop("400", None)
            if operation.get("security"):
                operation["responses"].update(auth_errors)
    return spec


def init_app(app: OpenAPI, enabled: bool) -> None:
    spec = Blueprint("openapi", __name__)

    @spec.get("/openapi.json")
    def document_json() -> Response:
        return jsonify(document(app))

    app.register_blueprint(spec)
    if not enabled:
        return
    page = Blueprint("docs", __name__, static_folder=str(SWAGGER_UI), static_url_path="/docs")

    @page.get("/docs")
    def docs() -> str:
        return PAGE % {
            "title": escape(app.info.title),
            "css": url_for("docs.static", filename="css/swagger-ui.css"),
            "js": url_for("docs.static", filename="js/swagger-ui-bundle.js"),
            "document": json.dumps(url_for("openapi.document_json")),
        }

    app.register_blueprint(page)
