"""Retention (``manage.py prune`` and the daily beat job): settled rows older than their age
go, in batches; what is pending, failed, held or needed by an audit stays."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.contrib.admin.models import ADDITION, LogEntry
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from candidates.models import ErasureTombstone
from syncjobs.models import HeldRecord, InboundNotification, OutboxEvent, SyncRun
from syncjobs.retention import prune, retention_prune
from tests.candidates.factories import CandidateFactory
from tests.syncjobs.factories import InboundNotificationFactory, OutboxEventFactory, SyncRunFactory
from tests.tracker_rsc.factories import UserFactory

pytestmark = pytest.mark.django_db

Outbox = OutboxEvent.Status
Note = InboundNotification.Status
Run = SyncRun.Status


def days_ago(days: float):
    return timezone.now() - timedelta(days=days)


def outbox(status: str, age_days: float) -> OutboxEvent:
    event = OutboxEventFactory(status=status)
    OutboxEvent.objects.filter(pk=event.pk).update(updated_at=days_ago(age_days))
    return event


def notification(status: str, age_days: float) -> InboundNotification:
    return InboundNotificationFactory(status=status, received_at=days_ago(age_days))


def run(kind: str, status: str, age_days: float, contract_key: str = "") -> SyncRun:
    at = days_ago(age_days)
    return SyncRunFactory(
        kind=kind,
        status=status,
        created_at=at,
        finished_at=at if status in (Run.SUCCEEDED, Run.FAILED, Run.CANCELLED) else None,
        lock_key=SyncRun.make_lock_key(kind) + contract_key,
    )


def alive(obj) -> bool:
    return type(obj).objects.filter(pk=obj.pk).exists()


def test_sent_outbox_events_older_than_the_age_go_and_everything_unsettled_stays():
    old_sent = outbox(Outbox.SENT, 31)
    recent_sent = outbox(Outbox.SENT, 29)
    kept = [outbox(status, 400) for status in (Outbox.PENDING, Outbox.FAILED, Outbox.DEAD)]
    sending = outbox(Outbox.SENDING, 400)

    counts = retention_prune(days={"outbox_events": 30})

    assert counts["outbox_events"] == 1
    assert not alive(old_sent)
    assert alive(recent_sent)
    assert all(alive(event) for event in [*kept, sending])


def test_processed_ignored_and_rejected_notifications_go_failed_held_and_new_ones_stay():
    settled = [notification(s, 91) for s in (Note.PROCESSED, Note.IGNORED, Note.REJECTED)]
    kept = [notification(s, 500) for s in (Note.RECEIVED, Note.PROCESSING, Note.FAILED, Note.HELD)]
    recent = notification(Note.PROCESSED, 10)

    counts = retention_prune(days={"notifications": 90})

    assert counts["notifications"] == 3
    assert not any(alive(n) for n in settled)
    assert all(alive(n) for n in [*kept, recent])


def test_finished_runs_go_but_bulk_syncs_the_last_run_of_each_scope_and_open_runs_stay():
    old_seat_syncs = [run(SyncRun.Kind.SEAT_SYNC, Run.SUCCEEDED, 200 - i) for i in range(3)]
    newest_seat_sync = run(SyncRun.Kind.SEAT_SYNC, Run.FAILED, 190)  # the admin's "last run"
    bulk = [run(SyncRun.Kind.BULK_SYNC, s, 900) for s in (Run.FAILED, Run.SUCCEEDED)]
    running = run(SyncRun.Kind.STUB_IMPORT, Run.RUNNING, 900)
    recent = run(SyncRun.Kind.JOB_SYNC, Run.SUCCEEDED, 20)
    recent_newer = run(SyncRun.Kind.JOB_SYNC, Run.SUCCEEDED, 10)
    held_run = run(SyncRun.Kind.STUB_IMPORT, Run.SUCCEEDED, 400, ":x")
    run(SyncRun.Kind.STUB_IMPORT, Run.SUCCEEDED, 300, ":x")
    HeldRecord.objects.create(kind="stub_profile", external_id="stub-1", last_run=held_run)

    counts = retention_prune(days={"sync_runs": 180})

    assert counts["sync_runs"] == 3
    assert not any(alive(r) for r in old_seat_syncs)
    assert all(alive(r) for r in [newest_seat_sync, *bulk, running, recent, recent_newer, held_run])


def test_audit_records_are_never_touched():
    user = UserFactory()
    entry = LogEntry.objects.create(user=user, object_id="1", object_repr="x", action_flag=ADDITION)
    tombstone = ErasureTombstone.objects.create(candidate_id=1, email_hash="a" * 64)
    candidate = CandidateFactory()
    outbox(Outbox.SENT, 1000)

    retention_prune(days={"outbox_events": 1, "notifications": 1, "sync_runs": 1})

    assert alive(entry)
    assert alive(tombstone)
    assert alive(candidate)


def test_batches_delete_everything_due_and_a_second_run_deletes_nothing():
    events = [outbox(Outbox.SENT, 40) for _ in range(7)]
    assert retention_prune(batch_size=3, days={"outbox_events": 30})["outbox_events"] == 7
    assert not any(alive(e) for e in events)
    assert retention_prune(batch_size=3, days={"outbox_events": 30})["outbox_events"] == 0


def test_a_row_that_changed_after_it_was_selected_is_kept(monkeypatch):
    first, second = outbox(Outbox.SENT, 40), outbox(Outbox.SENT, 40)
    from syncjobs import retention

    real_atomic = retention.transaction.atomic

    def replay_then_atomic(*args, **kwargs):
        # An admin requeues the second event between the selection and the delete.
        OutboxEvent.objects.filter(pk=second.pk).update(status=Outbox.PENDING)
        return real_atomic(*args, **kwargs)

    monkeypatch.setattr(retention.transaction, "atomic", replay_then_atomic)
    assert retention_prune(days={"outbox_events": 30})["outbox_events"] == 1
    assert not alive(first)
    assert alive(second)


def test_an_age_of_zero_keeps_that_kind_forever():
    event = outbox(Outbox.SENT, 5000)
    assert retention_prune(days={"outbox_events": 0})["outbox_events"] == 0
    assert alive(event)


def test_dry_run_counts_and_deletes_nothing():
    event = outbox(Outbox.SENT, 400)
    note = notification(Note.PROCESSED, 400)
    out = StringIO()
    call_command("prune", "--dry-run", stdout=out)
    assert "outbox events: would delete 1 older than 30 days" in out.getvalue()
    assert "notifications: would delete 1 older than 90 days" in out.getvalue()
    assert alive(event)
    assert alive(note)


def test_the_command_deletes_with_its_own_ages_and_refuses_bad_input():
    event = outbox(Outbox.SENT, 8)
    out = StringIO()
    call_command("prune", "--outbox-events-days", "7", "--batch-size", "2", stdout=out)
    assert "outbox events: deleted 1 older than 7 days" in out.getvalue()
    assert not alive(event)
    with pytest.raises(CommandError, match="--batch-size must be at least 1"):
        call_command("prune", "--batch-size", "0")
    with pytest.raises(CommandError):
        call_command("prune", "--sync-runs-days", "-3")


def test_the_daily_beat_job_uses_the_settings_ages(settings):
    settings.PRUNE_NOTIFICATIONS_DAYS = 5
    old = notification(Note.REJECTED, 6)
    assert prune()["notifications"] == 1
    assert not alive(old)


def test_prune_is_scheduled_in_beat():
    entry = settings.CELERY_BEAT_SCHEDULE["prune-daily"]
    assert entry["task"] == "syncjobs.tasks.prune"
