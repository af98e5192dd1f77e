"""REST API: /api/v1/activities/ (read-only; docs/architecture.md §5.2)."""

from __future__ import annotations

import pytest

from requisitions.models import Activity
from tests.candidates.factories import CandidateFactory
from tests.requisitions.factories import ActivityFactory, PlacementFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/activities/"


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_retrieve_shows_the_activity(api_client):
    placement = PlacementFactory()
    activity = ActivityFactory(
        kind=Activity.Kind.EVALUATION_SUMMARY,
        candidate=placement.candidate,
        placement=placement,
        requisition=placement.requisition,
        subject="Top candidate",
        body="Meets 5 of 5 required qualifications",
        data={"rank": "TOP", "basis": "RESUME_ONLY"},
    )

    response = api_client.get(f"{URL}{activity.pk}/")

    assert response.status_code == 200
    assert response.json() == {
        "id": activity.pk,
        "kind": "evaluation_summary",
        "candidate": placement.candidate_id,
        "placement": placement.pk,
        "requisition": placement.requisition_id,
        "subject": "Top candidate",
        "body": "Meets 5 of 5 required qualifications",
        "occurred_at": activity.occurred_at.isoformat().replace("+00:00", "Z"),
        "data": {"rank": "TOP", "basis": "RESUME_ONLY"},
    }


def test_list_filters_newest_first_with_one_query(api_client, django_assert_max_num_queries):
    candidate = CandidateFactory()
    placement = PlacementFactory(candidate=candidate)
    inmail = ActivityFactory(kind=Activity.Kind.INMAIL, candidate=candidate)
    note = ActivityFactory(kind=Activity.Kind.NOTE, candidate=candidate)
    summary = ActivityFactory(
        kind=Activity.Kind.EVALUATION_SUMMARY, candidate=candidate, placement=placement
    )
    others = [ActivityFactory(kind=Activity.Kind.INMAIL) for _ in range(10)]

    # the caller's seat (once per request), then the page
    with django_assert_max_num_queries(2):
        everything = api_client.get(URL, {"page_size": 100})

    assert len(ids(everything)) == 13
    assert ids(api_client.get(URL, {"candidate": candidate.pk})) == [
        summary.pk,
        note.pk,
        inmail.pk,
    ]
    assert ids(api_client.get(URL, {"placement": placement.pk})) == [summary.pk]
    assert ids(api_client.get(URL, {"kind": "inmail"})) == [
        *[a.pk for a in reversed(others)],
        inmail.pk,
    ]
    assert ids(api_client.get(URL, {"kind": "note", "candidate": candidate.pk})) == [note.pk]


def test_activities_of_unlinked_members_are_not_listed(api_client):
    waiting = ActivityFactory(
        kind=Activity.Kind.INMAIL, candidate=None, person_urn="urn:li:person:Nobody"
    )
    shown = ActivityFactory()

    assert ids(api_client.get(URL)) == [shown.pk]
    assert api_client.get(f"{URL}{waiting.pk}/").status_code == 404


@pytest.mark.parametrize("params", [{"kind": "tweet"}, {"candidate": "me"}, {"placement": "-1"}])
def test_bad_filter_values_are_400(api_client, params):
    response = api_client.get(URL, params)

    assert response.status_code == 400
    assert set(response.json()) == set(params)


def test_activities_are_read_only(api_client, admin_api_client):
    activity = ActivityFactory(subject="Keep")

    responses = [
        api_client.post(URL, {"kind": "note", "subject": "New"}),
        admin_api_client.patch(f"{URL}{activity.pk}/", {"subject": "Changed"}),
        admin_api_client.delete(f"{URL}{activity.pk}/"),
    ]

    assert [r.status_code for r in responses] == [405, 405, 405]
    activity.refresh_from_db()
    assert activity.subject == "Keep"
    assert Activity.objects.count() == 1
