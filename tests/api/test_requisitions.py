"""REST API: /api/v1/requisitions/ (docs/architecture.md §5.2)."""

from __future__ import annotations

import pytest

from requisitions import signals
from requisitions.models import Requisition
from requisitions.selectors import REEVALUATION_UNAVAILABLE_HINT
from tests.requisitions.factories import ProjectConnectionFactory, RequisitionFactory
from tests.tracker_rsc.factories import LinkedInSeatFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/requisitions/"


def detail(requisition: Requisition) -> str:
    return f"{URL}{requisition.pk}/"


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


# --- Read ------------------------------------------------------------------------------------


def test_retrieve_shows_fields_owners_and_no_connection(api_client):
    owners = [UserFactory(), UserFactory()]
    requisition = RequisitionFactory(title="Data Engineer", client_name="Acme", owners=owners)

    response = api_client.get(detail(requisition))

    assert response.status_code == 200
    body = response.json()
    assert body["title"] == "Data Engineer"
    assert body["client_name"] == "Acme"
    assert (body["status"], body["kind"], body["availability"]) == (
        "open",
        "standard",
        "private_to_ats_integration",
    )
    assert body["owners"] == sorted(owner.pk for owner in owners)
    assert body["connection"] is None
    assert body["reevaluation_hint"] is None


def test_connection_is_shown_with_the_owner_seat_urn(api_client):
    requisition = RequisitionFactory()
    seat = LinkedInSeatFactory(seat_urn="urn:li:seat:5077")
    ProjectConnectionFactory(
        requisition=requisition,
        project_urn="urn:li:hiringProject:77",
        owner_seat=seat,
        active=False,
        state="disconnected",
    )
    connection = ProjectConnectionFactory(
        requisition=requisition,
        project_urn="urn:li:hiringProject:78",
        owner_seat=seat,
        connected_at="2026-01-05T10:00:00Z",
    )

    body = api_client.get(detail(requisition)).json()

    assert body["connection"] == {
        "project_urn": "urn:li:hiringProject:78",
        "owner_seat": "urn:li:seat:5077",
        "connected_at": "2026-01-05T10:00:00Z",
        "hiring_assistant_automation": True,
    }
    assert connection.active
    assert body["reevaluation_hint"] is None


def test_reevaluation_hint_when_hiring_assistant_automation_is_off(api_client):
    requisition = RequisitionFactory()
    ProjectConnectionFactory(requisition=requisition, hiring_assistant_automation=False)

    body = api_client.get(detail(requisition)).json()

    assert body["connection"]["hiring_assistant_automation"] is False
    assert body["reevaluation_hint"] == REEVALUATION_UNAVAILABLE_HINT
    assert "Hiring Assistant Automation" in body["reevaluation_hint"]
    assert "LinkedIn project's settings" in body["reevaluation_hint"]


def test_list_newest_first_with_constant_queries(api_client, django_assert_max_num_queries):
    created = []
    for n in range(12):
        requisition = RequisitionFactory(owners=[UserFactory(), UserFactory()])
        if n % 3 == 0:
            ProjectConnectionFactory(requisition=requisition, hiring_assistant_automation=False)
        created.append(requisition)

    # requisitions, their owners, their active connections with the owner seat
    with django_assert_max_num_queries(3):
        response = api_client.get(URL, {"page_size": 50})

    assert ids(response) == [r.pk for r in reversed(created)]
    rows = response.json()["results"]
    assert all(len(row["owners"]) == 2 for row in rows)
    assert sum(1 for row in rows if row["connection"]) == 4
    assert sum(1 for row in rows if row["reevaluation_hint"]) == 4


def test_list_pages_with_a_cursor(api_client):
    created = [RequisitionFactory() for _ in range(3)]

    first = api_client.get(URL, {"page_size": 2}).json()
    second = api_client.get(first["next"]).json()

    assert [row["id"] for row in first["results"] + second["results"]] == [
        r.pk for r in reversed(created)
    ]
    assert second["next"] is None
    assert second["previous"]


def test_filters(api_client):
    alice, bob = UserFactory(), UserFactory()
    open_standard = RequisitionFactory(owners=[alice])
    closed = RequisitionFactory(status="closed", owners=[bob])
    evergreen = RequisitionFactory(kind="evergreen", owners=[alice, bob])

    assert ids(api_client.get(URL, {"status": "closed"})) == [closed.pk]
    assert ids(api_client.get(URL, {"kind": "evergreen"})) == [evergreen.pk]
    assert ids(api_client.get(URL, {"owner": alice.pk})) == [evergreen.pk, open_standard.pk]
    assert ids(api_client.get(URL, {"owner": bob.pk, "status": "open"})) == [evergreen.pk]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "paused"}, "status"),
        ({"kind": "temp"}, "kind"),
        ({"owner": "alice"}, "owner"),
        ({"owner": "0"}, "owner"),
    ],
)
def test_bad_filter_values_are_400(api_client, params, field):
    response = api_client.get(URL, params)

    assert response.status_code == 400
    assert field in response.json()


