"""Bulk sync (docs/architecture.md §4.3) against the fake LinkedIn: eligibility, batching, links,
resume."""

# ruff: noqa: F811  (pytest fixtures imported from their module and used as arguments)

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from candidates import services as candidate_services
from candidates.models import ErasureTombstone, MatchReview, MemberLink, identifier_hash
from requisitions.models import Activity
from syncjobs import bulk_sync
from syncjobs.bulk_sync import (
    bulk_sync_claim,
    bulk_sync_continue,
    bulk_sync_run,
    bulk_sync_step,
    history_cutoff,
)
from syncjobs.models import OutboxEvent, SyncRun
from syncjobs.runs import stale_after
from syncjobs.selectors import bulk_sync_completed
from tests.candidates.factories import CandidateFactory, MemberLinkFactory
from tests.syncjobs.candidate_fakes import (  # noqa: F401  (fixtures)
    candidate_linkedin,
    scheduled,
)
from tests.syncjobs.linkedin_fakes import ORG, published  # noqa: F401
from tests.tracker_rsc.factories import enabled_integration
from tracker_rsc import services
from tracker_rsc.linkedin import AuthError, PermanentError, TransientError
from tracker_rsc.models import Integration

pytestmark = pytest.mark.django_db


class WorkerKilled(BaseException):
    """Stands for SIGKILL: nothing in the run catches it, nothing is cleaned up."""


@pytest.fixture
def integration(db) -> Integration:
    integration = enabled_integration(ORG)
    Integration.objects.filter(pk=integration.pk).update(registered_at=timezone.now())
    integration.refresh_from_db()
    return integration


def no_sleep(seconds: float) -> None:
    return None


def sent_ids(fake) -> list[str]:
    return [cid for batch in fake.upsert_batches for cid in batch]


# --- Eligibility ----------------------------------------------------------------------------


def test_each_skip_reason_is_counted_and_only_eligible_candidates_are_sent(
    integration, candidate_linkedin
):
    cutoff = history_cutoff(integration)
    eligible = CandidateFactory(updated_at=cutoff + timedelta(days=1))
    on_the_cutoff = CandidateFactory(updated_at=cutoff)
    too_old = CandidateFactory(updated_at=cutoff - timedelta(seconds=1))
    no_first = CandidateFactory(first_name="  ")
    no_last = CandidateFactory(last_name="")
    no_email = CandidateFactory(email="")
    linked_no_email = CandidateFactory(email="")
    MemberLinkFactory(candidate=linked_no_email, person_urn="urn:li:person:known")
    erased_again = CandidateFactory(email="gone@mail.example")
    ErasureTombstone.objects.create(
        candidate_id=999_999, email_hash=identifier_hash("gone@mail.example")
    )

    run = bulk_sync_run(sleep=no_sleep)

    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    assert sorted(sent_ids(candidate_linkedin)) == sorted(
        str(c.pk) for c in (eligible, on_the_cutoff, linked_no_email)
    )
    assert run.skipped == {
        "outside_history": 1,
        "missing_name": 2,
        "missing_email": 1,
        "erased": 1,
    }
    assert run.total == 8
    assert run.processed == 3
    assert run.progress_percent == 100
    assert {str(too_old.pk), str(no_first.pk), str(no_last.pk), str(no_email.pk)}.isdisjoint(
        sent_ids(candidate_linkedin)
    )
    assert str(erased_again.pk) not in sent_ids(candidate_linkedin)
    assert run.window_start == cutoff and run.window_end == integration.enabled_at


def test_history_window_follows_the_integration_setting(integration, candidate_linkedin):
    Integration.objects.filter(pk=integration.pk).update(history_years=1)
    integration.refresh_from_db()
    recent = CandidateFactory(updated_at=integration.enabled_at - timedelta(days=360))
    CandidateFactory(updated_at=integration.enabled_at - timedelta(days=370))

    run = bulk_sync_run(sleep=no_sleep)

    assert sent_ids(candidate_linkedin) == [str(recent.pk)]
    assert run.skipped == {"outside_history": 1}


# --- Batching, links, ambiguity, refusals ---------------------------------------------------


def test_250_candidates_go_in_three_batches_of_at_most_100(integration, candidate_linkedin):
    candidates = [CandidateFactory() for _ in range(250)]

    run = bulk_sync_run(sleep=no_sleep)

    assert [len(batch) for batch in candidate_linkedin.upsert_batches] == [100, 100, 50]
    assert sorted(sent_ids(candidate_linkedin), key=int) == [str(c.pk) for c in candidates]
    assert run.counters["batches"] == 3
    assert run.counters["sent"] == run.counters["accepted"] == run.processed == 250
    assert run.cursor["last_pk"] == candidates[-1].pk


