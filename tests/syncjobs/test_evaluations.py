# ruff: noqa: F401, F811  (pytest fixtures imported by name)
"""Hiring Assistant evaluations: connected vs unconnected jobs, unknown placements, the
resume-only basis, re-evaluation with history, idempotence."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from requisitions.models import Activity, Placement
from syncjobs.models import InboundNotification
from syncjobs.notifications import notification_process
from tests.candidates.factories import MemberLinkFactory
from tests.requisitions.factories import PlacementFactory, ProjectConnectionFactory
from tests.syncjobs.factories import InboundNotificationFactory
from tests.syncjobs.linkedin_fakes import ORG
from tests.syncjobs.rsc_fakes import evaluation, fake_rsc
from tests.tracker_rsc.factories import enabled_integration

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
PUSH = "APPLICATION_EVALUATION"
PROJECT = "urn:li:hiringProject:77"


@pytest.fixture
def connected(db, published):
    enabled_integration(ORG)
    placement = PlacementFactory()
    MemberLinkFactory(candidate=placement.candidate, person_urn="urn:li:person:Xy12")
    ProjectConnectionFactory(requisition=placement.requisition, project_urn=PROJECT)
    return placement


def push(fake_rsc, request_id: str, value) -> InboundNotification:
    fake_rsc.evaluations[request_id] = value
    notification = InboundNotificationFactory(event_type=PUSH, request_id=request_id)
    notification_process(notification_id=notification.pk)
    notification.refresh_from_db()
    return notification


def for_placement(placement: Placement, request_id: str, **kw):
    return evaluation(
        request_id,
        requisition_id=placement.requisition_id,
        candidate_id=placement.candidate_id,
        evaluated_at=kw.pop("evaluated_at", T0),
        **kw,
    )


def test_an_evaluation_on_a_connected_requisition_ranks_and_summarises(fake_rsc, connected):
    notification = push(fake_rsc, "ev1", for_placement(connected, "ev1"))
    assert notification.status == "processed", notification.error
    connected.refresh_from_db()
    assert (connected.rank, connected.rank_label, connected.evaluation_basis) == (
        "TOP",
        "Top candidate",
        "resume_and_profile",
    )
    assert connected.evaluated_at == T0
    summary = Activity.objects.get(kind="evaluation_summary")
    assert (summary.placement, summary.candidate, summary.requisition) == (
        connected,
        connected.candidate,
        connected.requisition,
    )
    assert summary.external_id == "ev1"
    assert "Rank: Top candidate" in summary.body
    assert "Meets 2 of 3 qualifications." in summary.body
    assert "Qualifications met: 2 of 3 (required: 2 of 2)" in summary.body
    assert "✗ Team lead experience" in summary.body
    assert "resume and the LinkedIn profile" in summary.body
    assert notification.placement == connected
    assert notification.result["placement_rank"] == "TOP"


def test_an_unlinked_candidate_is_evaluated_on_the_resume_only_and_the_activity_says_so(
    fake_rsc, connected
):
    connected.candidate.member_links.all().delete()
    push(fake_rsc, "ev1", for_placement(connected, "ev1", member=None, basis="RESUME_ONLY"))
    connected.refresh_from_db()
    assert connected.evaluation_basis == "resume_only"
    body = Activity.objects.get(kind="evaluation_summary").body
    assert "resume only: this candidate is not linked to a LinkedIn profile" in body


def test_no_member_behind_the_evaluation_means_resume_only_whatever_the_basis_says(
    fake_rsc, connected
):
    push(fake_rsc, "ev1", for_placement(connected, "ev1", member=None))
    connected.refresh_from_db()
    assert connected.evaluation_basis == "resume_only"


def test_a_candidate_without_a_tracker_link_is_resume_only_whatever_linkedin_says(
    fake_rsc, connected
):
    connected.candidate.member_links.all().delete()
    push(fake_rsc, "ev1", for_placement(connected, "ev1"))  # a member, RESUME_AND_PROFILE
    connected.refresh_from_db()
    assert connected.evaluation_basis == "resume_only"


def test_a_re_evaluation_adds_a_summary_and_moves_the_rank_history_stays(fake_rsc, connected):
    push(fake_rsc, "ev1", for_placement(connected, "ev1", rank="MAYBE"))
    again = push(
        fake_rsc,
        "ev2",
        for_placement(connected, "ev2", rank="QUALIFIED", evaluated_at=T0 + timedelta(days=1)),
    )
    assert again.result["rank_moved"] is True
    connected.refresh_from_db()
    assert connected.rank == "QUALIFIED"
    summaries = Activity.objects.filter(kind="evaluation_summary").order_by("occurred_at")
    assert [a.data["rank"] for a in summaries] == ["MAYBE", "QUALIFIED"]
    # A late delivery of an older evaluation is kept in the history but moves nothing back.
    late = push(
        fake_rsc,
        "ev0",
        for_placement(connected, "ev0", rank="NOT_A_FIT", evaluated_at=T0 - timedelta(days=1)),
    )
    assert late.status == "processed"
    connected.refresh_from_db()
    assert connected.rank == "QUALIFIED"
    assert Activity.objects.filter(kind="evaluation_summary").count() == 3


def test_processing_the_same_evaluation_twice_changes_nothing_twice(fake_rsc, connected):
    value = for_placement(connected, "ev1")
    push(fake_rsc, "ev1", value)
    from syncjobs.evaluations import evaluation_intake

    outcome = evaluation_intake(evaluation=value)
    assert outcome.result["rank_moved"] is False
    assert Activity.objects.filter(kind="evaluation_summary").count() == 1


def test_an_evaluation_of_an_unconnected_requisition_is_stored_and_ignored(fake_rsc, connected):
    connected.requisition.connections.update(active=False, state="disconnected")
    notification = push(fake_rsc, "ev1", for_placement(connected, "ev1"))
    assert notification.status == "ignored"
    assert "not actively connected" in notification.result["reason"]
    assert notification.result["rank"] == "TOP"  # what LinkedIn said is kept
    connected.refresh_from_db()
    assert connected.rank == ""
    assert not Activity.objects.filter(kind="evaluation_summary").exists()


@pytest.mark.parametrize(
    ("overrides", "words"),
    [
        ({"candidate_id": "999999"}, "unknown placement"),
        ({"requisition_id": "abc"}, "unknown placement"),
        ({"organization": "urn:li:organization:1"}, "not to this database's organization"),
        ({"project": "urn:li:hiringProject:5"}, "not to urn:li:hiringProject:5"),
    ],
)
def test_evaluations_tracker_cannot_apply_are_ignored_with_the_reason(
    fake_rsc, connected, overrides, words
):
    values = {
        "requisition_id": connected.requisition_id,
        "candidate_id": connected.candidate_id,
        "evaluated_at": T0,
        **overrides,
    }
    notification = push(fake_rsc, "ev1", evaluation("ev1", **values))
    assert notification.status == "ignored"
    assert words in notification.result["reason"]
    assert not Activity.objects.filter(kind="evaluation_summary").exists()


def test_the_rank_is_visible_to_every_user_through_the_api(fake_rsc, connected, api_client):
    push(fake_rsc, "ev1", for_placement(connected, "ev1", rank="QUALIFIED"))
    body = api_client.get(f"/api/v1/placements/{connected.pk}/").json()
    assert (body["rank"], body["rank_label"]) == ("QUALIFIED", "Qualified")
