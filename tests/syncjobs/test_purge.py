"""Purged-export notices: polled since the last successful check into the admins' queue."""

# ruff: noqa: F811  (pytest fixtures imported from their module and used as arguments)

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from candidates.models import MemberLink
from syncjobs.models import PurgeNotice, SyncRun
from syncjobs.purge import FIRST_CHECK_LOOKBACK, purge_check, purge_check_runs
from tests.candidates.factories import MemberLinkFactory
from tests.syncjobs.candidate_fakes import candidate_linkedin  # noqa: F401
from tests.syncjobs.linkedin_fakes import ORG
from tests.tracker_rsc.factories import enabled_integration
from tracker_rsc.linkedin import PurgedExport, TransientError
from tracker_rsc.models import Integration

pytestmark = pytest.mark.django_db
ENABLED = datetime(2026, 3, 1, tzinfo=UTC)


@pytest.fixture
def integration(db):
    integration = enabled_integration(ORG)
    Integration.objects.filter(pk=integration.pk).update(enabled_at=ENABLED)
    return integration


def notice(n: int, at: datetime, member: str = "") -> PurgedExport:
    return PurgedExport(id=f"purge-{n}", person_urn=member or f"urn:li:person:p{n}", purged_at=at)


def test_notices_are_stored_once_and_tied_to_the_linked_candidate(integration, candidate_linkedin):
    link = MemberLinkFactory(person_urn="urn:li:person:p1")
    candidate_linkedin.purged = [notice(1, ENABLED + timedelta(days=1)), notice(2, ENABLED)]

    [run] = purge_check_runs(now=ENABLED + timedelta(days=7))

    assert run.status == SyncRun.Status.SUCCEEDED and run.created == 2
    assert candidate_linkedin.purge_queries == [ENABLED - FIRST_CHECK_LOOKBACK]
    first = PurgeNotice.objects.get(notice_id="purge-1")
    assert first.candidate == link.candidate and first.resolved_at is None

    [again] = purge_check_runs(now=ENABLED + timedelta(days=14))
    assert candidate_linkedin.purge_queries[-1] == ENABLED + timedelta(days=7)
    assert again.created == 0 and PurgeNotice.objects.count() == 2


def test_a_notice_goes_to_the_active_link_else_to_the_link_that_ended_last(
    integration, candidate_linkedin
):
    """One member linked to Ann, unlinked, linked to Bob, unlinked, linked to Cy; then Cy's link
    ends too. Run on PostgreSQL as well: its NULLs sort last in ascending order."""
    member = "urn:li:person:moved"
    day = ENABLED - timedelta(days=100)
    ann = MemberLinkFactory(
        person_urn=member, linked_at=day, unlinked_at=day + timedelta(days=10)
    ).candidate
    bob = MemberLinkFactory(
        person_urn=member, linked_at=day + timedelta(days=20), unlinked_at=day + timedelta(days=30)
    ).candidate
    cy_link = MemberLinkFactory(person_urn=member, linked_at=day + timedelta(days=40))
    candidate_linkedin.purged = [notice(1, ENABLED, member)]

    purge_check_runs(now=ENABLED + timedelta(days=7))

    assert PurgeNotice.objects.get(notice_id="purge-1").candidate == cy_link.candidate

    # Cy's link ends: the notice goes to whoever held the member last, not to the first link.
    MemberLink.objects.filter(pk=cy_link.pk).update(unlinked_at=day + timedelta(days=50))
    candidate_linkedin.purged = [notice(2, ENABLED + timedelta(days=8), member)]
    purge_check_runs(now=ENABLED + timedelta(days=14))

    assert PurgeNotice.objects.get(notice_id="purge-2").candidate == cy_link.candidate
    # Ann's link is the oldest to end; Bob's ended before Cy's.
    assert {ann.pk, bob.pk}.isdisjoint(PurgeNotice.objects.values_list("candidate", flat=True))


def test_a_notice_follows_when_the_link_ended_not_when_it_began(integration, candidate_linkedin):
    member = "urn:li:person:history"
    day = ENABLED - timedelta(days=100)
    # Links kept from an older system: the later-begun link ended first.
    MemberLinkFactory(
        person_urn=member, linked_at=day + timedelta(days=5), unlinked_at=day + timedelta(days=6)
    )
    ended_last = MemberLinkFactory(
        person_urn=member, linked_at=day, unlinked_at=day + timedelta(days=9)
    )
    candidate_linkedin.purged = [notice(1, ENABLED, member)]

    purge_check_runs(now=ENABLED + timedelta(days=7))

    assert PurgeNotice.objects.get().candidate == ended_last.candidate


def test_a_failed_check_asks_again_from_the_same_point(integration, candidate_linkedin):
    candidate_linkedin.fail_next["iter_purged_exports"] = [TransientError("down", status=503)]
    [failed] = purge_check_runs(now=ENABLED + timedelta(days=7))
    assert failed.status == SyncRun.Status.FAILED

    purge_check()

    # The failed call never answered; the retry asks from the very same point.
    assert candidate_linkedin.purge_queries == [ENABLED - FIRST_CHECK_LOOKBACK]
    assert SyncRun.objects.filter(status=SyncRun.Status.SUCCEEDED).count() == 1


def test_the_admin_work_queue_marks_notices_resolved(integration, admin_client):
    PurgeNotice.objects.create(notice_id="purge-1", person_urn="urn:li:person:p1")

    response = admin_client.post(
        reverse("admin:syncjobs_purgenotice_changelist"),
        {"action": "resolve_selected", "_selected_action": [PurgeNotice.objects.get().pk]},
    )

    assert response.status_code == 302
    assert PurgeNotice.objects.get().resolved_at is not None
