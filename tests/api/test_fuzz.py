"""API fuzzing: schemathesis generates requests from /api/schema/ with all its checks.

Every operation of the schema /api/schema/ serves gets a bounded number of generated requests
(schema examples, the coverage phase's boundary and unsupported-method cases, and hypothesis
fuzzing, positive and negative) sent in-process through the real WSGI application with token
authentication, as an integrator would call it. Every check schemathesis has runs: no 5xx;
status codes, content types, headers and bodies as documented; schema-violating input
rejected and schema-valid input accepted; a method the path does not serve answered 405 with
``Allow``; a request without the token refused. Three checks have nothing to judge here:
use_after_free and ensure_resource_availability need the stateful phase, which pytest runs do
not have, and object_level_authorization a second identity (who may do what is walked by
tests/tracker_rsc/test_permission_matrix.py instead).

Two contract rules cannot be written in OpenAPI, so generated data cannot know them: a
referenced record must exist (a placement's candidate, a requisition's owners) and a skill
name must be in the Quick Skills dictionary. For the few operations that take such
references, a 400 naming the field is the documented answer to a schema-valid request
(``REFERENCE_OPERATIONS``); every other operation accepts all schema-valid input.
The database holds a few candidates, requisitions, placements and activities so that generated
ids sometimes hit real rows (retrieve, update and delete are exercised, not only 404s).
"""

from __future__ import annotations

import json

import pytest
import schemathesis
from django.contrib.auth import get_user_model
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.urls import resolve
from hypothesis import HealthCheck, settings
from knox.models import AuthToken
from rest_framework.test import APIRequestFactory, force_authenticate
from schemathesis.config import SchemathesisConfig

from tests.api.fuzz_summary import FUZZ_SUMMARY
from tests.candidates.factories import CandidateFactory, QuickSkillFactory
from tests.requisitions.factories import ActivityFactory, PlacementFactory, RequisitionFactory
from tests.tracker_rsc.factories import AdminUserFactory

# Bounded for CI: examples per operation and phase (about twenty operations).
MAX_EXAMPLES = 20

# Operations whose schema-valid input may still name a record that does not exist (or a
# skill outside the dictionary): there a 400 naming the field is the documented answer.
REFERENCE_OPERATIONS = [
    ("POST", "/api/v1/candidates/"),  # skills: names from the Quick Skills dictionary
    ("PUT", "/api/v1/candidates/{id}/"),
    ("PATCH", "/api/v1/candidates/{id}/"),
    ("POST", "/api/v1/requisitions/"),  # owners: ids of active users
    ("PUT", "/api/v1/requisitions/{id}/"),
    ("PATCH", "/api/v1/requisitions/{id}/"),
    ("POST", "/api/v1/placements/"),  # an existing candidate, on an open requisition, once
]
# schemathesis' defaults for a schema-valid request, plus 400 (positive_data_acceptance).
ACCEPTED_OR_REFERENCE_ERROR = ["2xx", "3xx", "400", "401", "403", "404", "409", "429"]

CONFIG = SchemathesisConfig.from_dict(
    {
        "generation": {"mode": "all", "max-examples": MAX_EXAMPLES, "deterministic": True},
        "checks": {"enabled": True},
        "operations": [
            {
                "include-method": method,
                "include-path": path,
                "checks": {
                    "positive_data_acceptance": {"expected-statuses": ACCEPTED_OR_REFERENCE_ERROR}
                },
            }
            for method, path in REFERENCE_OPERATIONS
        ],
    }
)


def served_schema() -> dict:
    """The document GET /api/schema/ serves to a signed-in user, at collection time.

    Collection has no database, so the request is authenticated as an unsaved user rather
    than with a token; the view is the one the URL resolves to.
    """
    request = APIRequestFactory().get("/api/schema/", {"format": "json"})
    force_authenticate(request, user=get_user_model()(username="schema-reader"))
    response = resolve("/api/schema/").func(request)
    response.render()
    assert response.status_code == 200, response.content
    return json.loads(response.content)


schema = schemathesis.openapi.from_dict(served_schema(), config=CONFIG)
schema.app = get_wsgi_application()


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Requests go through the WSGI handler, whose request signals would close the test's
    database connection (and its transaction); Django's test Client disconnects them too."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def token(db) -> str:
    """An admin's API token (admins may call every operation), and rows for ids to hit."""
    user = AdminUserFactory(username="fuzz-admin")
    QuickSkillFactory(name="Python")
    for _ in range(3):
        placement = PlacementFactory(
            candidate=CandidateFactory(), requisition=RequisitionFactory(owners=[user])
        )
        ActivityFactory(candidate=placement.candidate, placement=placement)
    return AuthToken.objects.create(user=user)[1]


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_api_never_errors_and_matches_its_schema(case, token):
    response = case.call_and_validate(headers={"Authorization": f"Token {token}"})
    mode = case.meta.generation.mode.value if case.meta else "explicit"
    FUZZ_SUMMARY.record(operation=case.operation.label, mode=mode, status=response.status_code)


# Regressions of what the fuzzing found: an id beyond 64 bits overflowed SQLite (a 500).
HUGE_ID = 2**64


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        f"/api/v1/placements/?candidate={HUGE_ID}",
        f"/api/v1/placements/?requisition={HUGE_ID}",
        f"/api/v1/activities/?candidate={HUGE_ID}",
        f"/api/v1/activities/?placement={HUGE_ID}",
        f"/api/v1/requisitions/?owner={HUGE_ID}",
    ],
)
def test_an_id_filter_beyond_64_bits_is_a_400(admin_api_client, url):
    response = admin_api_client.get(url)

    assert response.status_code == 400
    assert "less than or equal to" in str(response.json())


@pytest.mark.django_db
def test_a_requisition_owner_id_beyond_64_bits_is_a_400_and_nothing_is_written(admin_api_client):
    from requisitions.models import Requisition

    response = admin_api_client.post(
        "/api/v1/requisitions/", {"title": "Data Engineer", "owners": [HUGE_ID]}, format="json"
    )

    assert response.status_code == 400
    assert "owners" in response.json()
    assert not Requisition.objects.exists()


@pytest.mark.django_db
def test_an_unevaluated_placement_documents_its_blank_rank(admin_api_client):
    """The schema allows '' for rank and evaluation_basis, which is what an unevaluated
    placement has (the fuzzing found the response violating the schema before)."""
    placement = PlacementFactory()
    schema = admin_api_client.get("/api/schema/?format=json").json()["components"]["schemas"]

    body = admin_api_client.get(f"/api/v1/placements/{placement.pk}/").json()

    assert (body["rank"], body["evaluation_basis"]) == ("", "")
    for name in ("rank", "evaluation_basis"):
        options = schema["Placement"]["properties"][name]["oneOf"]
        assert {"$ref": "#/components/schemas/BlankEnum"} in options
