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
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
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
    return Token.objects.create(user=user).key


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
