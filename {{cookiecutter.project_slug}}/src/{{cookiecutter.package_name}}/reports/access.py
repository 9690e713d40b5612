"""Who may read the reports: the front door asks here before it serves a report file
(`forward_auth` in docker/proxy/Caddyfile): 204 lets the file through, a 401 or 403 goes back to
the client as it is. The files themselves are static, written by the reports service.

The credential is the API's: a token with the scope reports:read. A browser sends no bearer header
by itself, so this check, and only this one, also takes the token as the password of HTTP Basic
authentication (any user name): the browser's own sign-in prompt asks for it, and sends it again
with every file of the reports. No cookie, so no session to steal and no cross-site request to
defend against: the reports are read-only. The API keeps taking bearer tokens alone.
"""

from flask import Response, g, request
from flask_openapi3.blueprint import APIBlueprint
from flask_openapi3.models.tag import Tag
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as WerkzeugResponse

from ..auth import needs, require, token_caller
from ..db import get_session
from ..schemas import REQUEST_ID, error_responses

SCOPE = "reports:read"
# The browser's prompt: shown for a 401 with this challenge (beside the API's Bearer one).
BASIC_CHALLENGE = 'Basic realm="reports", charset="UTF-8"'

bp = APIBlueprint("report_access", __name__, abp_tags=[Tag(name="reports")])


@bp.get(
    "/auth/reports",
    operation_id="authorize_reports",
    security=needs(SCOPE),
    responses={
        204: {"description": "the caller may read the reports", "headers": REQUEST_ID},
        **error_responses(401, 403),
    },
)
def authorize_reports() -> WerkzeugResponse:
    """Whether the caller may read the reports (the front door's check; a bearer token, or the
    token as the Basic password)."""
    credentials = request.authorization
    if credentials is not None and credentials.type == "basic" and credentials.password:
        g.caller = token_caller(get_session(), credentials.password)
        g.auth_failed = g.caller is None
    try:
        require(SCOPE)
    except HTTPException as refused:
        response = refused.get_response()
        if response.status_code == 401:
            response.headers.add("WWW-Authenticate", BASIC_CHALLENGE)
        return response
    return Response(status=204)
