"""Candidate sync end to end against the LinkedIn sandbox over real HTTP (live_server).

Enabling registers with the sandbox, pulls its seats and runs the bulk sync; what the sandbox
stored and the calls it logged are the evidence (nobody missed, nobody sent twice).
"""

# ruff: noqa: F811  (pytest fixtures imported from their module and used as arguments)

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db.models import Sum
from django.utils import timezone

from candidates import services as candidate_services
from candidates.models import Candidate, ErasureTombstone, MatchReview, MemberLink
from syncjobs.bulk_sync import bulk_sync_continue, bulk_sync_run, history_cutoff
from syncjobs.enablement import integration_setup_run
from syncjobs.models import OutboxEvent, SyncRun
from syncjobs.runs import stale_after
from syncjobs.tasks import outbox_dispatch, outbox_redrive
from tests.candidates.factories import CandidateFactory
from tests.sandbox.factories import MemberFactory, SandboxContractFactory, SandboxSeatFactory
from tests.syncjobs.candidate_fakes import scheduled  # noqa: F401
from tests.syncjobs.linkedin_fakes import ORG, published, sandbox_linkedin  # noqa: F401
from tests.tracker_rsc.factories import ContractFactory, enabled_integration
from tracker_rsc import services as integration_services
from tracker_rsc.linkedin import LinkedInClient
from tracker_rsc.models import Integration, LinkedInSeat
from tracker_rsc.sandbox.models import ApiCall, AtsCandidate, AtsIntegration, Fault

pytestmark = pytest.mark.django_db(transaction=True)


class WorkerKilled(BaseException):
    """Stands for SIGKILL: nothing in the run catches it, nothing is cleaned up."""


def no_sleep(seconds: float) -> None:
    return None


@pytest.fixture
def sandbox(sandbox_linkedin, settings, published):
    # The sandbox enforces LinkedIn's limits itself; Tracker's shared limiter state (a file
    # under var/) is left out of these tests so that parallel test runs cannot pace them.
    settings.LINKEDIN_RATE_LIMIT_ENABLED = False
    SandboxContractFactory(urn="urn:li:contract:100", organization_urn=ORG)
    return sandbox_linkedin


@pytest.fixture
def integration(sandbox):
    integration = enabled_integration(ORG)
    Integration.objects.filter(pk=integration.pk).update(registered_at=timezone.now())
    integration.refresh_from_db()
    return integration


def upserted_records() -> int:
    """Records the sandbox accepted in successful batch upserts (its own call log)."""
    calls = ApiCall.objects.filter(endpoint="atsCandidates", method="batch_update", status__lt=400)
    return calls.aggregate(n=Sum("records"))["n"] or 0


def upsert_calls() -> int:
    return ApiCall.objects.filter(
        endpoint="atsCandidates", method="batch_update", status__lt=400
    ).count()


def on_linkedin() -> set[str]:
    return set(AtsCandidate.objects.values_list("ats_candidate_id", flat=True))


def test_enabling_registers_pulls_seats_and_bulk_syncs_every_eligible_candidate(sandbox, scheduled):
    SandboxSeatFactory(urn="urn:li:seat:6001", first_name="Ada", last_name="Lovelace")
    single = MemberFactory(emails=["single@mail.example"], person_urn="urn:li:person:single")
    for n in range(2):  # two members share an address: ambiguous
        MemberFactory(emails=["shared@mail.example"], person_urn=f"urn:li:person:twin{n}")
    integration_services.integration_enable(
        organization_urn=ORG, contract_urns=["urn:li:contract:100"], actor=None
    )
    integration = Integration.objects.get()
    cutoff = history_cutoff(integration)
    linked = CandidateFactory(email="single@mail.example")
    ambiguous = CandidateFactory(email="shared@mail.example")
    plain = CandidateFactory()
    skipped = {
        "outside_history": CandidateFactory(updated_at=cutoff - timedelta(days=1)),
        "missing_name": CandidateFactory(first_name=""),
        "missing_email": CandidateFactory(email=""),
    }
    gone = CandidateFactory(email="erased@mail.example")
    candidate_services.candidate_erase(candidate=CandidateFactory(email="erased@mail.example"))

    result = integration_setup_run()
    while bulk_sync_continue()["status"] == "continuing":
        pass

    assert result["registration"] == "registered"
    integration.refresh_from_db()
    assert integration.registered_at is not None and integration.status == "enabled"
    one_click = AtsIntegration.objects.get(
        integration_context=ORG, integration_type="ONE_CLICK_EXPORT"
    )
    assert integration.callback_url in str(one_click.configurations)
    assert AtsIntegration.objects.filter(
        integration_context="urn:li:contract:100", integration_type="CSA_API"
    ).exists()
    assert LinkedInSeat.objects.get(seat_urn="urn:li:seat:6001").full_name == "Ada Lovelace"

    run = SyncRun.objects.get(kind=SyncRun.Kind.BULK_SYNC)
    assert run.status == SyncRun.Status.SUCCEEDED, run.errors
    assert on_linkedin() == {str(c.pk) for c in (linked, ambiguous, plain)}
    assert run.skipped == {
        "outside_history": 1,
        "missing_name": 1,
        "missing_email": 1,
        "erased": 1,
    }
    assert (
        str(gone.pk) not in on_linkedin() and str(skipped["missing_email"].pk) not in on_linkedin()
    )
    link = MemberLink.objects.get(candidate=linked)
    assert (link.person_urn, link.method) == (single.person_urn, MemberLink.Method.BULK_SYNC)
    assert not MemberLink.objects.filter(candidate=ambiguous).exists()
    assert MatchReview.objects.get(candidate=ambiguous).person_urns == [
        "urn:li:person:twin0",
        "urn:li:person:twin1",
    ]
    assert run.linked == 1 and run.counters["ambiguous"] == 1


