"""The API answers only what its schema documents: strict input, JSON errors everywhere.

Each test here pins one rule the fuzzer (test_fuzz.py) relies on, with the exact answer.
"""

from __future__ import annotations

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.throttling import BaseThrottle

from candidates.models import Candidate
from requisitions.models import Placement, Requisition
from tests.candidates.factories import CandidateFactory
from tests.requisitions.factories import PlacementFactory, RequisitionFactory
from tracker_rsc.api.views import CandidateViewSet

pytestmark = pytest.mark.django_db

HUGE_ID = 2**64
ANN = {"first_name": "Ann", "last_name": "Doe", "email": "a@example.com"}


@pytest.mark.parametrize("value", ["abc", "0", "-1", "201", "", "1.5"])
def test_a_page_size_outside_1_to_200_is_a_400(api_client, value):
    response = api_client.get("/api/v1/requisitions/", {"page_size": value})

    assert response.status_code == 400
    assert list(response.json()) == ["page_size"]


def test_a_page_size_within_bounds_is_honoured(api_client):
    RequisitionFactory.create_batch(3)

    response = api_client.get("/api/v1/requisitions/", {"page_size": "2"})

    assert response.status_code == 200
    assert len(response.json()["results"]) == 2


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("/api/v1/candidates/?updated_after=", "updated_after"),
        ("/api/v1/candidates/?q=%20%20", "q"),
        ("/api/v1/candidates/?linked=", "linked"),
        ("/api/v1/requisitions/?status=", "status"),
        ("/api/v1/placements/?candidate=", "candidate"),
        ("/api/v1/activities/?kind=&candidate=1", "kind"),
    ],
)
def test_a_filter_sent_empty_is_a_400_not_everything(api_client, url, name):
    CandidateFactory()

    response = api_client.get(url)

    assert response.status_code == 400
    assert list(response.json()) == [name]
    assert "leave the parameter out" in response.json()[name][0]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({**ANN, "first_name": 0}, "first_name"),
        ({**ANN, "email": ["a@example.com"]}, "email"),
        ({**ANN, "skills": "x"}, "skills"),
        ({**ANN, "last_name": True}, "last_name"),
    ],
)
def test_a_candidate_field_of_the_wrong_json_type_is_a_400(api_client, payload, field):
    response = api_client.post("/api/v1/candidates/", payload, format="json")

    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert not Candidate.objects.exists()


@pytest.mark.parametrize(
    ("owners", "message"),
    [
        (["1"], "A valid integer is required."),
        ([True], "A valid integer is required."),
        ([1.0], "A valid integer is required."),
        ("1", "Expected a list of items."),
    ],
)
def test_requisition_owners_must_be_json_integers(api_client, recruiter, owners, message):
    response = api_client.post(
        "/api/v1/requisitions/", {"title": "Job", "owners": owners}, format="json"
    )

    assert response.status_code == 400
    assert message in str(response.json()["owners"])
    assert not Requisition.objects.exists()


@pytest.mark.parametrize(
    ("candidate", "message"),
    [
        ("CANDIDATE", "A valid integer is required."),
        (0, "Must be an id from 1 to"),
        (HUGE_ID, "Must be an id from 1 to"),
    ],
)
def test_placement_ids_are_json_integers_within_64_bits(api_client, candidate, message):
    real = CandidateFactory()
    requisition = RequisitionFactory()
    body = {"candidate": real.pk if candidate == "CANDIDATE" else candidate}
    if candidate == "CANDIDATE":
        body["candidate"] = str(real.pk)

    response = api_client.post(
        "/api/v1/placements/", {**body, "requisition": requisition.pk}, format="json"
    )

    assert response.status_code == 400
    assert message in str(response.json()["candidate"])
    assert not Placement.objects.exists()


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/candidates/{HUGE_ID}/",
        "/api/v1/candidates/0/",
        "/api/v1/candidates/abc/",
        "/api/v1/placements/-1/",
        "/api/v1/candidates/1.5/",  # no route: Django's own 404, as JSON under /api/
        "/api/v1/no-such-thing/",
    ],
)
def test_an_id_that_names_no_record_is_a_json_404(admin_api_client, path):
    CandidateFactory()

    for method in ("get", "delete"):
        response = getattr(admin_api_client, method)(path)

        assert response.status_code == 404, (method, path)
        assert response["Content-Type"] == "application/json"
        assert response.json() == {"detail": "Not found."}


