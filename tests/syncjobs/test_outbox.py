"""The outbox mechanics: coalescing, claiming, settling, backoff, dead events, re-drive."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from syncjobs import outbox
from syncjobs.models import OutboxEvent
from syncjobs.outbox import (
    MAX_ATTEMPTS,
    Outcome,
    outbox_claim,
    outbox_due_ids,
    outbox_enqueue,
    outbox_process,
    outbox_retry,
)
from tests.syncjobs.factories import OutboxEventFactory

pytestmark = pytest.mark.django_db

Kind = OutboxEvent.Kind
Status = OutboxEvent.Status


@pytest.fixture
def handler(monkeypatch):
    """Replace the candidate upsert handler with one whose outcome the test chooses."""
    calls: list[list[int]] = []
    state = {"outcome": lambda events: Outcome(sent=[e.pk for e in events])}

    def fake(events):
        calls.append([e.pk for e in events])
        return state["outcome"](events)

    monkeypatch.setitem(outbox.HANDLERS, Kind.CANDIDATE_UPSERT, fake)
    return calls, state


def test_repeated_saves_coalesce_into_one_queued_event(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        first = outbox_enqueue(kind=Kind.CANDIDATE_UPSERT, aggregate="candidate", object_id=7)
        second = outbox_enqueue(kind=Kind.CANDIDATE_UPSERT, aggregate="candidate", object_id=7)
    assert first.pk == second.pk
    assert OutboxEvent.objects.filter(object_id="7").count() == 1
    assert len(callbacks) == 2  # each commit asks for a dispatch; the claim makes it once


def test_delete_supersedes_a_queued_upsert_but_an_upsert_never_undeletes():
    outbox_enqueue(kind=Kind.CANDIDATE_UPSERT, aggregate="candidate", object_id=8)
    outbox_enqueue(kind=Kind.CANDIDATE_DELETE, aggregate="candidate", object_id=8)
    outbox_enqueue(kind=Kind.CANDIDATE_UPSERT, aggregate="candidate", object_id=8)
    event = OutboxEvent.objects.get(object_id="8")
    assert event.kind == Kind.CANDIDATE_DELETE


def test_a_change_while_sending_queues_a_new_event():
    event = outbox_enqueue(kind=Kind.CANDIDATE_UPSERT, aggregate="candidate", object_id=9)
    assert outbox_claim(event_ids=[event.pk])
    newer = outbox_enqueue(kind=Kind.CANDIDATE_UPSERT, aggregate="candidate", object_id=9)
    assert newer.pk != event.pk
    # The in-flight attempt fails: it must not go back to the queue beside the newer event.
    event.refresh_from_db()
    status = outbox.outbox_mark_failed(event=event, error="timeout")
    assert status == Status.SENT
    assert OutboxEvent.objects.filter(object_id="9", status__in=["pending", "failed"]).count() == 1


def test_claim_is_exclusive():
    event = OutboxEventFactory()
    assert [e.pk for e in outbox_claim(event_ids=[event.pk])] == [event.pk]
    assert outbox_claim(event_ids=[event.pk]) == []


def test_stale_sending_claim_is_taken_back():
    event = OutboxEventFactory(
        status=Status.SENDING, claimed_at=timezone.now() - timedelta(hours=2)
    )
    assert event.pk in outbox_due_ids()
    assert outbox_claim(event_ids=[event.pk])


def test_transient_failure_backs_off_then_dies_after_the_last_attempt(handler):
    calls, state = handler
    state["outcome"] = lambda events: Outcome(failed={e.pk: "503 from LinkedIn" for e in events})
    event = OutboxEventFactory()
    now = timezone.now()
    for attempt in range(1, MAX_ATTEMPTS + 1):
        with time_machine.travel(now, tick=False):
            claimed = outbox_claim(event_ids=[event.pk])
            assert claimed, f"attempt {attempt} should be due"
            outbox_process(events=claimed)
        event.refresh_from_db()
        assert event.attempts == attempt
        assert event.last_error == "503 from LinkedIn"
        if attempt < MAX_ATTEMPTS:
            assert event.status == Status.FAILED
            assert event.next_attempt_at > now
            with time_machine.travel(now, tick=False):
                assert outbox_claim(event_ids=[event.pk]) == []  # not due yet
            now = event.next_attempt_at + timedelta(seconds=1)
    assert event.status == Status.DEAD
    assert len(calls) == MAX_ATTEMPTS


def test_permanent_failure_is_dead_at_once_and_admin_retry_requeues(handler):
    _calls, state = handler
    state["outcome"] = lambda events: Outcome(permanent={e.pk: "400 bad email" for e in events})
    event = OutboxEventFactory()
    outbox_process(events=outbox_claim(event_ids=[event.pk]))
    event.refresh_from_db()
    assert (event.status, event.attempts) == (Status.DEAD, 1)

    assert outbox_retry(event_ids=[event.pk]) == 1
    event.refresh_from_db()
    assert (event.status, event.attempts) == (Status.PENDING, 0)


def test_a_crashing_handler_fails_its_events_without_losing_them(handler):
    _calls, state = handler

    def boom(events):
        raise RuntimeError("bug")

    state["outcome"] = boom
    event = OutboxEventFactory()
    outbox_process(events=outbox_claim(event_ids=[event.pk]))
    event.refresh_from_db()
    assert event.status == Status.FAILED
    assert "RuntimeError: bug" in event.last_error


def test_deferred_events_go_back_to_pending(handler):
    _calls, state = handler
    state["outcome"] = lambda events: Outcome(deferred={e.pk: timedelta(minutes=1) for e in events})
    event = OutboxEventFactory()
    outbox_process(events=outbox_claim(event_ids=[event.pk]))
    event.refresh_from_db()
    assert event.status == Status.PENDING
    assert event.attempts == 0
    assert event.next_attempt_at > timezone.now()


def test_redrive_sends_events_whose_enqueue_was_lost(handler):
    from syncjobs.tasks import outbox_redrive

    calls, _state = handler
    events = OutboxEventFactory.create_batch(3)
    result = outbox_redrive()
    assert result["sent"] == 3
    assert set(OutboxEvent.objects.values_list("status", flat=True)) == {Status.SENT}
    assert sorted(calls[0]) == sorted(e.pk for e in events)