def test_resume_after_a_killed_worker_and_429s_misses_nobody_and_sends_nobody_twice(
    integration, monkeypatch
):
    candidates = [CandidateFactory() for _ in range(250)]
    original = LinkedInClient.upsert_candidates
    calls = {"n": 0}

    def dies_on_the_second_batch(self, records):
        calls["n"] += 1
        if calls["n"] == 2:
            raise WorkerKilled
        return original(self, records)

    monkeypatch.setattr(LinkedInClient, "upsert_candidates", dies_on_the_second_batch)
    with pytest.raises(WorkerKilled):
        bulk_sync_run(sleep=no_sleep)
    assert upserted_records() == 100

    # LinkedIn throttles the next calls beyond the adapter's own retries (2 in tests).
    Fault.objects.create(
        endpoint="atsCandidates", method="PUT", kind=Fault.Kind.HTTP_429, remaining=3
    )
    waits: list[float] = []
    with time_machine.travel(timezone.now() + stale_after() + timedelta(seconds=5), tick=True):
        run = bulk_sync_run(sleep=waits.append)

    assert run.status == SyncRun.Status.SUCCEEDED, run.errors
    assert waits, "the run backed off after the 429s"
    assert on_linkedin() == {str(c.pk) for c in candidates}
    assert upserted_records() == 250  # counted by the sandbox: nobody twice
    assert upsert_calls() == 3  # 100 + 100 + 50
    assert ApiCall.objects.filter(endpoint="atsCandidates", status=429).count() == 3


def test_a_5xx_on_the_match_read_retries_the_batch_and_links_once(integration):
    members = [
        MemberFactory(emails=[f"m{n}@mail.example"], person_urn=f"urn:li:person:m{n}")
        for n in range(120)
    ]
    candidates = [CandidateFactory(email=m.emails[0]) for m in members]
    Fault.objects.create(
        endpoint="atsCandidates", method="GET", kind=Fault.Kind.HTTP_503, remaining=1
    )

    run = bulk_sync_run(sleep=no_sleep)

    assert run.status == SyncRun.Status.SUCCEEDED, run.errors
    assert on_linkedin() == {str(c.pk) for c in candidates}
    # The first batch went twice because its match read failed (a retry demanded it).
    assert upserted_records() == 120 + 100
    assert MemberLink.objects.filter(method=MemberLink.Method.BULK_SYNC).count() == 120
    assert run.linked == 120


def completed_bulk_sync() -> None:
    SyncRun.objects.create(
        kind=SyncRun.Kind.BULK_SYNC,
        status=SyncRun.Status.SUCCEEDED,
        lock_key="bulk_sync:-:-",
        cursor={"organization_urn": ORG},
    )


