"""The outbox towards LinkedIn: write in the caller's transaction, claim, send, settle.

Life of an event: ``pending`` → (claimed) ``sending`` → ``sent``; a transient LinkedIn failure
makes it ``failed`` with a backed-off ``next_attempt_at``; after ``MAX_ATTEMPTS`` or a permanent
failure it is ``dead`` (visible in the admin, which can retry it). Claims are conditional
UPDATEs, so two workers never send the same event; a worker killed mid-send leaves a stale
``sending`` claim that the re-drive takes back after ``STALE_CLAIM``.

Handlers are registered per kind with ``@outbox_handler(kind)``; each receives the claimed
events of its kind (up to LinkedIn's batch size) and returns their outcomes.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from syncjobs.models import OutboxEvent

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
BASE_BACKOFF_SECONDS = 30
MAX_BACKOFF_SECONDS = 6 * 3600
# LinkedIn takes at most 100 records per batch call.
BATCH_SIZE = 100

# A deletion supersedes a queued upsert of the same record (the record no longer exists).
_SUPERSEDES = {
    OutboxEvent.Kind.CANDIDATE_DELETE: {OutboxEvent.Kind.CANDIDATE_UPSERT},
    OutboxEvent.Kind.REQUISITION_CLOSE: {OutboxEvent.Kind.REQUISITION_UPSERT},
    OutboxEvent.Kind.APPLICATION_DELETE: {OutboxEvent.Kind.APPLICATION_UPSERT},
}


def stale_claim_age() -> timedelta:
    """A claim older than the hard task time limit belongs to a dead worker."""
    return timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)


def outbox_enqueue(
    *, kind: str, aggregate: str, object_id: str | int, payload: dict[str, Any] | None = None
) -> OutboxEvent:
    """Queue an event in the caller's transaction, coalescing with a queued one for the record.

    Enqueues the dispatch task after commit. Safe under concurrency: the partial unique
    constraint allows one queued event per record; a racing insert falls back to an update.
    """
    object_id = str(object_id)
    now = timezone.now()
    with transaction.atomic():
        for _ in range(3):
            event = (
                OutboxEvent.objects.select_for_update()
                .filter(
                    aggregate=aggregate, object_id=object_id, status__in=OutboxEvent.QUEUED_STATUSES
                )
                .first()
            )
            if event is not None:
                if kind == event.kind or event.kind in _SUPERSEDES.get(kind, ()):
                    event.kind = kind
                # An upsert never un-deletes: keep the queued deletion.
                event.payload = payload or event.payload
                event.status = OutboxEvent.Status.PENDING
                event.next_attempt_at = now
                event.updated_at = now
                event.save(
                    update_fields=["kind", "payload", "status", "next_attempt_at", "updated_at"]
                )
                break
            try:
                with transaction.atomic():
                    event = OutboxEvent.objects.create(
                        kind=kind,
                        aggregate=aggregate,
                        object_id=object_id,
                        payload=payload or {},
                        created_at=now,
                        updated_at=now,
                        next_attempt_at=now,
                    )
                break
            except IntegrityError:  # a concurrent writer queued it first: coalesce into it
                continue
        else:  # pragma: no cover - three lost races in a row
            raise RuntimeError(f"could not queue {kind} for {aggregate} {object_id}")
    from syncjobs.enqueue import enqueue_on_commit
    from syncjobs.tasks import outbox_dispatch

    enqueue_on_commit(outbox_dispatch, event.pk)
    return event


def outbox_enqueue_many(*, kind: str, aggregate: str, object_ids: Sequence[int | str]) -> int:
    """Queue one event per record in the caller's transaction, in bulk (a CSV import's chunk).

    Coalesces like ``outbox_enqueue`` (a record's queued event is made due again, a queued
    deletion is kept) and publishes one dispatch task per BATCH_SIZE new events after commit:
    each dispatch claims up to BATCH_SIZE due events of the kind, so an import of 100,000
    candidates makes about 1,000 tasks and LinkedIn calls of 100 records, all paced by the
    limiter, never one task or one call per record. Returns the number of records queued.
    """
    ids = list(dict.fromkeys(str(pk) for pk in object_ids))
    if not ids:
        return 0
    now = timezone.now()
    queued_ids: list[int] = []
    with transaction.atomic():
        queued = OutboxEvent.objects.select_for_update().filter(
            aggregate=aggregate, object_id__in=ids, status__in=OutboxEvent.QUEUED_STATUSES
        )
        already = set()
        for event in queued:
            already.add(event.object_id)
            if kind == event.kind or event.kind in _SUPERSEDES.get(kind, ()):
                event.kind = kind
            event.status = OutboxEvent.Status.PENDING
            event.next_attempt_at = now
            event.updated_at = now
            event.save(update_fields=["kind", "status", "next_attempt_at", "updated_at"])
            queued_ids.append(event.pk)
        created = OutboxEvent.objects.bulk_create(
            [
                OutboxEvent(
                    kind=kind,
                    aggregate=aggregate,
                    object_id=object_id,
                    payload={},
                    created_at=now,
                    updated_at=now,
                    next_attempt_at=now,
                )
                for object_id in ids
                if object_id not in already
            ]
        )
        queued_ids += [event.pk for event in created]
    from syncjobs.enqueue import enqueue_on_commit
    from syncjobs.tasks import outbox_dispatch

    for start in range(0, len(queued_ids), BATCH_SIZE):
        enqueue_on_commit(outbox_dispatch, queued_ids[start])
    return len(ids)


def _due_filter(now: Any) -> Q:
    return Q(status__in=OutboxEvent.QUEUED_STATUSES, next_attempt_at__lte=now) | Q(
        status=OutboxEvent.Status.SENDING, claimed_at__lt=now - stale_claim_age()
    )


def outbox_claim(*, event_ids: Sequence[int]) -> list[OutboxEvent]:
    """Claim the given events if they are due; returns only those this caller now owns."""
    now = timezone.now()
    claimed = []
    for event_id in event_ids:
        won = OutboxEvent.objects.filter(_due_filter(now), pk=event_id).update(
            status=OutboxEvent.Status.SENDING, claimed_at=now, updated_at=now
        )
        if won:
            claimed.append(event_id)
    return list(OutboxEvent.objects.filter(pk__in=claimed).order_by("pk"))


def outbox_due_ids(*, kinds: Sequence[str] | None = None, limit: int = 1000) -> list[int]:
    query = OutboxEvent.objects.filter(_due_filter(timezone.now()))
    if kinds is not None:
        query = query.filter(kind__in=kinds)
    return list(query.order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:limit])


def backoff_delay(attempts: int, retry_after: float | None = None) -> timedelta:
    """Exponential backoff with full jitter, capped; LinkedIn's Retry-After is a floor."""
    ceiling = min(MAX_BACKOFF_SECONDS, BASE_BACKOFF_SECONDS * (2 ** max(0, attempts - 1)))
    seconds = random.uniform(ceiling / 2, ceiling)
    if retry_after:
        seconds = max(seconds, retry_after)
    return timedelta(seconds=seconds)


