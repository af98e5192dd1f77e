"""API fuzzing: schemathesis generates requests from /api/schema/ and sends them in-process.

Every operation of the published OpenAPI schema gets a bounded number of generated requests
(valid and invalid bodies, query strings and path ids) through the real WSGI application with
token authentication, as an integrator would call it. What it proves: no request, however
malformed, gets a 5xx; every response (status, content type and body) is one the schema
documents. (schemathesis' negative_data_rejection check is not run: it flags DRF's documented
leniencies, an unparsable ``page_size`` falling back to the default and an empty filter value
meaning "no filter", rather than bugs.)
The database holds a few candidates, requisitions, placements and activities so that generated
ids sometimes hit real rows (retrieve, update and delete are exercised, not only 404s).
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from knox.models import AuthToken
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from tests.candidates.factories import CandidateFactory, QuickSkillFactory
from tests.requisitions.factories import ActivityFactory, PlacementFactory, RequisitionFactory
from tests.tracker_rsc.factories import AdminUserFactory

# Bounded for CI: examples per operation (about twenty operations).
MAX_EXAMPLES = 20

CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    content_type_conformance,
]


# Loaded at collection through the WSGI app: the schema view needs no database.
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())


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
    case.call_and_validate(headers={"Authorization": f"Token {token}"}, checks=CHECKS)


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