def test_saving_a_three_year_old_record_without_change_links_it(integration, published):
    member = MemberFactory(emails=["veteran@mail.example"], person_urn="urn:li:person:veteran")
    three_years_ago = timezone.now() - timedelta(days=3 * 365)
    old = CandidateFactory(
        email="veteran@mail.example", updated_at=three_years_ago, created_at=three_years_ago
    )
    bulk_sync_run(sleep=no_sleep)
    assert str(old.pk) not in on_linkedin()  # outside the two years: not in the bulk sync

    candidate_services.candidate_save(candidate=Candidate.objects.get(pk=old.pk))
    event = OutboxEvent.objects.get(kind=OutboxEvent.Kind.CANDIDATE_UPSERT)
    assert ("syncjobs.tasks.outbox_dispatch", (event.pk,)) in published
    outbox_dispatch(event.pk)

    event.refresh_from_db()
    assert event.status == OutboxEvent.Status.SENT
    assert str(old.pk) in on_linkedin()
    link = MemberLink.objects.get(candidate=old)
    assert (link.person_urn, link.method) == (member.person_urn, MemberLink.Method.LIVE_SYNC)


def test_manual_link_and_unlink_reach_linkedin(integration):
    completed_bulk_sync()
    MemberFactory(person_urn="urn:li:person:chosen")
    candidate = candidate_services.candidate_create(
        first_name="Ann", last_name="Lee", email="ann@mail.example"
    )
    link = candidate_services.member_link_create(
        candidate=candidate,
        person_urn="urn:li:person:chosen",
        method=MemberLink.Method.MANUAL,
        matched_on=MemberLink.MatchedOn.MEMBER,
        reason="recruiter checked the profile",
    )
    # The match goes first: LinkedIn does not know the candidate yet, so it waits for it.
    match = OutboxEvent.objects.get(kind=OutboxEvent.Kind.CANDIDATE_MATCH)
    outbox_dispatch(match.pk)
    match.refresh_from_db()
    assert match.status == OutboxEvent.Status.PENDING and match.attempts == 0
    outbox_redrive()  # the upsert goes now
    OutboxEvent.objects.filter(pk=match.pk).update(next_attempt_at=timezone.now())
    outbox_redrive()

    stored = AtsCandidate.objects.get(ats_candidate_id=str(candidate.pk))
    assert stored.manual_matched_member == "urn:li:person:chosen"

    candidate_services.member_link_unlink(link=link, reason="wrong person")
    outbox_redrive()
    stored.refresh_from_db()
    assert stored.manual_matched_member == ""
    assert MemberLink.objects.get(pk=link.pk).unlink_reason == "wrong person"


def test_delete_and_erasure_reach_linkedin(integration):
    completed_bulk_sync()
    deleted = candidate_services.candidate_create(
        first_name="Del", last_name="Eted", email="del@mail.example"
    )
    erased = candidate_services.candidate_create(
        first_name="Era", last_name="Sed", email="era@mail.example"
    )
    outbox_redrive()
    assert on_linkedin() == {str(deleted.pk), str(erased.pk)}

    candidate_services.candidate_delete(candidate=deleted)
    tombstone = candidate_services.candidate_erase(candidate=erased, reason="GDPR request")
    outbox_redrive()

    assert on_linkedin() == set()
    tombstone.refresh_from_db()
    assert tombstone.linkedin_deleted_at is not None
    assert ErasureTombstone.objects.get().reason == "GDPR request"
    assert set(OutboxEvent.objects.values_list("status", flat=True)) == {"sent"}


def test_an_event_whose_enqueue_was_lost_is_redriven(integration, monkeypatch):
    completed_bulk_sync()
    monkeypatch.setattr("syncjobs.enqueue.publish", lambda *a, **k: False)  # broker down
    candidate = candidate_services.candidate_create(
        first_name="Lost", last_name="Enqueue", email="lost@mail.example"
    )
    event = OutboxEvent.objects.get()
    assert event.status == OutboxEvent.Status.PENDING

    outbox_redrive()

    event.refresh_from_db()
    assert event.status == OutboxEvent.Status.SENT
    assert str(candidate.pk) in on_linkedin()


def test_tracker_contract_seat_and_sandbox_seat_are_the_same_license(sandbox):
    enabled_integration(ORG)
    contract = ContractFactory(urn="urn:li:contract:100")
    SandboxSeatFactory(urn="urn:li:seat:6100", product="RPS_PLUS", active=True)

    from syncjobs.seat_sync import seat_sync_contract

    run = seat_sync_contract(contract=contract)

    assert run.status == SyncRun.Status.SUCCEEDED, run.errors
    seat = LinkedInSeat.objects.get(seat_urn="urn:li:seat:6100")
    assert seat.tier == "RSC+" and seat.contract == contract
