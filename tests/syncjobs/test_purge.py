"""Purged-export notices: polled since the last successful check into the admins' queue."""

# ruff: noqa: F811  (pytest fixtures imported from their module and used as arguments)

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

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