def test_the_api_has_no_urls_beyond_the_schemas_paths(admin_api_client):
    candidate = CandidateFactory()

    for path in ("/api/v1/", f"/api/v1/candidates/{candidate.pk}.json", "/api/v1/candidates.json"):
        response = admin_api_client.get(path)

        assert response.status_code == 404, path
        assert response.json() == {"detail": "Not found."}
    # "format" is not a parameter of the API: it changes nothing.
    assert admin_api_client.get("/api/v1/candidates/?format=xml").status_code == 200


def test_a_huge_id_in_a_path_never_reaches_the_database(admin_api_client):
    CandidateFactory()

    response = admin_api_client.post(f"/api/v1/candidates/{HUGE_ID}/erase/", {"reason": "x"})

    assert response.status_code == 404
    assert Candidate.objects.count() == 1


def test_a_form_encoded_body_is_a_415(api_client):
    response = api_client.post(
        "/api/v1/candidates/",
        "first_name=Ann&last_name=Doe&email=a%40example.com",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 415
    assert response["Content-Type"] == "application/json"
    assert "detail" in response.json()
    assert not Candidate.objects.exists()


def test_the_api_answers_json_even_to_a_browser_and_refuses_other_formats(api_client):
    browser = api_client.get(
        "/api/v1/candidates/", HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8"
    )
    xml = api_client.get("/api/v1/candidates/", HTTP_ACCEPT="application/xml")

    assert browser.status_code == 200
    assert browser["Content-Type"] == "application/json"
    assert xml.status_code == 406
    assert xml["Content-Type"] == "application/json"


@pytest.fixture(scope="module")
def documented():
    """``documented(method, path, code)``: that response as the OpenAPI schema describes it."""
    schema = SchemaGenerator().get_schema(request=None, public=True)

    def response(method: str, path: str, code: str) -> dict:
        return schema["paths"][path][method.lower()]["responses"][code]

    return response


def test_a_method_the_path_does_not_serve_is_the_documented_405(api_client, documented):
    response = api_client.put("/api/v1/candidates/", {}, format="json")

    assert response.status_code == 405
    assert set(documented("GET", "/api/v1/candidates/", "405")["headers"]) == {"Allow"}
    assert set(response["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}
    assert response.json() == {"detail": 'Method "PUT" not allowed.'}


def test_a_throttled_request_is_the_documented_429_with_retry_after(
    api_client, monkeypatch, documented
):
    class Saturated(BaseThrottle):
        def allow_request(self, request, view):
            return False

        def wait(self):
            return 42

    monkeypatch.setattr(CandidateViewSet, "throttle_classes", [Saturated])

    response = api_client.get("/api/v1/candidates/")

    assert response.status_code == 429
    spec = documented("GET", "/api/v1/candidates/", "429")
    assert spec["headers"]["Retry-After"]["schema"]["type"] == "integer"
    assert response["Retry-After"] == "42"
    assert spec["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    assert set(response.json()) == {"detail"}


def test_placement_put_needs_the_stage_but_patch_does_not(api_client):
    placement = PlacementFactory()

    put = api_client.put(f"/api/v1/placements/{placement.pk}/", {}, format="json")
    patch = api_client.patch(f"/api/v1/placements/{placement.pk}/", {}, format="json")

    assert put.status_code == 400
    assert list(put.json()) == ["stage"]
    assert patch.status_code == 200