def test_single_matches_are_linked_and_several_are_left_for_review(integration, candidate_linkedin):
    single = CandidateFactory(email="one@mail.example")
    several = CandidateFactory(email="many@mail.example")
    manual = CandidateFactory(email="manual@mail.example")
    nobody = CandidateFactory(email="nobody@mail.example")
    candidate_linkedin.members = {
        "one@mail.example": ["urn:li:person:one"],
        "many@mail.example": ["urn:li:person:a", "urn:li:person:b"],
        "manual@mail.example": ["urn:li:person:c", "urn:li:person:d"],
    }
    candidate_linkedin.manual[str(manual.pk)] = "urn:li:person:chosen"

    run = bulk_sync_run(sleep=no_sleep)

    link = MemberLink.objects.get(candidate=single)
    assert (link.person_urn, link.method, link.matched_on) == (
        "urn:li:person:one",
        MemberLink.Method.BULK_SYNC,
        MemberLink.MatchedOn.LINKEDIN,
    )
    assert "matchedMembers" in link.reason and link.linked_at is not None
    assert MemberLink.objects.get(candidate=manual).person_urn == "urn:li:person:chosen"
    assert not MemberLink.objects.filter(candidate__in=[several, nobody]).exists()
    review = MatchReview.objects.get(candidate=several)
    assert review.kind == MatchReview.Kind.AMBIGUOUS_MATCH
    assert review.person_urns == ["urn:li:person:a", "urn:li:person:b"]
    assert run.linked == 2
    assert run.counters["ambiguous"] == 1 and run.counters["no_match"] == 1


def test_already_linked_candidates_are_sent_but_not_matched_again(integration, candidate_linkedin):
    linked = CandidateFactory()
    MemberLinkFactory(candidate=linked, person_urn="urn:li:person:export")

    run = bulk_sync_run(sleep=no_sleep)

    assert sent_ids(candidate_linkedin) == [str(linked.pk)]
    assert candidate_linkedin.match_reads == []
    assert run.counters["already_linked"] == 1


def test_a_refused_record_is_a_run_error_not_a_failed_run(integration, candidate_linkedin):
    good, bad = CandidateFactory(), CandidateFactory()
    candidate_linkedin.refuse[str(bad.pk)] = "emailAddresses: invalid"

    run = bulk_sync_run(sleep=no_sleep)

    assert run.status == SyncRun.Status.SUCCEEDED
    assert (run.processed, run.failed, run.counters["accepted"]) == (2, 1, 1)
    assert any(str(bad.pk) in e["error"] and "invalid" in e["error"] for e in run.errors)
    bad.refresh_from_db()
    good.refresh_from_db()
    assert "invalid" in bad.linkedin_sync_error and bad.linkedin_synced_at is None
    assert good.linkedin_synced_at is not None
    [event] = Activity.objects.filter(kind=Activity.Kind.SYNC)
    assert (event.candidate, event.subject) == (bad, "Not synced to LinkedIn")
    assert event.body == "LinkedIn: emailAddresses: invalid"


# --- Transient failures, resume, refusals of the whole call ---------------------------------


def test_transient_failures_back_off_and_retry_the_batch(integration, candidate_linkedin):
    candidates = [CandidateFactory() for _ in range(150)]
    candidate_linkedin.fail_next["upsert_candidates"] = [
        TransientError("Too Many Requests", status=429, retry_after=7)
    ]
    candidate_linkedin.fail_next["get_candidate_matches"] = [
        TransientError("Service Unavailable", status=503)
    ]
    waits: list[float] = []

    run = bulk_sync_run(sleep=waits.append)

    assert run.status == SyncRun.Status.SUCCEEDED
    assert len(waits) == 2 and waits[0] >= 7  # Retry-After is a floor
    # Every candidate reached LinkedIn; only the batch whose match read failed went twice.
    assert sorted(set(sent_ids(candidate_linkedin)), key=int) == [str(c.pk) for c in candidates]
    assert len(sent_ids(candidate_linkedin)) == 250
    assert len(run.errors) == 2


