"""Reads about the state of synchronisation."""

from __future__ import annotations

from syncjobs.models import OutboxEvent, SyncRun
from tracker_rsc.models import Integration


def bulk_sync_completed() -> bool:
    """Live sync waits for the bulk sync: True once a bulk sync run has succeeded."""
    return SyncRun.objects.filter(
        kind=SyncRun.Kind.BULK_SYNC, status=SyncRun.Status.SUCCEEDED
    ).exists()


def integration_active() -> bool:
    return Integration.objects.filter(status=Integration.Status.ENABLED).exists()


def application_was_sent(*, placement_id: int | str) -> bool:
    """Whether this placement ever reached LinkedIn as an application."""
    return OutboxEvent.objects.filter(
        aggregate="application",
        object_id=str(placement_id),
        kind=OutboxEvent.Kind.APPLICATION_UPSERT,
        status=OutboxEvent.Status.SENT,
    ).exists()