def outbox_mark_sent(*, event: OutboxEvent) -> None:
    now = timezone.now()
    OutboxEvent.objects.filter(pk=event.pk, status=OutboxEvent.Status.SENDING).update(
        status=OutboxEvent.Status.SENT, sent_at=now, updated_at=now, last_error=""
    )


def outbox_mark_failed(
    *, event: OutboxEvent, error: str, permanent: bool = False, retry_after: float | None = None
) -> str:
    """Record a failure: retried later with backoff, or ``dead`` when permanent or exhausted."""
    attempts = event.attempts + 1
    dead = permanent or attempts >= MAX_ATTEMPTS
    status = OutboxEvent.Status.DEAD if dead else OutboxEvent.Status.FAILED
    now = timezone.now()
    mine = OutboxEvent.objects.filter(pk=event.pk, status=OutboxEvent.Status.SENDING)
    if not dead and _superseded(event, now):
        return OutboxEvent.Status.SENT
    try:
        with transaction.atomic():
            updated = mine.update(
                status=status,
                attempts=attempts,
                last_error=error[:2000],
                next_attempt_at=now + backoff_delay(attempts, retry_after),
                updated_at=now,
            )
    except IntegrityError:  # a newer event was queued between the check and the update
        mine.update(status=OutboxEvent.Status.SENT, last_error="superseded", updated_at=now)
        return OutboxEvent.Status.SENT
    if not updated:
        # A newer change of the same record was queued meanwhile (coalescing created a new
        # row); this stale attempt's failure no longer matters.
        logger.info("outbox event %s was settled elsewhere", event.pk)
    return status


def outbox_release(*, event: OutboxEvent, delay: timedelta) -> None:
    """Give a claimed event back untouched (not yet allowed to go, e.g. during bulk sync)."""
    now = timezone.now()
    if _superseded(event, now):
        return
    try:
        with transaction.atomic():
            OutboxEvent.objects.filter(pk=event.pk, status=OutboxEvent.Status.SENDING).update(
                status=OutboxEvent.Status.PENDING, next_attempt_at=now + delay, updated_at=now
            )
    except IntegrityError:  # a newer event was queued meanwhile
        _superseded(event, now)