def test_a_run_paused_by_repeated_transient_failures_resumes_later(integration, candidate_linkedin):
    CandidateFactory()
    candidate_linkedin.fail_next["upsert_candidates"] = [
        TransientError("Bad Gateway", status=502) for _ in range(bulk_sync.MAX_TRANSIENT_IN_A_ROW)
    ]

    paused = bulk_sync_run(sleep=no_sleep)

    assert paused.status == SyncRun.Status.PENDING
    resumed = bulk_sync_run(sleep=no_sleep)
    assert resumed.pk == paused.pk
    assert resumed.status == SyncRun.Status.SUCCEEDED and resumed.processed == 1


def test_a_killed_worker_s_run_resumes_from_its_cursor_nobody_missed_or_sent_twice(
    integration, candidate_linkedin
):
    candidates = [CandidateFactory() for _ in range(250)]
    original = candidate_linkedin.upsert_candidates
    calls = {"n": 0}

    def dies_on_the_second_batch(records):
        calls["n"] += 1
        if calls["n"] == 2:
            raise WorkerKilled
        return original(records)

    candidate_linkedin.upsert_candidates = dies_on_the_second_batch
    with pytest.raises(WorkerKilled):
        bulk_sync_run(sleep=no_sleep)
    stuck = SyncRun.objects.get(kind=SyncRun.Kind.BULK_SYNC)
    assert stuck.status == SyncRun.Status.RUNNING
    assert stuck.cursor["last_pk"] == candidates[99].pk

    # While its heartbeat is fresh, nobody else may take the run.
    assert bulk_sync_claim() is None
    with time_machine.travel(timezone.now() + stale_after() + timedelta(seconds=1)):
        run = bulk_sync_run(sleep=no_sleep)

    assert run.pk == stuck.pk and run.status == SyncRun.Status.SUCCEEDED
    sent = sent_ids(candidate_linkedin)
    assert len(sent) == len(set(sent)) == 250
    assert run.processed == 250 and run.counters["batches"] == 3


def test_a_new_run_after_a_failed_one_continues_from_its_cursor(integration, candidate_linkedin):
    first_batch = [CandidateFactory() for _ in range(100)]
    rest = [CandidateFactory() for _ in range(30)]
    run = bulk_sync_claim()
    bulk_sync_step(run, client=candidate_linkedin, deadline=0.0, clock=lambda: 0.0)
    assert run.processed == 0  # a deadline already passed does nothing
    original = candidate_linkedin.upsert_candidates

    calls = {"n": 0}

    def refuses_after_the_first(records):
        calls["n"] += 1
        if calls["n"] > 1:
            raise PermanentError("Unprocessable", status=422)
        return original(records)

    candidate_linkedin.upsert_candidates = refuses_after_the_first
    bulk_sync.MAX_REFUSED_BATCHES, saved = 1, bulk_sync.MAX_REFUSED_BATCHES
    try:
        with pytest.raises(bulk_sync.BulkSyncRefused):
            bulk_sync_step(run, client=candidate_linkedin)
    finally:
        bulk_sync.MAX_REFUSED_BATCHES = saved
    bulk_sync._fail(run, "refused")
    candidate_linkedin.upsert_candidates = original

    again = bulk_sync_run(sleep=no_sleep)

    assert again.pk != run.pk and again.cursor["resumed_from_run"] == run.pk
    assert sent_ids(candidate_linkedin) == [str(c.pk) for c in first_batch + rest]
    assert again.status == SyncRun.Status.SUCCEEDED


def test_refused_credentials_fail_the_run_and_put_the_integration_in_error(
    integration, candidate_linkedin
):
    CandidateFactory()
    candidate_linkedin.fail_next["upsert_candidates"] = [AuthError("Invalid client", status=401)]

    run = bulk_sync_run(sleep=no_sleep)

    assert run.status == SyncRun.Status.FAILED and "credentials" in run.error
    integration.refresh_from_db()
    assert integration.status == Integration.Status.ERROR
    assert "Invalid client" in integration.last_error


# --- Scope ----------------------------------------------------------------------------------


def test_candidates_created_after_the_start_are_left_to_live_sync(integration, candidate_linkedin):
    before = CandidateFactory()
    run = bulk_sync_claim()
    after = CandidateFactory()

    bulk_sync_step(run, client=candidate_linkedin)

    assert sent_ids(candidate_linkedin) == [str(before.pk)]
    assert run.cursor["max_pk"] == before.pk and after.pk > before.pk


