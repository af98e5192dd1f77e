# ruff: noqa: F401, F811  (pytest fixtures imported by name)
"""InMails and notes: 12-hour windows per contract (InMails per seat), watermark, idempotence,
inactive notes, unlinked members counted and attached later, erased members skipped,
colleague visibility."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command

from candidates import services as candidate_services
from candidates.models import MemberLink
from requisitions.models import Activity
from syncjobs.interactions import (
    BUDGET_SPENT,
    CAUGHT_UP,
    FIRST_RUN_LOOKBACK,
    SAFETY_LAG,
    inmail_sync_runs,
    interaction_budget_seconds,
    interaction_sync_all,
    interaction_sync_contract,
    note_sync_runs,
)
from syncjobs.models import SyncRun
from tests.candidates.factories import CandidateFactory, MemberLinkFactory
from tests.syncjobs.linkedin_fakes import ORG
from tests.syncjobs.rsc_fakes import fake_rsc
from tests.tracker_rsc.factories import (
    ContractFactory,
    LinkedInSeatFactory,
    UserFactory,
    enabled_integration,
)
from tracker_rsc.linkedin import ConversationEvent, ProspectNote, TransientError
from tracker_rsc.models import Contract, Integration

pytestmark = pytest.mark.django_db

ENABLED_AT = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
WATERMARK = datetime(2026, 3, 10, 0, 0, tzinfo=UTC)
NOW = WATERMARK + timedelta(hours=20)
INMAIL = SyncRun.Kind.INMAIL_SYNC
NOTE = SyncRun.Kind.NOTE_SYNC


@pytest.fixture
def world(db):
    integration = enabled_integration(ORG)
    Integration.objects.filter(pk=integration.pk).update(enabled_at=ENABLED_AT)
    contract = ContractFactory(
        urn="urn:li:contract:100",
        inmail_watermark=WATERMARK,
        note_watermark=WATERMARK,
    )
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    seats = [
        LinkedInSeatFactory(user=alice, seat_urn="urn:li:seat:5001", contract=contract),
        LinkedInSeatFactory(user=bob, seat_urn="urn:li:seat:5002", contract=contract),
    ]
    linked = MemberLinkFactory(person_urn="urn:li:person:ada").candidate
    return {"contract": contract, "seats": seats, "alice": alice, "bob": bob, "linked": linked}


def inmail(event_id: str, *, seat: str, member: str, at: datetime, **kw) -> ConversationEvent:
    return ConversationEvent(
        id=event_id,
        conversation=f"urn:li:conversation:{seat}-{member}",
        viewer_seat_urn=seat,
        person_urn=member,
        direction=kw.get("direction", "OUTBOUND"),
        subject=kw.get("subject", "A role you may like"),
        body=kw.get("body", "Hello!"),
        occurred_at=at,
    )


def note(note_id: str, *, seat: str, member: str, at: datetime, active: bool = True, text="Met"):
    return ProspectNote(
        id=note_id,
        contract_urn="urn:li:contract:100",
        owner_seat_urn=seat,
        person_urn=member,
        note=text if active else "",
        active=active,
        last_modified_at=at,
    )


def sync(kind: str, contract: Contract, now: datetime = NOW) -> SyncRun:
    return interaction_sync_contract(kind=kind, contract=contract, now=now)


def test_inmails_are_read_per_seat_in_windows_of_at_most_12_hours(fake_rsc, world):
    contract = world["contract"]
    run = sync(INMAIL, contract)
    assert run.status == SyncRun.Status.SUCCEEDED
    windows = [(start, end) for _, start, end in fake_rsc.called("iter_conversation_events")]
    assert {seat for seat, _, _ in fake_rsc.called("iter_conversation_events")} == {
        "urn:li:seat:5001",
        "urn:li:seat:5002",
    }
    assert all(end - start <= timedelta(hours=12) for start, end in windows)
    distinct = sorted(set(windows))
    assert distinct[0][0] == WATERMARK
    assert distinct == [
        (WATERMARK, WATERMARK + timedelta(hours=12)),
        (WATERMARK + timedelta(hours=12), NOW - SAFETY_LAG),
    ]
    contract.refresh_from_db()
    assert contract.inmail_watermark == NOW - SAFETY_LAG
    assert contract.note_watermark == WATERMARK  # each stream has its own watermark
    assert run.counters["windows"] == 2


def test_the_first_run_starts_a_lookback_before_enabling_and_catches_up(fake_rsc, world):
    contract = world["contract"]
    Contract.objects.filter(pk=contract.pk).update(inmail_watermark=None)
    contract.refresh_from_db()
    run = sync(INMAIL, contract)
    contract.refresh_from_db()
    start = ENABLED_AT - FIRST_RUN_LOOKBACK
    assert run.window_start == start
    assert contract.inmail_watermark == run.window_end == NOW - SAFETY_LAG
    assert run.counters[CAUGHT_UP] == 1
    assert BUDGET_SPENT not in run.counters


def test_an_inmail_sent_ten_minutes_before_a_manual_sync_right_after_enabling_is_synced(
    fake_rsc, capsys
):
    """The bug: the first manual sync started 30 days back and stopped after 12 windows of 12
    hours, the second 6 days later, both "succeeded", and the InMail was still not there."""
    now = datetime.now(tz=UTC)
    enabled_integration(ORG)  # enabled now
    contract = ContractFactory(urn="urn:li:contract:100")
    LinkedInSeatFactory(user=UserFactory(), seat_urn="urn:li:seat:5001", contract=contract)
    candidate = MemberLinkFactory(person_urn="urn:li:person:ada").candidate
    fake_rsc.events = [
        inmail(
            "fresh",
            seat="urn:li:seat:5001",
            member="urn:li:person:ada",
            at=now - timedelta(minutes=10),
        )
    ]

    call_command("run_sync", "inmail_sync")

    assert Activity.objects.filter(candidate=candidate, external_id="fresh").exists()
    out = capsys.readouterr().out
    run = SyncRun.objects.get(kind=INMAIL)
    assert run.status == SyncRun.Status.SUCCEEDED
    assert run.counters["windows"] == 60  # 30 days less the safety lag, in 12-hour windows
    # Progress as it goes: one line per window reached, with the counters.
    assert out.count("reached ") >= 60
    assert f"reached {run.window_end:%Y-%m-%d %H:%M:%S} UTC (now less LinkedIn" in out
    assert "created 1" in out
    contract.refresh_from_db()
    assert now - SAFETY_LAG <= contract.inmail_watermark <= datetime.now(tz=UTC) - SAFETY_LAG


def test_a_run_with_a_time_budget_stops_after_a_whole_window_and_the_next_continues(
    fake_rsc, world
):
    contract = world["contract"]
    Contract.objects.filter(pk=contract.pk).update(inmail_watermark=None)
    contract.refresh_from_db()
    ticks = iter(range(1000))  # every window takes one "second"

    first = interaction_sync_contract(
        kind=INMAIL, contract=contract, now=NOW, budget_seconds=3, clock=lambda: next(ticks)
    )

    start = ENABLED_AT - FIRST_RUN_LOOKBACK
    assert first.status == SyncRun.Status.SUCCEEDED
    assert first.counters == {"windows": 3, BUDGET_SPENT: 1}
    contract.refresh_from_db()
    assert contract.inmail_watermark == first.window_end == start + timedelta(hours=36)

    second = sync(INMAIL, contract)

    assert second.window_start == start + timedelta(hours=36)
    assert second.counters[CAUGHT_UP] == 1
    contract.refresh_from_db()
    assert contract.inmail_watermark == NOW - SAFETY_LAG


def test_the_periodic_task_catches_up_within_its_budget(fake_rsc, world, settings):
    contract = world["contract"]
    Contract.objects.filter(pk=contract.pk).update(inmail_watermark=None, note_watermark=None)
    Integration.objects.update(enabled_at=datetime.now(tz=UTC) - timedelta(hours=1))
    settings.CELERY_TASK_SOFT_TIME_LIMIT = 840

    result = interaction_sync_all()

    contract.refresh_from_db()
    assert result["failed"] == 0 and result["behind"] == []
    # Both streams reached (real) now less the safety lag in one cycle, from 30 days back.
    assert contract.inmail_watermark > datetime.now(tz=UTC) - SAFETY_LAG - timedelta(minutes=1)
    assert contract.note_watermark > datetime.now(tz=UTC) - SAFETY_LAG - timedelta(minutes=1)
    assert interaction_budget_seconds() == 840 * 0.6


def test_the_periodic_task_says_which_runs_are_still_behind(fake_rsc, world, monkeypatch):
    contract = world["contract"]
    Contract.objects.filter(pk=contract.pk).update(inmail_watermark=None, note_watermark=None)
    monkeypatch.setattr("syncjobs.interactions.interaction_budget_seconds", lambda: 0.0)

    result = interaction_sync_all()

    assert result["runs"] == 2 and result["failed"] == 0
    assert len(result["behind"]) == 2
    assert all("reached" in line for line in result["behind"])
    assert all(run.counters == {"windows": 1, BUDGET_SPENT: 1} for run in SyncRun.objects.all())


def test_inmails_become_activities_on_linked_candidates_and_unlinked_ones_are_counted(
    fake_rsc, world
):
    at = WATERMARK + timedelta(hours=1)
    fake_rsc.events = [
        inmail("e1", seat="urn:li:seat:5001", member="urn:li:person:ada", at=at),
        inmail(
            "e2",
            seat="urn:li:seat:5001",
            member="urn:li:person:ada",
            at=at + timedelta(minutes=3),
            direction="INBOUND",
            subject="",
            body="Interested!",
        ),
        inmail("e3", seat="urn:li:seat:5002", member="urn:li:person:nobody", at=at),
    ]
    run = sync(INMAIL, world["contract"])
    assert (run.total, run.created, run.updated) == (3, 3, 0)
    assert run.counters["unlinked_member"] == 1
    sent = Activity.objects.get(external_id="e1")
    assert (sent.kind, sent.candidate, sent.seat, sent.author) == (
        "inmail",
        world["linked"],
        world["seats"][0],
        world["alice"],
    )
    assert Activity.objects.get(external_id="e2").subject == "InMail reply"
    waiting = Activity.objects.get(external_id="e3")
    assert (waiting.candidate, waiting.person_urn) == (None, "urn:li:person:nobody")

    # The member gets linked later: the waiting InMail attaches to the candidate.
    later = CandidateFactory()
    candidate_services.member_link_create(
        candidate=later,
        person_urn="urn:li:person:nobody",
        method=MemberLink.Method.MANUAL,
        matched_on=MemberLink.MatchedOn.MEMBER,
    )
    waiting.refresh_from_db()
    assert waiting.candidate == later


def erase_member(person_urn: str) -> None:
    """A candidate linked to this member is erased (the tombstone holds the member's hash)."""
    candidate = MemberLinkFactory(person_urn=person_urn).candidate
    candidate_services.candidate_erase(candidate=candidate, reason="GDPR request")


def test_inmails_and_notes_about_an_erased_member_are_skipped_and_counted(fake_rsc, world):
    erase_member("urn:li:person:gone")
    contract = world["contract"]
    at = WATERMARK + timedelta(hours=1)
    fake_rsc.events = [
        inmail("e1", seat="urn:li:seat:5001", member="urn:li:person:gone", at=at),
        inmail(
            "e2", seat="urn:li:seat:5002", member="urn:li:person:gone", at=at, direction="INBOUND"
        ),
        inmail("e3", seat="urn:li:seat:5001", member="urn:li:person:ada", at=at),
        inmail("e4", seat="urn:li:seat:5002", member="urn:li:person:nobody", at=at),
    ]
    fake_rsc.notes = [
        note("n1", seat="urn:li:seat:5001", member="urn:li:person:gone", at=at),
        note("n2", seat="urn:li:seat:5002", member="urn:li:person:ada", at=at),
    ]

    inmails = sync(INMAIL, contract)
    notes = sync(NOTE, contract)

    assert inmails.status == notes.status == SyncRun.Status.SUCCEEDED
    assert inmails.skipped == {"erased": 2}
    assert (inmails.total, inmails.processed, inmails.created) == (4, 2, 2)
    assert inmails.counters["unlinked_member"] == 1  # "nobody", not the erased member
    assert inmails.progress_percent == 100
    assert notes.skipped == {"erased": 1}
    assert (notes.total, notes.processed, notes.created) == (2, 1, 1)
    assert not Activity.objects.filter(person_urn="urn:li:person:gone").exists()
    assert set(Activity.objects.values_list("external_id", flat=True)) == {"e3", "e4", "n2"}


def test_a_re_delivered_item_about_an_erased_member_is_skipped_too(fake_rsc, world):
    contract = world["contract"]
    at = WATERMARK + timedelta(hours=1)
    erase_member("urn:li:person:gone")
    fake_rsc.events = [inmail("e1", seat="urn:li:seat:5001", member="urn:li:person:gone", at=at)]
    sync(INMAIL, contract)
    Contract.objects.filter(pk=contract.pk).update(inmail_watermark=WATERMARK)
    contract.refresh_from_db()

    again = sync(INMAIL, contract)

    assert again.skipped == {"erased": 1} and again.created == 0
    assert not Activity.objects.exists()


def test_an_erased_member_linked_to_a_candidate_again_gets_their_inmails(fake_rsc, world):
    erase_member("urn:li:person:gone")
    # An admin imported the person anyway (a held export): the member is linked again.
    again = MemberLinkFactory(person_urn="urn:li:person:gone").candidate
    at = WATERMARK + timedelta(hours=1)
    fake_rsc.events = [inmail("e1", seat="urn:li:seat:5001", member="urn:li:person:gone", at=at)]

    run = sync(INMAIL, world["contract"])

    assert run.skipped == {} and run.created == 1
    assert Activity.objects.get(external_id="e1").candidate == again


def test_erasing_a_candidate_stops_the_next_sync_bringing_their_history_back(fake_rsc, world):
    contract = world["contract"]
    at = WATERMARK + timedelta(hours=1)
    fake_rsc.events = [inmail("e1", seat="urn:li:seat:5001", member="urn:li:person:ada", at=at)]
    fake_rsc.notes = [note("n1", seat="urn:li:seat:5001", member="urn:li:person:ada", at=at)]
    sync(INMAIL, contract)
    sync(NOTE, contract)
    assert world["linked"].activities.count() == 2

    candidate_services.candidate_erase(candidate=world["linked"], reason="GDPR request")
    assert not Activity.objects.exists()
    # LinkedIn still lists them (they belong to the Recruiter side): the windows run again.
    Contract.objects.filter(pk=contract.pk).update(
        inmail_watermark=WATERMARK, note_watermark=WATERMARK
    )
    contract.refresh_from_db()
    inmails = sync(INMAIL, contract)
    notes = sync(NOTE, contract)

    assert (inmails.skipped, notes.skipped) == ({"erased": 1}, {"erased": 1})
    assert not Activity.objects.exists()


def test_rerunning_a_window_never_duplicates(fake_rsc, world):
    contract = world["contract"]
    at = WATERMARK + timedelta(hours=2)
    fake_rsc.events = [inmail("e1", seat="urn:li:seat:5001", member="urn:li:person:ada", at=at)]
    fake_rsc.notes = [note("n1", seat="urn:li:seat:5002", member="urn:li:person:ada", at=at)]
    sync(INMAIL, contract)
    sync(NOTE, contract)
    Contract.objects.filter(pk=contract.pk).update(
        inmail_watermark=WATERMARK, note_watermark=WATERMARK
    )
    contract.refresh_from_db()
    again = sync(INMAIL, contract)
    notes_again = sync(NOTE, contract)
    assert (again.created, again.updated) == (0, 0)
    assert (notes_again.created, notes_again.updated) == (0, 0)
    assert Activity.objects.filter(kind="inmail").count() == 1
    assert Activity.objects.filter(kind="note").count() == 1


def test_notes_are_read_for_the_contracts_seats_and_an_inactive_note_removes_its_activity(
    fake_rsc, world
):
    contract = world["contract"]
    at = WATERMARK + timedelta(hours=1)
    fake_rsc.notes = [
        note("n1", seat="urn:li:seat:5001", member="urn:li:person:ada", at=at, text="Strong"),
        note("n2", seat="urn:li:seat:5002", member="urn:li:person:ada", at=at),
    ]
    run = sync(NOTE, contract)
    assert run.created == 2
    (contract_urn, owners, _, _) = fake_rsc.called("iter_prospect_notes")[0]
    assert (contract_urn, sorted(owners)) == (
        "urn:li:contract:100",
        ["urn:li:seat:5001", "urn:li:seat:5002"],
    )
    first = Activity.objects.get(external_id="n1")
    assert (first.kind, first.body, first.candidate) == ("note", "Strong", world["linked"])

    # Edited, then withdrawn on LinkedIn, in the next window.
    later = NOW + timedelta(hours=1)
    fake_rsc.notes = [
        note("n1", seat="urn:li:seat:5001", member="urn:li:person:ada", at=later, text="Edited"),
        note("n2", seat="urn:li:seat:5002", member="urn:li:person:ada", at=later, active=False),
    ]
    run = sync(NOTE, contract, now=NOW + timedelta(hours=3))
    assert (run.updated, run.counters.get("notes_removed")) == (1, 1)
    assert Activity.objects.get(external_id="n1").body == "Edited"
    assert not Activity.objects.filter(external_id="n2").exists()


def test_a_failed_seat_fails_the_window_and_leaves_the_watermark(fake_rsc, world):
    contract = world["contract"]
    at = WATERMARK + timedelta(hours=1)
    fake_rsc.events = [
        inmail("e1", seat="urn:li:seat:5001", member="urn:li:person:ada", at=at),
        inmail("e2", seat="urn:li:seat:5002", member="urn:li:person:ada", at=at),
    ]
    fake_rsc.failures[("iter_conversation_events", "urn:li:seat:5002")] = TransientError(
        "Service Unavailable", status=503
    )
    run = sync(INMAIL, contract)
    assert run.status == SyncRun.Status.FAILED
    assert "retried from the same watermark" in run.error
    contract.refresh_from_db()
    assert contract.inmail_watermark == WATERMARK
    retry = sync(INMAIL, contract)
    assert retry.status == SyncRun.Status.SUCCEEDED
    assert set(Activity.objects.values_list("external_id", flat=True)) == {"e1", "e2"}


def test_colleagues_see_each_others_inmails_through_the_api(fake_rsc, world, api_client):
    at = WATERMARK + timedelta(hours=1)
    fake_rsc.events = [
        inmail("e1", seat="urn:li:seat:5001", member="urn:li:person:ada", at=at, body="Hi Ada")
    ]
    sync(INMAIL, world["contract"])
    # ``api_client`` is a third recruiter, neither Alice (who sent it) nor seated at all.
    rows = api_client.get(f"/api/v1/activities/?candidate={world['linked'].pk}").json()
    rows = rows.get("results", rows)
    assert [(row["kind"], row["body"]) for row in rows] == [("inmail", "Hi Ada")]


def test_only_contract_level_contracts_of_an_enabled_integration_are_synced(fake_rsc, world):
    company = ContractFactory(urn="urn:li:contract:200", access_level="company")
    LinkedInSeatFactory(contract=company, seat_urn="urn:li:seat:6001")
    runs = inmail_sync_runs(now=NOW)
    assert [run.contract.urn for run in runs] == ["urn:li:contract:100"]
    assert all(
        seat != "urn:li:seat:6001" for seat, _, _ in fake_rsc.called("iter_conversation_events")
    )
    Integration.objects.update(status=Integration.Status.DISABLED)
    assert note_sync_runs(now=NOW) == []


def test_a_contract_without_seats_has_nothing_to_sync(fake_rsc, world):
    empty = ContractFactory(urn="urn:li:contract:300", inmail_watermark=WATERMARK)
    assert interaction_sync_contract(kind=INMAIL, contract=empty, now=NOW) is None
    assert fake_rsc.calls == []


def test_the_task_and_run_sync_commands(fake_rsc, world, capsys):
    fake_rsc.events = [
        inmail(
            "e1",
            seat="urn:li:seat:5001",
            member="urn:li:person:ada",
            at=datetime.now(tz=UTC) - timedelta(hours=1),
        )
    ]
    Contract.objects.update(
        inmail_watermark=datetime.now(tz=UTC) - timedelta(hours=2),
        note_watermark=datetime.now(tz=UTC) - timedelta(hours=2),
    )
    result = interaction_sync_all()
    assert (result["runs"], result["failed"], result["created"]) == (2, 0, 1)
    call_command("run_sync", "inmail_sync")
    call_command("run_sync", "note_sync")
    out = capsys.readouterr().out
    assert "InMail sync" in out and "Notes sync" in out


def test_bad_kind_is_refused(world):
    with pytest.raises(ValueError, match="kind must be"):
        interaction_sync_contract(kind="bulk_sync", contract=world["contract"])


# --- Against the sandbox ----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_inmails_and_notes_from_the_sandbox(sandbox_linkedin, sandbox_control, published):
    import requests

    from tests.sandbox.factories import MemberFactory, SandboxContractFactory, SandboxSeatFactory

    enabled_integration(ORG)
    start = datetime.now(tz=UTC) - timedelta(hours=3)
    contract = ContractFactory(
        urn="urn:li:contract:100", inmail_watermark=start, note_watermark=start
    )
    LinkedInSeatFactory(seat_urn="urn:li:seat:5001", contract=contract)
    LinkedInSeatFactory(seat_urn="urn:li:seat:5002", contract=contract)
    li_contract = SandboxContractFactory(urn="urn:li:contract:100", organization_urn=ORG)
    SandboxSeatFactory(urn="urn:li:seat:5001", contract=li_contract)
    SandboxSeatFactory(urn="urn:li:seat:5002", contract=li_contract)
    MemberFactory(person_urn="urn:li:person:sbx1")
    MemberFactory(person_urn="urn:li:person:sbx2")
    candidate = MemberLinkFactory(person_urn="urn:li:person:sbx1").candidate
    session, control = sandbox_control
    at = int((start + timedelta(hours=1)).timestamp() * 1000)
    for seat, member in (("5001", "sbx1"), ("5002", "sbx1"), ("5002", "sbx2")):
        answer = session.post(
            f"{control}/inmail",
            json={
                "seat": f"urn:li:seat:{seat}",
                "member": f"urn:li:person:{member}",
                "subject": "Role",
                "body": f"Hello from {seat}",
                "at": at,
            },
            timeout=300,
        )
        assert answer.status_code == 200, answer.text
    kept = session.post(
        f"{control}/note-add",
        json={"seat": "urn:li:seat:5001", "member": "urn:li:person:sbx1", "note": "Keep", "at": at},
        timeout=300,
    ).json()["note_id"]
    dropped = session.post(
        f"{control}/note-add",
        json={"seat": "urn:li:seat:5002", "member": "urn:li:person:sbx1", "note": "Drop", "at": at},
        timeout=300,
    ).json()["note_id"]
    now = datetime.now(tz=UTC) + SAFETY_LAG  # the window ends now

    inmails = interaction_sync_contract(kind=INMAIL, contract=contract, now=now)
    notes = interaction_sync_contract(kind=NOTE, contract=contract, now=now)
    assert (inmails.status, inmails.created, inmails.counters["unlinked_member"]) == (
        "succeeded",
        3,
        1,
    )
    assert (notes.status, notes.created) == ("succeeded", 2)
    assert candidate.activities.filter(kind="inmail").count() == 2
    assert set(candidate.activities.filter(kind="note").values_list("external_id", flat=True)) == {
        kept,
        dropped,
    }

    session.post(f"{control}/note-deactivate", json={"note_id": dropped}, timeout=300)
    # The deactivation is stamped "now" by the sandbox; LinkedIn's windows are in whole
    # milliseconds, so a window ending at this very instant could miss it: end a second later.
    later = datetime.now(tz=UTC) + SAFETY_LAG + timedelta(seconds=1)
    contract.refresh_from_db()
    run = interaction_sync_contract(kind=NOTE, contract=contract, now=later)
    assert run.counters.get("notes_removed") == 1
    assert list(candidate.activities.filter(kind="note").values_list("external_id", flat=True)) == [
        kept
    ]
