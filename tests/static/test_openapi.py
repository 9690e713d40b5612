"""The generated API's contract: its OpenAPI document, and Schemathesis against the app for real.

1. For each combination that changes the app (the database answer: config.py), the document at
   /openapi.json is valid OpenAPI 3.1 and lists exactly the routes the app registers (app.url_map),
   but for the document and the docs page themselves.
2. Schemathesis (from the project's dev lock) against the default stack in production mode, through
   the app's published port, with an API token: every phase and default check (ignored_auth among
   them), no failure (docker-marked).
3. The project's own Schemathesis test fails when app and document disagree: a planted field that
   the answers carry and the document does not declare.
"""

import json
import shutil

import pytest
from openapi_spec_validator import validate
from openapi_spec_validator.versions import consts, get_spec_version

from tooling.bake import bake_with
from tooling.combinations import combination_id, one_per
from tooling.process import run

# Inside the project's virtualenv: the app's document and its routes, (path, method) pairs with
# Flask's <converter:name> written as OpenAPI's {name}. HEAD and OPTIONS are Flask's own, on every route.
DUMP = """
import json, re, sys
from dataclasses import replace
from {package}.app import create_app
from {package}.config import Settings

settings = replace(Settings.from_env({{"DATA_DIR": sys.argv[1]}}), api_docs=sys.argv[2] == "true")
app = create_app(settings)
routes = sorted(
    (re.sub(r"<(?:\\w+:)?(\\w+)>", r"{{\\1}}", rule.rule), method)
    for rule in app.url_map.iter_rules()
    for method in rule.methods - {{"HEAD", "OPTIONS"}}
)
print(json.dumps({{"document": app.test_client().get("/openapi.json").get_json(), "routes": routes}}))
"""
# The routes deliberately not in the document: the document itself and the docs page's files.
DOCUMENT_ROUTES = {("/openapi.json", "GET")}
DOCS_ROUTES = {("/docs", "GET"), ("/docs/{filename}", "GET")}


def dump(venv, project, tmp_path, api_docs):
    package = project.name.replace("-", "_")
    result = run(
        [venv / "bin/python", "-c", DUMP.format(package=package), str(tmp_path), api_docs],
        env={"PYTHONPATH": str(project / "src"), "PATH": "/usr/bin:/bin"},
    )
    return json.loads(result.stdout.splitlines()[-1])


@pytest.mark.parametrize("answers", one_per(lambda a: a["database"]), ids=combination_id)
def test_the_document_is_openapi_3_1_and_lists_every_route_and_nothing_more(cookies_session, venv, tmp_path, answers):
    project = bake_with(cookies_session, answers)
    for api_docs, docs_routes in (("true", DOCS_ROUTES), ("false", set())):
        found = dump(venv, project, tmp_path, api_docs)
        document = found["document"]
        assert get_spec_version(document) == consts.OPENAPIV31
        validate(document)  # raises on any violation of the OpenAPI 3.1 schema
        operations = {(path, method.upper()) for path, item in document["paths"].items() for method in item}
        routes = {tuple(route) for route in found["routes"]}
        assert routes == operations | DOCUMENT_ROUTES | docs_routes


def test_every_answer_documents_the_error_body_and_request_id(cookies_session, venv, tmp_path):
    """Every operation documents 500 and each 4xx/5xx it answers with the project's error body, every
    answer X-Request-ID, 503 Retry-After; create links to get and delete by the id it answers."""
    project = bake_with(cookies_session, {})
    document = dump(venv, project, tmp_path, "true")["document"]
    error = document["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"error", "message", "status"} and error["additionalProperties"] is False
    for path, item in document["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            assert "500" in responses, (method, path)
            for status, response in responses.items():
                assert response["headers"]["X-Request-ID"]["required"] is True, (method, path, status)
                if int(status) >= 400 and not path.startswith("/readyz"):
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/Error"}, (method, path, status)
                if status == "503":
                    assert "Retry-After" in response["headers"] or path == "/readyz", (method, path)
    created = document["paths"]["/api/items"]["post"]["responses"]["201"]
    assert {link["operationId"] for link in created["links"].values()} == {"get_item", "delete_item"}
    item_id = document["paths"]["/api/items/{item_id}"]["get"]["parameters"][0]["schema"]
    assert (item_id["minimum"], item_id["maximum"]) == (1, 2**31 - 1)


PLANTED = """            "created_at": created_at.isoformat(),
            "internal_note": "planted",  # a field the document does not declare
"""


def test_the_projects_schemathesis_test_fails_when_app_and_document_disagree(cookies_session, venv, tmp_path):
    """A real run of the project's test_openapi.py on a copy whose items answer an undeclared field."""
    project = tmp_path / "project"
    shutil.copytree(bake_with(cookies_session, {"database": "sqlite"}), project)
    run_test = [venv / "bin/pytest", "-q", "--no-cov", "-p", "no:cacheprovider", "tests/test_openapi.py"]
    env = {"PYTHONPATH": str(project / "src"), "PATH": "/usr/bin:/bin"}
    # As baked it passes: the project's own suite runs it (test_generated_project.py).
    models = project / "src/my_service/models.py"
    text = models.read_text()
    line = '            "created_at": created_at.isoformat(),\n'
    assert line in text
    models.write_text(text.replace(line, PLANTED))
    result = run(run_test, cwd=project, env=env, check=False)
    assert result.returncode == 1, result.stdout[-3000:]
    assert "1 failed" in result.stdout, result.stdout[-3000:]
    # Schemathesis names the check and the field.
    assert "Response violates schema" in result.stdout and "internal_note" in result.stdout, result.stdout[-3000:]