def _superseded(event: OutboxEvent, now: Any) -> bool:
    """If the record changed while this event was in flight, retire this one.

    The newer queued event carries the latest state and will be sent, so the in-flight one
    must not go back to the queue (one queued event per record).
    """
    newer_queued = (
        OutboxEvent.objects.filter(
            aggregate=event.aggregate,
            object_id=event.object_id,
            status__in=OutboxEvent.QUEUED_STATUSES,
        )
        .exclude(pk=event.pk)
        .exists()
    )
    if newer_queued:
        OutboxEvent.objects.filter(pk=event.pk, status=OutboxEvent.Status.SENDING).update(
            status=OutboxEvent.Status.SENT, last_error="superseded by a newer event", updated_at=now
        )
    return newer_queued


def outbox_retry(*, event_ids: Sequence[int]) -> int:
    """Admin action: give dead or failed events a fresh set of attempts, now. Returns count."""
    now = timezone.now()
    count = 0
    for event in OutboxEvent.objects.filter(
        pk__in=event_ids, status__in=[OutboxEvent.Status.DEAD, OutboxEvent.Status.FAILED]
    ):
        queued = OutboxEvent.objects.filter(
            aggregate=event.aggregate,
            object_id=event.object_id,
            status__in=OutboxEvent.QUEUED_STATUSES,
        ).exclude(pk=event.pk)
        if queued.exists():
            # A newer queued event for the same record already carries the latest state.
            OutboxEvent.objects.filter(pk=event.pk).update(
                status=OutboxEvent.Status.SENT, last_error="superseded by a newer event"
            )
            continue
        OutboxEvent.objects.filter(pk=event.pk).update(
            status=OutboxEvent.Status.PENDING, attempts=0, next_attempt_at=now, updated_at=now
        )
        count += 1
        from syncjobs.enqueue import enqueue_on_commit
        from syncjobs.tasks import outbox_dispatch

        enqueue_on_commit(outbox_dispatch, event.pk)
    return count


# --- Handlers -------------------------------------------------------------------------------


@dataclass
class Outcome:
    """What a handler did with each event: sent, failed (message), or deferred."""

    sent: list[int] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)
    permanent: dict[int, str] = field(default_factory=dict)
    deferred: dict[int, timedelta] = field(default_factory=dict)
    retry_after: float | None = None


Handler = Callable[[list[OutboxEvent]], Outcome]
HANDLERS: dict[str, Handler] = {}


def outbox_handler(*kinds: str) -> Callable[[Handler], Handler]:
    def register(func: Handler) -> Handler:
        for kind in kinds:
            HANDLERS[kind] = func
        return func

    return register


def outbox_process(*, events: list[OutboxEvent]) -> Outcome:
    """Run the claimed events through their handlers and settle each one.

    A handler that raises a LinkedIn error fails all of its events (transient: retried;
    permanent: dead). Unexpected exceptions fail the events as transient and propagate nothing,
    so one bad record cannot wedge the queue.
    """
    from tracker_rsc.linkedin import LinkedInError, PermanentError, TransientError

    total = Outcome()
    by_kind: dict[str, list[OutboxEvent]] = {}
    for event in events:
        by_kind.setdefault(event.kind, []).append(event)
    for kind, group in by_kind.items():
        handler = HANDLERS.get(kind)
        if handler is None:
            for event in group:
                outbox_mark_failed(event=event, error=f"no handler for {kind}", permanent=True)
                total.permanent[event.pk] = f"no handler for {kind}"
            continue
        for start in range(0, len(group), BATCH_SIZE):
            chunk = group[start : start + BATCH_SIZE]
            try:
                outcome = handler(chunk)
            except PermanentError as exc:
                outcome = Outcome(permanent={e.pk: str(exc) for e in chunk})
            except TransientError as exc:
                outcome = Outcome(
                    failed={e.pk: str(exc) for e in chunk}, retry_after=exc.retry_after
                )
            except LinkedInError as exc:
                outcome = Outcome(failed={e.pk: str(exc) for e in chunk})
            except Exception as exc:
                logger.exception("outbox handler for %s crashed", kind)
                outcome = Outcome(failed={e.pk: f"{type(exc).__name__}: {exc}" for e in chunk})
            _settle(chunk, outcome)
            total.sent += outcome.sent
            total.failed.update(outcome.failed)
            total.permanent.update(outcome.permanent)
            total.deferred.update(outcome.deferred)
    return total


def _settle(events: list[OutboxEvent], outcome: Outcome) -> None:
    for event in events:
        if event.pk in outcome.sent:
            outbox_mark_sent(event=event)
        elif event.pk in outcome.permanent:
            outbox_mark_failed(event=event, error=outcome.permanent[event.pk], permanent=True)
        elif event.pk in outcome.failed:
            outbox_mark_failed(
                event=event, error=outcome.failed[event.pk], retry_after=outcome.retry_after
            )
        elif event.pk in outcome.deferred:
            outbox_release(event=event, delay=outcome.deferred[event.pk])
        else:  # a handler that forgot an event must not lose it
            outbox_mark_failed(event=event, error="handler returned no outcome")