def test_nothing_runs_when_disabled_or_already_completed(integration, candidate_linkedin):
    CandidateFactory()
    assert bulk_sync_run(sleep=no_sleep).status == SyncRun.Status.SUCCEEDED

    assert bulk_sync_run(sleep=no_sleep) is None  # completed for this organization
    Integration.objects.update(status=Integration.Status.DISABLED)
    assert bulk_sync_claim() is None
    assert len(candidate_linkedin.upsert_batches) == 1


# --- Celery steps and live sync hand-over ---------------------------------------------------


def test_celery_steps_are_time_boxed_and_chain_until_done(
    integration,
    candidate_linkedin,
    scheduled,
    monkeypatch,
    published,
    django_capture_on_commit_callbacks,
):
    [CandidateFactory() for _ in range(120)]
    monkeypatch.setattr(bulk_sync, "step_budget_seconds", lambda: -1.0)  # stop after 0 batches
    assert bulk_sync_continue()["status"] == "continuing"
    assert scheduled == [0]
    run = SyncRun.objects.get()
    assert run.status == SyncRun.Status.PENDING and run.processed == 0

    monkeypatch.setattr(bulk_sync, "step_budget_seconds", lambda: 3600.0)
    with django_capture_on_commit_callbacks(execute=True):
        result = bulk_sync_continue()

    assert result["status"] == "succeeded"
    run.refresh_from_db()
    assert run.status == SyncRun.Status.SUCCEEDED and run.processed == 120
    assert ("syncjobs.tasks.outbox_redrive", ()) in published  # live sync goes on now


def test_a_transient_failure_in_a_celery_step_releases_and_reschedules(
    integration, candidate_linkedin, scheduled
):
    CandidateFactory()
    candidate_linkedin.fail_next["upsert_candidates"] = [
        TransientError("Too Many Requests", status=429, retry_after=30)
    ]

    result = bulk_sync_continue()

    assert result["status"] == "retrying"
    assert scheduled and scheduled[0] >= 30
    run = SyncRun.objects.get()
    assert run.status == SyncRun.Status.PENDING
    assert run.cursor["transient_in_a_row"] == 1
    assert bulk_sync_continue()["status"] == "succeeded"


def test_an_unexpected_failure_in_a_celery_step_hands_the_run_back_too(
    integration, candidate_linkedin, scheduled
):
    CandidateFactory()
    candidate_linkedin.fail_next["upsert_candidates"] = [ConnectionError("the cache went away")]

    result = bulk_sync_continue()

    assert result["status"] == "retrying"
    assert scheduled and scheduled[0] > 0
    run = SyncRun.objects.get()
    assert run.status == SyncRun.Status.PENDING  # not left running until it goes stale
    assert any("ConnectionError: the cache went away" in e["error"] for e in run.errors)
    assert bulk_sync_continue()["status"] == "succeeded"


def test_an_older_scheduled_step_gives_way_to_the_newest(integration, candidate_linkedin):
    CandidateFactory()
    run = bulk_sync_claim()
    SyncRun.objects.filter(pk=run.pk).update(
        status=SyncRun.Status.PENDING, cursor={**run.cursor, "step_token": "newest"}
    )

    assert bulk_sync_continue(token="older")["status"] == "superseded"
    assert candidate_linkedin.upsert_batches == []
    assert bulk_sync_continue(token="newest")["status"] == "succeeded"


def test_changes_made_during_the_bulk_sync_wait_then_reach_linkedin(
    integration, candidate_linkedin, published
):
    from syncjobs.tasks import outbox_redrive

    old = CandidateFactory(email="old@mail.example")
    run = bulk_sync_claim()
    edited = candidate_services.candidate_update(candidate=old, current_title="CTO")
    new = candidate_services.candidate_create(
        first_name="New", last_name="Person", email="new@mail.example"
    )
    outbox_redrive()  # during the bulk sync: held back, not lost, no attempt used
    assert not bulk_sync_completed()
    assert set(OutboxEvent.objects.values_list("status", "attempts")) == {("pending", 0)}

    bulk_sync_step(run, client=candidate_linkedin)
    OutboxEvent.objects.update(next_attempt_at=timezone.now())
    outbox_redrive()

    assert set(OutboxEvent.objects.values_list("status", flat=True)) == {"sent"}
    assert candidate_linkedin.store[str(edited.pk)]["currentJobTitle"] == "CTO"
    assert str(new.pk) in candidate_linkedin.store


def test_run_sync_command_prints_the_counters(integration, candidate_linkedin):
    CandidateFactory()
    CandidateFactory(email="")
    out = StringIO()

    call_command("run_sync", "bulk_sync", stdout=out)

    text = out.getvalue()
    assert "Bulk sync" in text and "succeeded" in text
    assert "processed 1" in text and "'missing_email': 1" in text