def test_retrieve_unknown_is_404(api_client):
    assert api_client.get(f"{URL}999999/").status_code == 404


# --- Create ----------------------------------------------------------------------------------


def test_any_user_creates_a_requisition_through_the_service(api_client, recruiter):
    owner = UserFactory()
    received = []
    signals.requisition_saved.connect(
        lambda sender, **kw: received.append(kw), dispatch_uid="test-api-req", weak=False
    )
    try:
        response = api_client.post(
            URL,
            {
                "title": "Senior Data Engineer",
                "description": "Python, Spark",
                "kind": "evergreen",
                "availability": "public",
                "owners": [owner.pk, recruiter.pk, owner.pk],
                "connection": {"project_urn": "urn:li:hiringProject:1"},  # read-only
            },
        )
    finally:
        signals.requisition_saved.disconnect(dispatch_uid="test-api-req")

    assert response.status_code == 201, response.content
    requisition = Requisition.objects.get(pk=response.json()["id"])
    assert requisition.title == "Senior Data Engineer"
    assert requisition.created_by == recruiter
    assert set(requisition.owners.all()) == {owner, recruiter}
    assert response.json()["owners"] == sorted([owner.pk, recruiter.pk])
    assert response.json()["connection"] is None
    assert not requisition.connections.exists()
    assert [r["created"] for r in received] == [True]


@pytest.mark.parametrize(
    ("owners", "message"),
    [
        (None, "required"),
        ([], "at least one owner"),
        ([999999], "999999"),
        (["x"], "valid integer"),
    ],
)
def test_create_needs_at_least_one_active_owner(api_client, owners, message):
    payload = {"title": "Job"}
    if owners is not None:
        payload["owners"] = owners

    response = api_client.post(URL, payload)

    assert response.status_code == 400
    assert message in str(response.json()["owners"])
    assert not Requisition.objects.exists()


def test_inactive_user_cannot_be_an_owner(api_client):
    inactive = UserFactory(is_active=False)

    response = api_client.post(URL, {"title": "Job", "owners": [inactive.pk]})

    assert response.status_code == 400
    assert str(inactive.pk) in response.json()["owners"][0]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"title": ""}, "title"),
        ({"status": "paused"}, "status"),
        ({"availability": "everyone"}, "availability"),
    ],
)
def test_create_with_bad_fields_is_400(api_client, recruiter, payload, field):
    response = api_client.post(URL, {"title": "Job", "owners": [recruiter.pk], **payload})

    assert response.status_code == 400
    assert field in response.json()
    assert not Requisition.objects.exists()


# --- Update and delete -----------------------------------------------------------------------


def test_owner_updates_a_requisition(api_client, recruiter):
    requisition = RequisitionFactory(owners=[recruiter], title="Old")
    colleague = UserFactory()

    response = api_client.patch(
        detail(requisition), {"title": "New", "owners": [recruiter.pk, colleague.pk]}
    )

    assert response.status_code == 200
    requisition.refresh_from_db()
    assert requisition.title == "New"
    assert set(requisition.owners.all()) == {recruiter, colleague}
    assert response.json()["owners"] == sorted([recruiter.pk, colleague.pk])


def test_closing_through_the_api_records_when(api_client, recruiter):
    requisition = RequisitionFactory(owners=[recruiter])

    body = api_client.patch(detail(requisition), {"status": "filled"}).json()

    assert body["status"] == "filled"
    assert body["closed_at"]


def test_non_owner_cannot_update_or_delete(api_client):
    requisition = RequisitionFactory(title="Keep")

    patched = api_client.patch(detail(requisition), {"title": "Changed"})
    deleted = api_client.delete(detail(requisition))

    assert (patched.status_code, deleted.status_code) == (403, 403)
    requisition.refresh_from_db()
    assert requisition.title == "Keep"


def test_admin_updates_any_requisition(admin_api_client):
    requisition = RequisitionFactory(title="Old")

    response = admin_api_client.put(
        detail(requisition),
        {"title": "New", "owners": list(requisition.owners.values_list("pk", flat=True))},
    )

    assert response.status_code == 200
    requisition.refresh_from_db()
    assert requisition.title == "New"


def test_update_cannot_remove_every_owner(api_client, recruiter):
    requisition = RequisitionFactory(owners=[recruiter])

    response = api_client.patch(detail(requisition), {"owners": []}, format="json")

    assert response.status_code == 400
    assert list(requisition.owners.all()) == [recruiter]


def test_owner_deletes_a_requisition(api_client, recruiter):
    requisition = RequisitionFactory(owners=[recruiter])

    response = api_client.delete(detail(requisition))

    assert response.status_code == 204
    assert not Requisition.objects.filter(pk=requisition.pk).exists()


def test_admin_deletes_any_requisition(admin_api_client):
    requisition = RequisitionFactory()

    assert admin_api_client.delete(detail(requisition)).status_code == 204
    assert not Requisition.objects.filter(pk=requisition.pk).exists()
