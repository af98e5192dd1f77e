"""Deletion and erasure reach LinkedIn (candidate and applications), audited on the tombstone,
and are never lost while the integration is in error; erasure also removes the InMails and
notes waiting for the erased member to be linked."""

# ruff: noqa: F811  (pytest fixtures imported from their module and used as arguments)

from __future__ import annotations

import pytest
from django.utils import timezone

from candidates import services as candidate_services
from requisitions.models import Activity
from syncjobs.models import OutboxEvent, SyncRun
from syncjobs.tasks import outbox_redrive
from tests.candidates.factories import CandidateFactory, MemberLinkFactory
from tests.requisitions.factories import ActivityFactory, PlacementFactory
from tests.syncjobs.candidate_fakes import candidate_linkedin  # noqa: F401
from tests.syncjobs.linkedin_fakes import ORG, published  # noqa: F401
from tests.tracker_rsc.factories import enabled_integration
from tracker_rsc.models import Integration

pytestmark = pytest.mark.django_db


@pytest.fixture
def integration(db):
    integration = enabled_integration(ORG)
    SyncRun.objects.create(
        kind=SyncRun.Kind.BULK_SYNC,
        status=SyncRun.Status.SUCCEEDED,
        lock_key="bulk_sync:-:-",
        cursor={"organization_urn": ORG},
    )
    return integration


def test_erasure_deletes_the_candidate_and_its_sent_applications_and_stamps_the_tombstone(
    integration, candidate_linkedin, published
):
    candidate = CandidateFactory()
    sent_placement = PlacementFactory(candidate=candidate)
    OutboxEvent.objects.create(
        kind=OutboxEvent.Kind.APPLICATION_UPSERT,
        aggregate="application",
        object_id=str(sent_placement.pk),
        status=OutboxEvent.Status.SENT,
    )
    candidate_id = candidate.pk

    tombstone = candidate_services.candidate_erase(candidate=candidate, reason="GDPR request")

    queued = set(
        OutboxEvent.objects.filter(status=OutboxEvent.Status.PENDING).values_list(
            "kind", "object_id"
        )
    )
    assert queued == {
        (OutboxEvent.Kind.CANDIDATE_DELETE, str(candidate_id)),
        (OutboxEvent.Kind.APPLICATION_DELETE, str(sent_placement.pk)),
    }
    assert tombstone.linkedin_deleted_at is None
    outbox_redrive()
    assert str(candidate_id) in candidate_linkedin.deleted
    assert candidate_linkedin.deleted_applications == [str(sent_placement.pk)]
    tombstone.refresh_from_db()
    assert tombstone.linkedin_deleted_at is not None and tombstone.reason == "GDPR request"


def test_an_erasure_while_the_integration_is_in_error_waits_then_goes(
    integration, candidate_linkedin, published
):
    candidate = CandidateFactory()
    candidate_id = candidate.pk
    Integration.objects.update(status=Integration.Status.ERROR, last_error="LinkedIn reports off")

    candidate_services.candidate_erase(candidate=candidate, reason="GDPR request")
    outbox_redrive()

    event = OutboxEvent.objects.get(kind=OutboxEvent.Kind.CANDIDATE_DELETE)
    assert event.status == OutboxEvent.Status.PENDING and event.attempts == 0
    assert candidate_linkedin.deleted == []

    Integration.objects.update(status=Integration.Status.ENABLED, last_error="")
    OutboxEvent.objects.update(next_attempt_at=timezone.now())
    outbox_redrive()

    event.refresh_from_db()
    assert event.status == OutboxEvent.Status.SENT
    assert candidate_linkedin.deleted == [str(candidate_id)]


def test_nothing_is_written_while_the_integration_was_never_enabled(candidate_linkedin, db):
    candidate = CandidateFactory()

    candidate_services.candidate_delete(candidate=candidate)

    assert not OutboxEvent.objects.exists()


def waiting_activity(person_urn: str, external_id: str, kind: str = Activity.Kind.INMAIL):
    """An InMail or note the interactions sync stored for a member linked to no candidate."""
    return ActivityFactory(
        kind=kind, candidate=None, person_urn=person_urn, external_id=external_id
    )


def test_erasure_deletes_the_activities_waiting_for_the_erased_member(integration):
    candidate = CandidateFactory()
    link = MemberLinkFactory(candidate=candidate, person_urn="urn:li:person:gone")
    candidate_services.member_link_unlink(link=link, reason="checked with the recruiter")
    # Arrived while the member was unlinked: kept with the person URN only.
    waiting_activity("urn:li:person:gone", "e1")
    waiting_activity("urn:li:person:gone", "n1", kind=Activity.Kind.NOTE)
    other = waiting_activity("urn:li:person:someone-else", "e2")
    own = ActivityFactory(candidate=candidate, person_urn="urn:li:person:gone")

    candidate_services.candidate_erase(candidate=candidate, reason="GDPR request")

    assert list(Activity.objects.all()) == [other]
    assert not Activity.objects.filter(pk=own.pk).exists()


def test_a_plain_delete_keeps_the_activities_waiting_for_the_member(integration):
    candidate = CandidateFactory()
    link = MemberLinkFactory(candidate=candidate, person_urn="urn:li:person:kept")
    candidate_services.member_link_unlink(link=link)
    waiting = waiting_activity("urn:li:person:kept", "e1")

    candidate_services.candidate_delete(candidate=candidate)

    # Not erased: the member may be linked to another candidate, who then gets them.
    assert list(Activity.objects.filter(kind=Activity.Kind.INMAIL)) == [waiting]
