"""REST API: /api/v1/placements/ (docs/architecture.md §5.2)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from requisitions import signals
from requisitions.models import Placement
from tests.candidates.factories import CandidateFactory
from tests.requisitions.factories import PlacementFactory, RequisitionFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/placements/"


def detail(placement: Placement) -> str:
    return f"{URL}{placement.pk}/"


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


@pytest.fixture
def placement_signals():
    received: list[tuple[str, dict]] = []
    signals.placement_saved.connect(
        lambda sender, **kw: received.append(("saved", kw)), dispatch_uid="t-ps", weak=False
    )
    signals.placement_deleted.connect(
        lambda sender, **kw: received.append(("deleted", kw)), dispatch_uid="t-pd", weak=False
    )
    yield received
    signals.placement_saved.disconnect(dispatch_uid="t-ps")
    signals.placement_deleted.disconnect(dispatch_uid="t-pd")


def test_retrieve_shows_the_evaluation_and_rank_label(api_client):
    evaluated_at = timezone.now()
    placement = PlacementFactory(
        rank=Placement.Rank.TOP,
        evaluated_at=evaluated_at,
        evaluation_basis=Placement.Basis.RESUME_ONLY,
    )

    response = api_client.get(detail(placement))

    assert response.status_code == 200
    body = response.json()
    assert body["candidate"] == placement.candidate_id
    assert body["requisition"] == placement.requisition_id
    assert (body["stage"], body["source"]) == ("shortlisted", "manual")
    assert (body["rank"], body["rank_label"]) == ("TOP", "Top candidate")
    assert body["evaluation_basis"] == "resume_only"
    assert body["evaluated_at"]


def test_unevaluated_placement_has_empty_rank(api_client):
    body = api_client.get(detail(PlacementFactory())).json()

    assert (body["rank"], body["rank_label"], body["evaluated_at"]) == ("", "", None)


def test_list_filters_and_constant_queries(api_client, django_assert_max_num_queries):
    candidate = CandidateFactory()
    requisition = RequisitionFactory()
    mine = [PlacementFactory(candidate=candidate) for _ in range(3)]
    on_requisition = [PlacementFactory(requisition=requisition) for _ in range(2)]
    both = PlacementFactory(candidate=candidate, requisition=requisition)
    for _ in range(10):
        PlacementFactory(rank="MAYBE")

    with django_assert_max_num_queries(1):
        response = api_client.get(URL, {"page_size": 50})

    assert len(ids(response)) == 16
    assert ids(api_client.get(URL, {"candidate": candidate.pk})) == [
        both.pk,
        *[p.pk for p in reversed(mine)],
    ]
    assert ids(api_client.get(URL, {"requisition": requisition.pk})) == [
        both.pk,
        *[p.pk for p in reversed(on_requisition)],
    ]
    assert ids(api_client.get(URL, {"candidate": candidate.pk, "requisition": requisition.pk})) == [
        both.pk
    ]
    assert ids(api_client.get(URL, {"candidate": 999999})) == []


@pytest.mark.parametrize("params", [{"candidate": "abc"}, {"requisition": "1.5"}])
def test_bad_filter_values_are_400(api_client, params):
    response = api_client.get(URL, params)

    assert response.status_code == 400
    assert set(response.json()) == set(params)


def test_create_shortlists_through_the_service(api_client, recruiter, placement_signals):
    candidate, requisition = CandidateFactory(), RequisitionFactory()

    response = api_client.post(
        URL,
        {
            "candidate": candidate.pk,
            "requisition": requisition.pk,
            "stage": "submitted",
            "rank": "TOP",  # read-only: only LinkedIn's evaluations set it
        },
    )

    assert response.status_code == 201, response.content
    placement = Placement.objects.get(pk=response.json()["id"])
    assert (placement.candidate, placement.requisition) == (candidate, requisition)
    assert (placement.stage, placement.source, placement.rank) == ("submitted", "api", "")
    assert placement.added_by == recruiter
    assert [(kind, kw["created"]) for kind, kw in placement_signals] == [("saved", True)]


def test_create_defaults_to_shortlisted(api_client):
    candidate, requisition = CandidateFactory(), RequisitionFactory()

    body = api_client.post(URL, {"candidate": candidate.pk, "requisition": requisition.pk}).json()

    assert body["stage"] == "shortlisted"


def test_create_on_a_closed_requisition_is_a_field_error(api_client):
    candidate = CandidateFactory()
    requisition = RequisitionFactory(status="closed", title="Old job")

    response = api_client.post(URL, {"candidate": candidate.pk, "requisition": requisition.pk})

    assert response.status_code == 400
    assert "only open requisitions" in response.json()["requisition"][0]
    assert not Placement.objects.exists()


def test_create_twice_is_a_field_error(api_client):
    existing = PlacementFactory()

    response = api_client.post(
        URL, {"candidate": existing.candidate_id, "requisition": existing.requisition_id}
    )

    assert response.status_code == 400
    assert "already on this requisition's shortlist" in response.json()["candidate"][0]
    assert Placement.objects.count() == 1


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"candidate": 999999}, "candidate"),
        ({"requisition": None}, "requisition"),
        ({"stage": "hired"}, "stage"),
    ],
)
def test_create_with_bad_input_is_400(api_client, payload, field):
    candidate, requisition = CandidateFactory(), RequisitionFactory()

    response = api_client.post(
        URL, {"candidate": candidate.pk, "requisition": requisition.pk, **payload}
    )

    assert response.status_code == 400
    assert field in response.json()
    assert not Placement.objects.exists()


def test_any_user_moves_a_placement_to_another_stage(api_client, placement_signals):
    placement = PlacementFactory()

    response = api_client.patch(detail(placement), {"stage": "interview"})

    assert response.status_code == 200
    assert response.json()["stage"] == "interview"
    placement.refresh_from_db()
    assert placement.stage == "interview"
    assert [(kind, kw["created"]) for kind, kw in placement_signals] == [("saved", False)]


def test_put_with_the_same_candidate_and_requisition_changes_the_stage(api_client):
    placement = PlacementFactory()

    response = api_client.put(
        detail(placement),
        {
            "candidate": placement.candidate_id,
            "requisition": placement.requisition_id,
            "stage": "offer",
        },
    )

    assert response.status_code == 200
    placement.refresh_from_db()
    assert placement.stage == "offer"


@pytest.mark.parametrize(
    ("method", "payload", "field"),
    [
        ("patch", {"stage": "hired"}, "stage"),
        ("put", {}, "stage"),
        ("patch", {"stage": "offer", "requisition": 999999}, "requisition"),
        ("patch", {"stage": 3}, "stage"),
    ],
)
def test_bad_updates_are_400_and_change_nothing(api_client, method, payload, field):
    placement = PlacementFactory()

    response = getattr(api_client, method)(detail(placement), payload, format="json")

    assert response.status_code == 400
    assert field in response.json()
    placement.refresh_from_db()
    assert placement.stage == "shortlisted"


def test_an_empty_patch_keeps_the_stage_and_still_saves(api_client, placement_signals):
    """Like a candidate's, a PATCH that changes nothing is a save: it re-syncs the placement."""
    placement = PlacementFactory(stage="offer")

    response = api_client.patch(detail(placement), {}, format="json")

    assert response.status_code == 200
    assert response.json()["stage"] == "offer"
    assert [(kind, kw["placement"].pk) for kind, kw in placement_signals] == [
        ("saved", placement.pk)
    ]


def test_recruiter_who_does_not_own_the_requisition_cannot_delete(api_client):
    placement = PlacementFactory()

    response = api_client.delete(detail(placement))

    assert response.status_code == 403
    assert Placement.objects.filter(pk=placement.pk).exists()


def test_owner_of_the_requisition_deletes_a_placement(api_client, recruiter, placement_signals):
    placement = PlacementFactory(requisition=RequisitionFactory(owners=[recruiter]))

    response = api_client.delete(detail(placement))

    assert response.status_code == 204
    assert not Placement.objects.filter(pk=placement.pk).exists()
    assert [(kind, kw["placement_id"]) for kind, kw in placement_signals] == [
        ("deleted", placement.pk)
    ]


def test_admin_deletes_any_placement(admin_api_client):
    placement = PlacementFactory()

    assert admin_api_client.delete(detail(placement)).status_code == 204
    assert not Placement.objects.exists()


def test_unknown_placement_is_404(api_client):
    assert api_client.get(f"{URL}999999/").status_code == 404
    assert api_client.patch(f"{URL}999999/", {"stage": "offer"}).status_code == 404
