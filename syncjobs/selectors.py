"""Reads about the state of synchronisation."""

from __future__ import annotations

from datetime import UTC, datetime

from syncjobs.models import OutboxEvent, SyncRun
from tracker_rsc.models import Integration


def bulk_sync_completed(organization_urn: str | None = None) -> bool:
    """Live sync waits for the bulk sync: True once a bulk sync has succeeded for the
    organization (by default the integration's): enabling for another organization after an
    error waits for that organization's own bulk sync."""
    if organization_urn is None:
        organization_urn = (
            Integration.objects.values_list("organization_urn", flat=True).first() or ""
        )
    if not organization_urn:
        return False
    return SyncRun.objects.filter(
        kind=SyncRun.Kind.BULK_SYNC,
        status=SyncRun.Status.SUCCEEDED,
        cursor__organization_urn=organization_urn,
    ).exists()


def integration_active() -> bool:
    """Whether changes must be recorded for LinkedIn (outbox events are written).

    True while enabled, and also while in ``error``: an integration in error was enabled and
    will be again, so what changes meanwhile (a deletion, an erasure) must wait in the outbox
    instead of being lost. Sending is a separate question (``integration_sending``).
    """
    return Integration.objects.filter(
        status__in=[Integration.Status.ENABLED, Integration.Status.ERROR]
    ).exists()


def integration_sending() -> bool:
    """Whether outbox events may go to LinkedIn now: only while the integration is enabled."""
    return Integration.objects.filter(status=Integration.Status.ENABLED).exists()


def application_was_sent(*, placement_id: int | str) -> bool:
    """Whether this placement ever reached LinkedIn as an application."""
    return OutboxEvent.objects.filter(
        aggregate="application",
        object_id=str(placement_id),
        kind=OutboxEvent.Kind.APPLICATION_UPSERT,
        status=OutboxEvent.Status.SENT,
    ).exists()


def export_counts_this_month(*, now: datetime | None = None) -> dict[int, int]:
    """Export to ATS activities per LinkedIn seat id in this calendar month (UTC).

    What the admin shows against LinkedIn's quota (settings.LINKEDIN_EXPORTS_PER_SEAT_PER_MONTH,
    300 per seat per month). One export is one ``export`` activity (re-processing a
    notification updates it, never adds one); exports by seats unknown to Tracker are not
    counted. One grouped query over the (kind, seat, occurred_at) index.
    """
    from django.db.models import Count
    from django.utils import timezone

    from requisitions.models import Activity

    now = now or timezone.now()
    month_start = now.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    rows = (
        Activity.objects.filter(
            kind=Activity.Kind.EXPORT, seat__isnull=False, occurred_at__gte=month_start
        )
        .values("seat")
        .annotate(count=Count("id"))
        .order_by()
    )
    return {row["seat"]: row["count"] for row in rows}