def test_live_sync_waits_for_the_bulk_sync_of_the_organization_now_enabled(
    integration, candidate_linkedin, published
):
    run = bulk_sync_claim()
    bulk_sync_step(run, client=candidate_linkedin)
    assert bulk_sync_completed()

    # Enabled again for another organization after an error: its bulk sync has not run.
    services.integration_set_error(message="wrong organization")
    services.integration_enable(organization_urn="urn:li:organization:99", actor=None)

    assert not bulk_sync_completed()
    assert bulk_sync_completed(ORG)
    assert bulk_sync.bulk_sync_needed()


# --- Cost per batch -------------------------------------------------------------------------


@pytest.mark.parametrize("matched", [10, 60])
def test_a_batch_costs_the_same_queries_however_many_candidates_it_links(
    integration, candidate_linkedin, matched
):
    """Linking a batch's matches is a fixed number of queries, not a few per link."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    candidates = [CandidateFactory(email=f"c{n}@mail.example") for n in range(100)]
    candidate_linkedin.members = {
        f"c{n}@mail.example": [f"urn:li:person:m{n}"] for n in range(matched)
    }
    run = bulk_sync_claim()

    with CaptureQueriesContext(connection) as queries:
        bulk_sync_step(run, client=candidate_linkedin)

    run.refresh_from_db()
    assert run.linked == matched
    assert MemberLink.objects.filter(method=MemberLink.Method.BULK_SYNC).count() == matched
    links = Activity.objects.filter(kind=Activity.Kind.LINK)
    assert links.count() == matched
    assert set(links.values_list("candidate_id", flat=True)) == {c.pk for c in candidates[:matched]}
    # One batch plus the empty read that ends the run: under 45 queries, 10 or 60 links alike.
    assert len(queries) < 45, [q["sql"][:80] for q in queries]


def test_two_candidates_matched_to_one_member_link_the_first_and_review_the_second(
    integration, candidate_linkedin
):
    first = CandidateFactory(email="first@mail.example")
    second = CandidateFactory(email="second@mail.example")
    taken = CandidateFactory(email="taken@mail.example")
    owner = CandidateFactory(email="")  # not sent (no email), holds the member already
    MemberLinkFactory(candidate=owner, person_urn="urn:li:person:owned")
    candidate_linkedin.members = {
        "first@mail.example": ["urn:li:person:same"],
        "second@mail.example": ["urn:li:person:same"],
        "taken@mail.example": ["urn:li:person:owned"],
    }

    run = bulk_sync_run(sleep=no_sleep)

    assert MemberLink.objects.get(candidate=first).person_urn == "urn:li:person:same"
    assert not MemberLink.objects.filter(candidate__in=[second, taken]).exists()
    reviews = {r.candidate_id: r for r in MatchReview.objects.all()}
    assert set(reviews) == {second.pk, taken.pk}
    assert reviews[second.pk].person_urns == ["urn:li:person:same"]
    assert f"already linked to candidate {first.pk}" in reviews[second.pk].detail
    assert f"already linked to candidate {owner.pk}" in reviews[taken.pk].detail
    assert run.linked == 1 and run.counters["ambiguous"] == 2


def test_the_window_is_two_calendar_years_before_the_day_of_enabling(candidate_linkedin):
    """Enabled on 29 February 2028: the window opens on 28 February 2026, not 730 days back."""
    with time_machine.travel(datetime(2028, 2, 29, 16, 30, tzinfo=UTC), tick=False):
        enabled_integration(ORG)
        first_day = CandidateFactory(updated_at=datetime(2026, 2, 28, 0, 0, tzinfo=UTC))
        day_before = CandidateFactory(updated_at=datetime(2026, 2, 27, 23, 59, tzinfo=UTC))
        # 730 days before the enabling moment is 1 March 2026 16:30: a day-count would
        # leave out this candidate, updated well within the two calendar years.
        within = CandidateFactory(updated_at=datetime(2026, 3, 1, 9, 0, tzinfo=UTC))

        run = bulk_sync_run(sleep=no_sleep)

    assert sorted(sent_ids(candidate_linkedin)) == sorted([str(first_day.pk), str(within.pk)])
    assert str(day_before.pk) not in sent_ids(candidate_linkedin)
    assert run.skipped == {"outside_history": 1}
    assert run.window_start == datetime(2026, 2, 28, tzinfo=UTC)
