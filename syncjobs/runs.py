"""SyncRun lifecycle shared by every sync job, and the registry behind ``manage.py run_sync``.

A run is claimed through its ``lock_key`` (kind, contract, seat): the partial unique
constraint lets at most one pending or running run exist per key, so a second beat firing or a
manual run alongside a scheduled one skips instead of double-importing. A run whose worker died
(no heartbeat for longer than the task time limit) is stale: the next start takes it over.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from syncjobs.models import SyncRun
from tracker_rsc.log_format import bind_sync_run
from tracker_rsc.models import Contract, LinkedInSeat

logger = logging.getLogger(__name__)

MAX_ERRORS_KEPT = 50


def stale_after() -> timedelta:
    return timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 120)


def sync_run_start(
    *,
    kind: str,
    contract: Contract | None = None,
    seat: LinkedInSeat | None = None,
    window_start: datetime | None = None,
    window_end: datetime | None = None,
    actor: Any = None,
    resume: bool = False,
) -> tuple[SyncRun | None, bool]:
    """Claim a run of ``kind``. Returns ``(run, resumed)``; ``(None, False)`` when busy.

    With ``resume``, an unfinished run of the same key is returned to be continued from its
    cursor when it is free to take: released (``pending``, see ``sync_run_release``) or stale
    (its worker was killed). A fresh ``running`` one means "busy" in every case, so two
    workers never continue the same run. Without ``resume`` a stale run is closed as failed and
    replaced.
    """
    lock_key = SyncRun.make_lock_key(
        kind, contract.pk if contract else None, seat.pk if seat else None
    )
    now = timezone.now()
    with transaction.atomic():
        active = (
            SyncRun.objects.select_for_update()
            .filter(lock_key=lock_key, status__in=SyncRun.ACTIVE_STATUSES)
            .first()
        )
        if active is not None:
            last_beat = active.heartbeat_at or active.started_at or active.created_at
            stale = last_beat <= now - stale_after()
            if resume and (active.status == SyncRun.Status.PENDING or stale):
                if stale and active.status == SyncRun.Status.RUNNING:
                    logger.warning("run %s: its worker stopped responding; taking over", active.pk)
                active.status = SyncRun.Status.RUNNING
                active.heartbeat_at = now
                active.started_at = active.started_at or now
                active.save(update_fields=["status", "heartbeat_at", "started_at"])
                bind_sync_run(active.pk)
                return active, True
            if not stale:
                return None, False
            active.status = SyncRun.Status.FAILED
            active.error = "The worker running this stopped responding; a new run took over."
            active.finished_at = now
            active.save(update_fields=["status", "error", "finished_at"])
        try:
            with transaction.atomic():
                run = SyncRun.objects.create(
                    kind=kind,
                    status=SyncRun.Status.RUNNING,
                    contract=contract,
                    seat=seat,
                    lock_key=lock_key,
                    window_start=window_start,
                    window_end=window_end,
                    triggered_by=actor if actor is not None and actor.is_authenticated else None,
                    created_at=now,
                    started_at=now,
                    heartbeat_at=now,
                )
        except IntegrityError:  # another process claimed the key a moment ago
            return None, False
    bind_sync_run(run.pk)  # this task's log lines now carry the run's id
    return run, False


def sync_run_progress(
    run: SyncRun,
    *,
    cursor: dict[str, Any] | None = None,
    skipped: dict[str, int] | None = None,
    counters: dict[str, int] | None = None,
    **increments: int,
) -> None:
    """Add to the run's counters (total, processed, linked, created, updated, failed) atomically.

    Also records the heartbeat, and the cursor when given (the point to resume from).
    """
    now = timezone.now()
    values: dict[str, Any] = {
        name: F(name) + amount for name, amount in increments.items() if amount
    }
    values["heartbeat_at"] = now
    if cursor is not None:
        values["cursor"] = cursor
    if skipped or counters:
        with transaction.atomic():
            current = SyncRun.objects.select_for_update().only("skipped", "counters").get(pk=run.pk)
            merged_skipped = dict(current.skipped or {})
            for reason, amount in (skipped or {}).items():
                merged_skipped[reason] = merged_skipped.get(reason, 0) + amount
            merged_counters = dict(current.counters or {})
            for name, amount in (counters or {}).items():
                merged_counters[name] = merged_counters.get(name, 0) + amount
            values["skipped"] = merged_skipped
            values["counters"] = merged_counters
            SyncRun.objects.filter(pk=run.pk).update(**values)
    else:
        SyncRun.objects.filter(pk=run.pk).update(**values)
    run.refresh_from_db()
    listener = _progress_listener.get()
    if listener is not None:
        listener(run)


# Who is told of each progress update in this context (``manage.py run_sync`` prints them).
_progress_listener: ContextVar[Callable[[SyncRun], None] | None] = ContextVar(
    "sync_run_progress_listener", default=None
)


@contextmanager
def sync_progress_listener(listener: Callable[[SyncRun], None]) -> Iterator[None]:
    """Call ``listener(run)`` after every ``sync_run_progress`` inside the block (this thread
    or task only): a window reached, a batch sent, with the run's counters."""
    token = _progress_listener.set(listener)
    try:
        yield
    finally:
        _progress_listener.reset(token)


def sync_run_error(run: SyncRun, message: str) -> None:
    """Keep the last MAX_ERRORS_KEPT error messages on the run for the admin."""
    with transaction.atomic():
        current = SyncRun.objects.select_for_update().only("errors").get(pk=run.pk)
        errors = [*list(current.errors or []), {"at": timezone.now().isoformat(), "error": message}]
        SyncRun.objects.filter(pk=run.pk).update(errors=errors[-MAX_ERRORS_KEPT:])
    run.refresh_from_db()


def sync_run_release(run: SyncRun, *, error: str = "") -> None:
    """Hand a running run back (``pending``), cursor kept, for a later step to resume.

    Used between the time-boxed steps of a long run and after a transient failure; a pending
    run still holds its lock key, so no second run of the kind starts meanwhile.
    """
    values: dict[str, Any] = {"status": SyncRun.Status.PENDING, "heartbeat_at": timezone.now()}
    if error:
        values["error"] = error[:5000]
    SyncRun.objects.filter(pk=run.pk, status=SyncRun.Status.RUNNING).update(**values)
    run.refresh_from_db()


def sync_run_finish(
    run: SyncRun, *, status: str = SyncRun.Status.SUCCEEDED, error: str = ""
) -> None:
    now = timezone.now()
    SyncRun.objects.filter(pk=run.pk).update(
        status=status, error=error[:5000], finished_at=now, heartbeat_at=now
    )
    run.refresh_from_db()


# --- The registry of runnable sync kinds (manage.py run_sync KIND) ---------------------------


@dataclass(frozen=True)
class Runner:
    kind: str
    func: Callable[..., list[SyncRun]]
    help: str


RUNNERS: dict[str, Runner] = {}


def sync_runner(
    kind: str, help: str
) -> Callable[[Callable[..., list[SyncRun]]], Callable[..., list[SyncRun]]]:
    """Register ``func(*, actor=None) -> list[SyncRun]`` as the one-shot runner of ``kind``."""

    def register(func: Callable[..., list[SyncRun]]) -> Callable[..., list[SyncRun]]:
        RUNNERS[kind] = Runner(kind=kind, func=func, help=help)
        return func

    return register
