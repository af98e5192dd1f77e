"""The admins' sync dashboard and its JSON progress endpoint."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from candidates.models import MatchReview
from requisitions.models import Activity
from syncjobs.models import InboundNotification, OutboxEvent, PurgeNotice, SyncRun
from tests.candidates.factories import CandidateFactory
from tests.requisitions.factories import ActivityFactory
from tests.syncjobs.factories import (
    InboundNotificationFactory,
    OutboxEventFactory,
    SyncRunFactory,
)
from tests.tracker_rsc.factories import LinkedInSeatFactory, enabled_integration
from tracker_rsc.models import Integration

pytestmark = pytest.mark.django_db


def test_dashboard_shows_integration_and_credentials(admin_client_, settings):
    integration = enabled_integration("urn:li:organization:555")
    integration.last_error = "Token endpoint said: invalid_client"
    integration.save()
    settings.LINKEDIN_CLIENT_ID = ""
    html = admin_client_.get("/admin/dashboard/").content.decode()
    assert "urn:li:organization:555" in html
    assert integration.callback_path in html
    assert "Missing: set LINKEDIN_CLIENT_ID" in html
    assert "Token endpoint said: invalid_client" in html


def test_dashboard_states_the_bulk_sync_window_in_calendar_years(admin_client_):
    integration = enabled_integration()
    Integration.objects.filter(pk=integration.pk).update(
        enabled_at=datetime(2028, 2, 29, 10, 0, tzinfo=UTC)
    )

    html = admin_client_.get("/admin/dashboard/").content.decode()

    assert (
        "Candidates last updated since 28 Feb 2026 (two calendar years before the day the "
        "integration was enabled)" in html
    )


def test_bulk_sync_progress_counters_and_skip_reasons(admin_client_):
    SyncRunFactory(status=SyncRun.Status.SUCCEEDED, total=10, processed=10)
    SyncRunFactory(
        status=SyncRun.Status.RUNNING,
        total=1000,
        processed=400,
        linked=250,
        skipped={"no_email": 80, "no_name": 20},
        created_at=timezone.now() + timedelta(seconds=1),
    )
    html = admin_client_.get("/admin/dashboard/").content.decode()
    assert 'id="bulk-percent">50<' in html  # (400 + 100) / 1000
    assert 'style="width: 50%"' in html
    assert 'id="bulk-linked">250<' in html
    assert "no email" in html and "<strong>80</strong>" in html


def test_progress_endpoint_follows_the_running_run(admin_client_):
    run = SyncRunFactory(status=SyncRun.Status.RUNNING, total=200, processed=20)
    first = admin_client_.get("/admin/dashboard/progress.json").json()
    SyncRun.objects.filter(pk=run.pk).update(processed=150, linked=90)
    second = admin_client_.get("/admin/dashboard/progress.json").json()
    assert (first["bulk_sync"]["percent"], second["bulk_sync"]["percent"]) == (10, 75)
    assert second["bulk_sync"]["linked"] == 90
    assert second["bulk_sync"]["active"] is True


def test_last_run_of_each_periodic_kind(admin_client_):
    SyncRunFactory(
        kind=SyncRun.Kind.INMAIL_SYNC,
        status=SyncRun.Status.SUCCEEDED,
        processed=3,
        created_at=timezone.now() - timedelta(hours=2),
    )
    SyncRunFactory(
        kind=SyncRun.Kind.INMAIL_SYNC,
        status=SyncRun.Status.FAILED,
        error="LinkedIn answered 503",
        processed=7,
    )
    payload = admin_client_.get("/admin/dashboard/progress.json").json()
    by_kind = {item["kind"]: item["run"] for item in payload["periodic"]}
    assert by_kind["inmail_sync"]["status"] == "failed"
    assert by_kind["inmail_sync"]["processed"] == 7
    assert by_kind["stub_import"] is None
    assert "bulk_sync" not in by_kind
    html = admin_client_.get("/admin/dashboard/").content.decode()
    assert "LinkedIn answered 503" in html


def test_outbox_notifications_reviews_and_purge_counts(admin_client_):
    OutboxEventFactory.create_batch(3, status=OutboxEvent.Status.PENDING)
    OutboxEventFactory.create_batch(2, status=OutboxEvent.Status.DEAD)
    OutboxEventFactory(status=OutboxEvent.Status.SENT)
    InboundNotificationFactory(status=InboundNotification.Status.FAILED)
    InboundNotificationFactory.create_batch(2, status=InboundNotification.Status.REJECTED)
    candidate = CandidateFactory(first_name="Ambi", last_name="Guous")
    MatchReview.objects.create(
        kind=MatchReview.Kind.AMBIGUOUS_MATCH,
        candidate=candidate,
        person_urns=["urn:li:person:a", "urn:li:person:b"],
        detail="LinkedIn matched 2 members",
    )
    MatchReview.objects.create(
        kind=MatchReview.Kind.POSSIBLE_DUPLICATE,
        candidate=CandidateFactory(),
        resolved_at=timezone.now(),
    )
    PurgeNotice.objects.create(notice_id="purge-1", person_urn="urn:li:person:gone")
    PurgeNotice.objects.create(notice_id="purge-2", resolved_at=timezone.now())
    payload = admin_client_.get("/admin/dashboard/progress.json").json()
    assert payload["outbox"] == {"pending": 3, "sending": 0, "failed": 0, "dead": 2}
    assert payload["notifications"] == {"failed": 1, "rejected": 2}
    assert payload["reviews"] == {"ambiguous_match": 1, "possible_duplicate": 0}
    assert payload["purge_notices"] == 1
    html = admin_client_.get("/admin/dashboard/").content.decode()
    assert "Ambi Guous" in html and "LinkedIn matched 2 members" in html
    assert "purge-1" in html and "purge-2" not in html


def test_export_quota_counts_this_months_exports_per_seat(admin_client_, settings):
    settings.LINKEDIN_EXPORTS_PER_SEAT_PER_MONTH = 4
    busy = LinkedInSeatFactory(first_name="Busy", last_name="Bee")
    idle = LinkedInSeatFactory(first_name="Idle", last_name="Ida")
    for _ in range(4):
        ActivityFactory(kind=Activity.Kind.EXPORT, seat=busy)
    ActivityFactory(
        kind=Activity.Kind.EXPORT, seat=idle, occurred_at=timezone.now() - timedelta(days=40)
    )
    html = admin_client_.get("/admin/dashboard/").content.decode()
    busy_row = html.split(f'data-seat="{busy.seat_urn}"')[1].split("</tr>")[0]
    idle_row = html.split(f'data-seat="{idle.seat_urn}"')[1].split("</tr>")[0]
    assert "4 / 4" in busy_row and "quota-full" in busy_row
    assert "0 / 4" in idle_row


def test_dashboard_queries_stay_bounded(admin_client_, django_assert_max_num_queries):
    for kind in SyncRun.Kind.values:
        for _ in range(2):
            SyncRunFactory(kind=kind, status=SyncRun.Status.SUCCEEDED)
    for _ in range(8):
        MatchReview.objects.create(
            kind=MatchReview.Kind.AMBIGUOUS_MATCH, candidate=CandidateFactory()
        )
        LinkedInSeatFactory()
    for i in range(8):
        PurgeNotice.objects.create(notice_id=f"p{i}", candidate=CandidateFactory())
    with django_assert_max_num_queries(20):
        admin_client_.get("/admin/dashboard/")
    with django_assert_max_num_queries(12):
        admin_client_.get("/admin/dashboard/progress.json")
