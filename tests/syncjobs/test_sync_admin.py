"""The sync admin: the bulk run's progress, counters, skip reasons, errors; reconciliation."""

from __future__ import annotations

import pytest
from django.urls import reverse

from syncjobs.models import SyncRun
from tests.candidates.factories import CandidateFactory, MemberLinkFactory
from tests.syncjobs.linkedin_fakes import ORG
from tests.tracker_rsc.factories import UserFactory, enabled_integration

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(db):
    return SyncRun.objects.create(
        kind=SyncRun.Kind.BULK_SYNC,
        status=SyncRun.Status.RUNNING,
        lock_key="bulk_sync:-:-",
        total=200,
        processed=90,
        failed=2,
        linked=40,
        skipped={"missing_email": 10},
        counters={"sent": 90, "accepted": 88, "ambiguous": 3},
        errors=[{"at": "2026-03-01T00:00:00Z", "error": "candidate 7: LinkedIn refused it"}],
    )


def test_run_page_shows_progress_counters_skip_reasons_and_errors(admin_client, run):
    page = admin_client.get(reverse("admin:syncjobs_syncrun_change", args=[run.pk]))

    text = page.content.decode()
    assert page.status_code == 200
    assert '<progress value="50"' in text  # (90 processed + 10 skipped) of 200
    assert "missing email" in text and "candidate 7: LinkedIn refused it" in text
    assert "accepted" in text and "88" in text
    listing = admin_client.get(reverse("admin:syncjobs_syncrun_changelist"))
    assert "reconciliation page" in listing.content.decode()


def test_reconciliation_compares_tracker_with_what_linkedin_accepted(admin_client, run):
    from django.utils import timezone

    enabled_integration(ORG)
    accepted = CandidateFactory(linkedin_synced_at=timezone.now())
    CandidateFactory(linkedin_sync_error="LinkedIn: emailAddresses invalid")
    CandidateFactory(email="")  # not eligible: no email, no link
    MemberLinkFactory(candidate=accepted, method="bulk_sync")

    page = admin_client.get(reverse("admin:syncjobs_syncrun_reconciliation"))

    assert page.status_code == 200
    rows = {row.label: row for row in page.context["rows"]}
    assert rows["Candidates in Tracker"].tracker == 3
    assert rows["Eligible now (window, names, email or link)"].tracker == 2
    assert rows["Accepted by LinkedIn (bulk and live sync)"].tracker == 1
    assert rows["Accepted by LinkedIn (bulk and live sync)"].linkedin == 88
    assert rows["Refused by LinkedIn (last answer)"].tracker == 1
    assert rows["Never sent (eligible, not accepted, not refused)"].tracker == 0
    assert rows["  linked by Bulk sync"].tracker == 1


def test_reconciliation_needs_the_view_permission(client):
    user = UserFactory(is_staff=True)
    client.force_login(user)

    response = client.get(reverse("admin:syncjobs_syncrun_reconciliation"))

    assert response.status_code == 403
