"""The three REST/JSON agency systems: education (SEEMiS-like), police concern hub and SCRA."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import Any

from werkzeug.wrappers import Request, Response

from sandbox.servers.config import Credentials
from sandbox.servers.docstore import DocumentStore
from sandbox.servers.faults import FaultState
from sandbox.servers.police_auth import TokenIssuer
from sandbox.servers.rest_app import PersonApi, PersonApiSpec, error_json

DEMOGRAPHICS = {"surname": "$.surname", "forename": "$.forename"}

EDUCATION = PersonApiSpec(
    prefix="/api/v1", person_collection="pupils", list_key="pupils", id_field="pupil_id",
    exact_params={"chi": "$.chi", "scn": "$.scn", "dob": "$.dob"}, name_params=DEMOGRAPHICS,
    sub_collections=("attendance", "exclusions", "notes"),
    percentages={"attendance": ("$.attended_openings", "$.possible_openings")},
)
POLICE = PersonApiSpec(
    prefix="/api", person_collection="subjects", list_key="subjects", id_field="subject_id",
    exact_params={"chi": "$.chi", "dob": "$.dob"}, name_params=DEMOGRAPHICS,
    sub_collections=("concerns",), postcode_param="postcode",
)
SCRA = PersonApiSpec(
    prefix="/api/v1", person_collection="children", list_key="children", id_field="child_id",
    exact_params={"chi": "$.chi", "dob": "$.dob"}, name_params=DEMOGRAPHICS,
    sub_collections=("referrals", "hearings", "orders"),
)


def api_key_check(expected: str) -> Callable[[Request], Response | None]:
    """An authoriser accepting only `X-API-Key: <expected>`."""

    def authorise(request: Request) -> Response | None:
        if hmac.compare_digest(request.headers.get("X-API-Key", ""), expected):
            return None
        return error_json(401, "unauthorised")

    return authorise


def make_education_app(store: DocumentStore, faults: FaultState, credentials: Credentials) -> PersonApi:
    return PersonApi(EDUCATION, store, faults, api_key_check(credentials.education_api_key))


def make_scra_app(store: DocumentStore, faults: FaultState, credentials: Credentials) -> PersonApi:
    return PersonApi(SCRA, store, faults, api_key_check(credentials.scra_api_key))


def make_police_app(store: DocumentStore, faults: FaultState, credentials: Credentials) -> Callable[..., Any]:
    """The concern hub API plus its OAuth2 token endpoint at `/oauth/token`."""
    issuer = TokenIssuer(credentials)
    api = PersonApi(POLICE, store, faults, issuer.authorise)

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if environ.get("PATH_INFO") == "/oauth/token":
            return issuer.token_endpoint(Request(environ))(environ, start_response)
        return api(environ, start_response)

    return app
