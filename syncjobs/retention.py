"""Retention: delete what the integration no longer needs, in small batches.

Three kinds of rows grow forever with a busy integration:

- **outbox events** that were sent (settled) longer ago than ``PRUNE_OUTBOX_DAYS``;
- **notifications** from LinkedIn that were processed, ignored (processed with a reason) or
  rejected, received longer ago than ``PRUNE_NOTIFICATIONS_DAYS``;
- **sync runs** that finished longer ago than ``PRUNE_SYNC_RUNS_DAYS``.

What an audit or the product still needs is never deleted: outbox events and notifications
that are pending, being worked on, failed, dead or held for an admin; running or pending runs;
every bulk sync run (live sync waits for the organization's succeeded bulk sync, and a new bulk
sync resumes from the last one's cursor); the newest finished run of each kind and scope (the
admin's "last run"); runs that an open held record points at. Erasure tombstones, member links,
activities, purge notices and the admin log are not touched at all.

Each batch is selected by primary key order (keyset, so no table is scanned twice and no new
index is needed) and deleted in its own short transaction, re-checking the row's condition,
so a row that changed meanwhile (a notification replayed by an admin) is kept. Idempotent:
running it twice deletes nothing the second time.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from celery import shared_task
from django.conf import settings
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from syncjobs.models import HeldRecord, InboundNotification, OutboxEvent, SyncRun

logger = logging.getLogger(__name__)

FINISHED_RUN_STATUSES = (
    SyncRun.Status.SUCCEEDED,
    SyncRun.Status.FAILED,
    SyncRun.Status.CANCELLED,
)
SETTLED_NOTIFICATION_STATUSES = (
    InboundNotification.Status.PROCESSED,
    InboundNotification.Status.IGNORED,
    InboundNotification.Status.REJECTED,
)


def _settled_outbox(cutoff: datetime) -> Q:
    return Q(status=OutboxEvent.Status.SENT, updated_at__lt=cutoff)


def _settled_notifications(cutoff: datetime) -> Q:
    return Q(status__in=SETTLED_NOTIFICATION_STATUSES, received_at__lt=cutoff)


def _finished_runs(cutoff: datetime) -> Q:
    newer_finished = SyncRun.objects.filter(
        lock_key=OuterRef("lock_key"),
        status__in=FINISHED_RUN_STATUSES,
        created_at__gt=OuterRef("created_at"),
    )
    held_open = HeldRecord.objects.filter(last_run=OuterRef("pk"), resolved_at__isnull=True)
    return (
        Q(status__in=FINISHED_RUN_STATUSES, finished_at__lt=cutoff)
        & ~Q(kind=SyncRun.Kind.BULK_SYNC)
        & Q(Exists(newer_finished))
        & ~Q(Exists(held_open))
    )


@dataclass(frozen=True)
class Rule:
    name: str
    model: type[models.Model]
    setting: str
    condition: Callable[[datetime], Q]


RULES = (
    Rule("outbox_events", OutboxEvent, "PRUNE_OUTBOX_DAYS", _settled_outbox),
    Rule("notifications", InboundNotification, "PRUNE_NOTIFICATIONS_DAYS", _settled_notifications),
    Rule("sync_runs", SyncRun, "PRUNE_SYNC_RUNS_DAYS", _finished_runs),
)


def retention_prune(
    *,
    dry_run: bool = False,
    batch_size: int | None = None,
    days: dict[str, int] | None = None,
    now: datetime | None = None,
) -> dict[str, int]:
    """Delete (or with ``dry_run`` only count) the prunable rows of each kind.

    ``days`` overrides the ages from settings by rule name (``outbox_events``,
    ``notifications``, ``sync_runs``); an age of 0 or less keeps that kind forever. Returns
    the number of rows deleted (or that would be) per rule name.
    """
    now = now or timezone.now()
    batch_size = batch_size or settings.PRUNE_BATCH_SIZE
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    counts: dict[str, int] = {}
    for rule in RULES:
        age = (days or {}).get(rule.name, getattr(settings, rule.setting))
        if age <= 0:
            counts[rule.name] = 0
            continue
        condition = rule.condition(now - timedelta(days=age))
        if dry_run:
            counts[rule.name] = rule.model.objects.filter(condition).count()
            continue
        counts[rule.name] = _delete_in_batches(rule, condition, batch_size)
    return counts


def _delete_in_batches(rule: Rule, condition: Q, batch_size: int) -> int:
    manager = rule.model.objects
    deleted = 0
    last_pk = 0
    while True:
        ids = list(
            manager.filter(condition, pk__gt=last_pk)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            return deleted
        with transaction.atomic():
            # The condition again: a row may have changed since it was selected.
            _, per_model = manager.filter(condition, pk__in=ids).delete()
        deleted += per_model.get(rule.model._meta.label, 0)
        last_pk = ids[-1]
        if len(ids) < batch_size:
            return deleted


@shared_task(name="syncjobs.tasks.prune")
def prune() -> dict[str, int]:
    """Daily (beat): apply the retention ages from settings."""
    counts = retention_prune()
    logger.info("retention: pruned %s", ", ".join(f"{k} {v}" for k, v in counts.items()))
    return counts
