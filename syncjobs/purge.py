"""Purged-export notices (docs/architecture.md §4.11): LinkedIn tells partners when exported
members' data was purged on its side; Tracker polls them at least every 30 days (weekly in beat)
into ``PurgeNotice``, the admins' work queue (``PurgeNoticeAdmin``: mark resolved).

One ``purge_check`` SyncRun asks for the notices purged since the end of the last successful
check (the first check starts ``FIRST_CHECK_LOOKBACK`` before the integration was enabled).
Notices are stored by LinkedIn's id, so a window read twice (an overlap, a retry after a
failure) never duplicates one; each is tied to the candidate whose link to that member is
active, else to the one whose link ended last (``purge_notice_candidate_id``). A
LinkedIn failure fails the run and the next check asks again from the same point.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from celery import shared_task
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from candidates.models import MemberLink
from syncjobs.models import PurgeNotice, SyncRun
from syncjobs.runs import (
    sync_run_error,
    sync_run_finish,
    sync_run_progress,
    sync_run_start,
    sync_runner,
)
from tracker_rsc.linkedin import LinkedInAPI, PurgedExport, get_client
from tracker_rsc.models import Integration

logger = logging.getLogger(__name__)

FIRST_CHECK_LOOKBACK = timedelta(days=30)


def purge_check_since(integration: Integration) -> datetime:
    """Where the next check starts: the end of the last successful one."""
    last = (
        SyncRun.objects.filter(
            kind=SyncRun.Kind.PURGE_CHECK,
            status=SyncRun.Status.SUCCEEDED,
            window_end__isnull=False,
        )
        .order_by("-window_end")
        .values_list("window_end", flat=True)
        .first()
    )
    if last is not None:
        return last
    return (integration.enabled_at or timezone.now()) - FIRST_CHECK_LOOKBACK


def purge_notice_candidate_id(person_urn: str) -> int | None:
    """The candidate a notice about this member is for: the one whose link is active, else the
    one whose link ended last (``None`` if the member was never linked).

    NULL ordering is spelled out: PostgreSQL sorts NULLs last in ascending order and SQLite
    first, so "active first" must not depend on the database's default.
    """
    return (
        MemberLink.objects.filter(person_urn=person_urn)
        .order_by(F("unlinked_at").desc(nulls_first=True), "-linked_at", "-id")
        .values_list("candidate_id", flat=True)
        .first()
    )


def purge_notice_store(*, purged: PurgedExport) -> bool:
    """Store one notice (idempotent by LinkedIn's id). True when it is new."""
    candidate_id = purge_notice_candidate_id(purged.person_urn)
    try:
        with transaction.atomic():
            _, created = PurgeNotice.objects.get_or_create(
                notice_id=purged.id,
                defaults={
                    "person_urn": purged.person_urn,
                    "candidate_id": candidate_id,
                    "purged_at": purged.purged_at,
                    "data": {
                        "id": purged.id,
                        "member": purged.person_urn,
                        "purgedAt": purged.purged_at.isoformat(),
                    },
                },
            )
    except IntegrityError:  # a concurrent check stored it a moment ago
        return False
    return created


@sync_runner("purge_check", help="Poll LinkedIn's purged-export notices (weekly in beat).")
def purge_check_runs(
    *, actor: Any = None, client: LinkedInAPI | None = None, now: datetime | None = None
) -> list[SyncRun]:
    integration = Integration.get()
    if not integration.is_enabled:
        logger.info("purge check: the integration is not enabled")
        return []
    since = purge_check_since(integration)
    until = now or timezone.now()
    run, _ = sync_run_start(
        kind=SyncRun.Kind.PURGE_CHECK, window_start=since, window_end=until, actor=actor
    )
    if run is None:
        logger.warning("purge check skipped: another one is running")
        return []
    client = client or get_client()
    total = created = 0
    try:
        for purged in client.iter_purged_exports(integration.organization_urn, since):
            total += 1
            created += int(purge_notice_store(purged=purged))
    except Exception as exc:
        logger.warning("purge check failed", exc_info=True)
        message = f"{type(exc).__name__}: {exc}"
        sync_run_progress(run, total=total, created=created)
        sync_run_error(run, message)
        sync_run_finish(
            run,
            status=SyncRun.Status.FAILED,
            error=f"Reading the notices failed; the next check asks again from "
            f"{since:%Y-%m-%d %H:%M} UTC: {message}",
        )
        return [run]
    sync_run_progress(
        run,
        total=total,
        processed=total,
        created=created,
        counters={"already_known": total - created} if total - created else None,
    )
    sync_run_finish(run, status=SyncRun.Status.SUCCEEDED)
    return [run]


@shared_task(name="syncjobs.tasks.purge_check")
def purge_check() -> dict[str, int]:
    """Weekly: poll the purged-export notices into the admins' work queue."""
    runs = purge_check_runs()
    return {
        "runs": len(runs),
        "new_notices": sum(run.created for run in runs),
        "failed": sum(1 for run in runs if run.status == SyncRun.Status.FAILED),
    }
