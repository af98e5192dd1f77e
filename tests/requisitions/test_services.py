"""requisitions.services: effects, refusals that change nothing, and the domain signals sent."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from candidates import services as candidate_services
from candidates.models import MemberLink
from requisitions import services, signals
from requisitions.models import Activity, Placement, ProjectConnection, Requisition
from tests.candidates.factories import CandidateFactory
from tests.requisitions.factories import (
    ActivityFactory,
    PlacementFactory,
    ProjectConnectionFactory,
    RequisitionFactory,
)
from tests.tracker_rsc.factories import ContractFactory, LinkedInSeatFactory, UserFactory

pytestmark = pytest.mark.django_db


# --- requisitions ---------------------------------------------------------------------------


def test_requisition_create_sets_owners_and_sends_requisition_saved(capture_signal):
    saved = capture_signal(signals.requisition_saved)
    owners = [UserFactory(), UserFactory()]
    actor = UserFactory()

    requisition = services.requisition_create(
        owners=owners,
        actor=actor,
        title="Data Engineer",
        kind=Requisition.Kind.EVERGREEN,
        availability=Requisition.Availability.PUBLIC,
    )

    stored = Requisition.objects.get()
    assert stored == requisition
    assert (stored.title, stored.kind, stored.availability) == (
        "Data Engineer",
        "evergreen",
        "public",
    )
    assert stored.status == Requisition.Status.OPEN
    assert stored.closed_at is None
    assert stored.created_by == actor
    assert set(stored.owners.all()) == set(owners)
    assert saved == [
        {
            "sender": Requisition,
            "signal": signals.requisition_saved,
            "requisition": requisition,
            "created": True,
        }
    ]


def test_requisition_created_closed_is_stamped_closed():
    requisition = services.requisition_create(
        owners=[UserFactory()], title="Old job", status=Requisition.Status.FILLED
    )

    assert requisition.closed_at is not None


def test_requisition_create_without_owners_writes_nothing(capture_signal):
    saved = capture_signal(signals.requisition_saved)

    with pytest.raises(ValidationError) as excinfo:
        services.requisition_create(owners=[], title="Nobody's job")

    assert excinfo.value.message_dict == {"owners": ["A requisition needs at least one owner."]}
    assert not Requisition.objects.exists()
    assert saved == []


@pytest.mark.parametrize(
    "fields", [{"title": ""}, {"title": "Job", "status": "paused"}, {"title": "J", "kind": "x"}]
)
def test_requisition_create_with_invalid_fields_writes_nothing(fields):
    with pytest.raises(ValidationError):
        services.requisition_create(owners=[UserFactory()], **fields)

    assert not Requisition.objects.exists()


def test_requisition_create_refuses_unknown_fields():
    with pytest.raises(TypeError, match="closed_at"):
        services.requisition_create(owners=[UserFactory()], title="Job", closed_at=None)


def test_requisition_update_changes_fields_and_owners(capture_signal):
    requisition = RequisitionFactory(title="Old title")
    new_owner = UserFactory()
    saved = capture_signal(signals.requisition_saved)

    services.requisition_update(
        requisition=requisition, owners=[new_owner], title="New title", location="Leeds"
    )

    stored = Requisition.objects.get(pk=requisition.pk)
    assert (stored.title, stored.location) == ("New title", "Leeds")
    assert list(stored.owners.all()) == [new_owner]
    assert [(call["requisition"].pk, call["created"]) for call in saved] == [
        (requisition.pk, False)
    ]


def test_requisition_update_stamps_closing_and_clears_it_on_reopening():
    requisition = RequisitionFactory()

    services.requisition_update(requisition=requisition, status=Requisition.Status.CLOSED)
    closed_at = Requisition.objects.get(pk=requisition.pk).closed_at
    services.requisition_update(requisition=requisition, title="Still closed")
    still_closed_at = Requisition.objects.get(pk=requisition.pk).closed_at
    services.requisition_update(requisition=requisition, status=Requisition.Status.OPEN)

    assert closed_at is not None
    assert still_closed_at == closed_at
    assert Requisition.objects.get(pk=requisition.pk).closed_at is None


def test_requisition_update_with_no_owners_changes_nothing(capture_signal):
    owner = UserFactory()
    requisition = RequisitionFactory(title="Kept", owners=[owner])
    saved = capture_signal(signals.requisition_saved)

    with pytest.raises(ValidationError):
        services.requisition_update(requisition=requisition, owners=[], title="Changed")

    stored = Requisition.objects.get(pk=requisition.pk)
    assert stored.title == "Kept"
    assert list(stored.owners.all()) == [owner]
    assert saved == []


@pytest.mark.parametrize("status", [Requisition.Status.CLOSED, Requisition.Status.FILLED])
def test_requisition_close(status, capture_signal):
    requisition = RequisitionFactory()
    saved = capture_signal(signals.requisition_saved)

    services.requisition_close(requisition=requisition, status=status)

    stored = Requisition.objects.get(pk=requisition.pk)
    assert stored.status == status
    assert stored.closed_at is not None
    assert len(saved) == 1


def test_requisition_close_refuses_open_as_a_closing_status():
    requisition = RequisitionFactory()

    with pytest.raises(ValidationError):
        services.requisition_close(requisition=requisition, status=Requisition.Status.OPEN)

    assert Requisition.objects.get(pk=requisition.pk).status == Requisition.Status.OPEN


def test_requisition_delete_sends_a_snapshot(capture_signal):
    placement = PlacementFactory()
    requisition = placement.requisition
    requisition_id = requisition.pk
    deleted = capture_signal(signals.requisition_deleted)

    services.requisition_delete(requisition=requisition)

    assert not Requisition.objects.filter(pk=requisition_id).exists()
    assert not Placement.objects.exists()
    assert deleted == [
        {
            "sender": Requisition,
            "signal": signals.requisition_deleted,
            "requisition_id": requisition_id,
            "snapshot": {
                "id": requisition_id,
                "title": requisition.title,
                "description": requisition.description,
                "location": requisition.location,
                "availability": requisition.availability,
                "created_at": requisition.created_at.isoformat(),
                "was_synced": False,
                "placement_ids": [placement.pk],
            },
        }
    ]


def test_requisition_is_connected_only_with_an_active_connection():
    connected = ProjectConnectionFactory().requisition
    disconnected = ProjectConnectionFactory(
        state=ProjectConnection.State.DISCONNECTED, active=False
    ).requisition

    assert services.requisition_is_connected(requisition=connected) is True
    assert services.requisition_is_connected(requisition=disconnected) is False
    assert services.requisition_is_connected(requisition=RequisitionFactory()) is False


# --- placements -----------------------------------------------------------------------------


def test_placement_create_shortlists_and_sends_placement_saved(capture_signal):
    candidate, requisition = CandidateFactory(), RequisitionFactory()
    actor = UserFactory()
    saved = capture_signal(signals.placement_saved)

    placement = services.placement_create(
        candidate=candidate,
        requisition=requisition,
        source=Placement.Source.EXPORT_TO_ATS,
        actor=actor,
    )

    stored = Placement.objects.get()
    assert stored == placement
    assert (stored.candidate, stored.requisition, stored.added_by) == (
        candidate,
        requisition,
        actor,
    )
    assert (stored.stage, stored.source) == ("shortlisted", "export_to_ats")
    assert saved == [
        {
            "sender": Placement,
            "signal": signals.placement_saved,
            "placement": placement,
            "created": True,
        }
    ]


@pytest.mark.parametrize("status", [Requisition.Status.CLOSED, Requisition.Status.FILLED])
def test_placement_create_refuses_a_requisition_that_is_not_open(status, capture_signal):
    requisition = RequisitionFactory(title="Closed job", status=status)
    saved = capture_signal(signals.placement_saved)

    with pytest.raises(ValidationError) as excinfo:
        services.placement_create(candidate=CandidateFactory(), requisition=requisition)

    assert (
        "only open requisitions take new candidates" in excinfo.value.message_dict["requisition"][0]
    )
    assert not Placement.objects.exists()
    assert saved == []


def test_placement_create_refuses_a_second_placement_of_the_pair(capture_signal):
    existing = PlacementFactory()
    saved = capture_signal(signals.placement_saved)

    with pytest.raises(ValidationError) as excinfo:
        services.placement_create(candidate=existing.candidate, requisition=existing.requisition)

    assert excinfo.value.message_dict == {
        "candidate": ["This candidate is already on this requisition's shortlist."]
    }
    assert Placement.objects.count() == 1
    assert saved == []


def test_placement_create_refuses_an_unknown_stage():
    with pytest.raises(ValidationError):
        services.placement_create(
            candidate=CandidateFactory(), requisition=RequisitionFactory(), stage="hired?"
        )

    assert not Placement.objects.exists()


def test_placement_get_or_create():
    candidate, requisition = CandidateFactory(), RequisitionFactory()

    first, created = services.placement_get_or_create(candidate=candidate, requisition=requisition)
    again, created_again = services.placement_get_or_create(
        candidate=candidate, requisition=requisition
    )

    assert (created, created_again) == (True, False)
    assert first == again
    assert Placement.objects.count() == 1


def test_placement_set_stage(capture_signal):
    placement = PlacementFactory()
    saved = capture_signal(signals.placement_saved)

    services.placement_set_stage(placement=placement, stage=Placement.Stage.INTERVIEW)

    assert Placement.objects.get(pk=placement.pk).stage == Placement.Stage.INTERVIEW
    assert [(call["placement"].pk, call["created"]) for call in saved] == [(placement.pk, False)]


def test_placement_set_stage_refuses_an_unknown_stage(capture_signal):
    placement = PlacementFactory()
    saved = capture_signal(signals.placement_saved)

    with pytest.raises(ValidationError):
        services.placement_set_stage(placement=placement, stage="hired?")

    assert Placement.objects.get(pk=placement.pk).stage == Placement.Stage.SHORTLISTED
    assert saved == []


def test_placement_delete_sends_a_snapshot(capture_signal):
    placement = PlacementFactory()
    placement_id = placement.pk
    deleted = capture_signal(signals.placement_deleted)

    services.placement_delete(placement=placement)

    assert not Placement.objects.exists()
    assert deleted == [
        {
            "sender": Placement,
            "signal": signals.placement_deleted,
            "placement_id": placement_id,
            "snapshot": {
                "id": placement_id,
                "candidate_id": placement.candidate_id,
                "requisition_id": placement.requisition_id,
            },
        }
    ]


# --- activities -----------------------------------------------------------------------------


def test_activity_record_without_external_id_always_creates():
    candidate = CandidateFactory()

    for _ in range(2):
        _activity, created = services.activity_record(
            kind=Activity.Kind.SYSTEM, candidate=candidate, subject="Saved"
        )
        assert created is True

    assert candidate.activities.count() == 2


def test_activity_record_is_idempotent_on_external_id():
    candidate = CandidateFactory()
    seat, contract = LinkedInSeatFactory(), ContractFactory()
    occurred = timezone.now() - timedelta(hours=1)

    first, created = services.activity_record(
        kind=Activity.Kind.INMAIL,
        candidate=candidate,
        external_id="conv-1",
        subject="Hello",
        body="First delivery",
        occurred_at=occurred,
        seat=seat,
        contract=contract,
        data={"direction": "OUTBOUND"},
    )
    again, created_again = services.activity_record(
        kind=Activity.Kind.INMAIL,
        candidate=candidate,
        external_id="conv-1",
        subject="Hello",
        body="Re-delivered",
        occurred_at=occurred,
    )

    assert (created, created_again) == (True, False)
    assert first.pk == again.pk
    stored = Activity.objects.get()
    assert stored.body == "Re-delivered"
    assert stored.occurred_at == occurred
    # The same external id under another kind is another activity.
    _, other_kind = services.activity_record(
        kind=Activity.Kind.NOTE, candidate=candidate, external_id="conv-1"
    )
    assert other_kind is True


def test_activity_record_on_a_placement_fills_candidate_and_requisition():
    placement = PlacementFactory()

    activity, _ = services.activity_record(
        kind=Activity.Kind.EVALUATION_SUMMARY, placement=placement, subject="x" * 400
    )

    assert (activity.candidate, activity.requisition) == (
        placement.candidate,
        placement.requisition,
    )
    assert len(activity.subject) == 300


def test_activity_record_refuses_an_unknown_kind():
    with pytest.raises(ValidationError):
        services.activity_record(kind="tweet", candidate=CandidateFactory())

    assert not Activity.objects.exists()


def test_activity_delete_external_removes_only_that_item():
    ActivityFactory(kind=Activity.Kind.NOTE, external_id="n1")
    ActivityFactory(kind=Activity.Kind.NOTE, external_id="n2")
    ActivityFactory(kind=Activity.Kind.INMAIL, external_id="n1")

    assert services.activity_delete_external(kind=Activity.Kind.NOTE, external_id="n1") == 1
    assert services.activity_delete_external(kind=Activity.Kind.NOTE, external_id="n1") == 0
    assert sorted(Activity.objects.values_list("kind", "external_id")) == [
        ("inmail", "n1"),
        ("note", "n2"),
    ]


def test_attach_member_activities_when_the_member_is_linked():
    waiting = ActivityFactory(
        kind=Activity.Kind.INMAIL, candidate=None, person_urn="urn:li:person:a", external_id="i1"
    )
    other_member = ActivityFactory(
        kind=Activity.Kind.INMAIL, candidate=None, person_urn="urn:li:person:b", external_id="i2"
    )
    already_elsewhere = ActivityFactory(kind=Activity.Kind.NOTE, person_urn="urn:li:person:a")
    candidate = CandidateFactory()

    candidate_services.member_link_create(
        candidate=candidate,
        person_urn="urn:li:person:a",
        method=MemberLink.Method.BULK_SYNC,
        matched_on=MemberLink.MatchedOn.LINKEDIN,
    )

    waiting.refresh_from_db()
    other_member.refresh_from_db()
    already_elsewhere.refresh_from_db()
    assert waiting.candidate == candidate
    assert other_member.candidate is None
    assert already_elsewhere.candidate != candidate
