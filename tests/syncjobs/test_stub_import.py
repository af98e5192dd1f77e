"""InMail stub profiles: windows, watermark, duplicate check, erasure, overlap, idempotence."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import DataError, OperationalError

from candidates.models import Candidate, MemberLink
from candidates.services import candidate_delete, candidate_erase
from requisitions.models import Activity
from syncjobs.models import HeldRecord, SyncRun
from syncjobs.runs import sync_run_start
from syncjobs.stub_import import (
    FIRST_RUN_LOOKBACK,
    SAFETY_LAG,
    HeldRecordNotOpen,
    stub_held_retry,
    stub_import_all,
    stub_import_contract,
    stub_import_runs,
    stub_payload,
)
from tests.candidates.factories import CandidateFactory, MemberLinkFactory
from tests.sandbox.factories import MemberFactory, SandboxContractFactory, SandboxSeatFactory
from tests.syncjobs.linkedin_fakes import (
    ORG,
    profile,
    stub,
    transient,
)
from tests.tracker_rsc.factories import ContractFactory, LinkedInSeatFactory, enabled_integration
from tracker_rsc.linkedin import MailStub, Unreadable
from tracker_rsc.models import Contract, Integration
from tracker_rsc.sandbox.models import Fault
from tracker_rsc.sandbox.models import MailStub as SandboxMailStub

ENABLED_AT = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def integration(db):
    integration = enabled_integration(ORG)
    Integration.objects.filter(pk=integration.pk).update(enabled_at=ENABLED_AT)
    integration.refresh_from_db()
    return integration


@pytest.fixture
def contract(integration) -> Contract:
    return ContractFactory(urn="urn:li:contract:100", access_level=Contract.AccessLevel.CONTRACT)


@pytest.fixture
def seat(contract):
    return LinkedInSeatFactory(seat_urn="urn:li:seat:5001", contract=contract)


def member(n: int, **kw):
    values = {
        "person_urn": f"urn:li:person:s{n}",
        "profile_url": f"https://www.linkedin.com/in/stub-person-{n}",
        "first_name": f"Stub{n}",
        "last_name": "Person",
        "emails": [f"stub{n}@example.com"],
        "skills": [],
        "positions": [],
        "phones": ["+44 7700 900000"],
    }
    values.update(kw)
    return profile(**values)


def stub_activities():
    """The stub profile activities (other flows, such as linking, add activities of their own)."""
    return Activity.objects.filter(kind=Activity.Kind.STUB_PROFILE)


# --- One window, with the fake LinkedIn -----------------------------------------------------


def test_first_window_starts_a_lookback_before_enabling_and_creates_candidates(
    fake_linkedin, contract, seat
):
    fake_linkedin.stubs = [
        stub("s1", created_at=ENABLED_AT - timedelta(days=2), member=member(1)),
        stub("s2", created_at=NOW - timedelta(hours=1), member=member(2)),
        stub("too-old", created_at=ENABLED_AT - FIRST_RUN_LOOKBACK - timedelta(seconds=1)),
    ]
    run = stub_import_contract(contract=contract, now=NOW)
    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    assert (run.window_start, run.window_end) == (ENABLED_AT - FIRST_RUN_LOOKBACK, NOW - SAFETY_LAG)
    assert (run.total, run.processed, run.created, run.updated, run.linked) == (2, 2, 2, 0, 2)
    first = Candidate.objects.get(first_name="Stub1")
    assert first.source == Candidate.Source.STUB_PROFILE
    assert first.phone == "+44 7700 900000"
    assert first.created_by == seat.user
    link = MemberLink.objects.get(candidate=first)
    assert (link.person_urn, link.method, link.matched_on) == ("urn:li:person:s1", "stub", "member")
    activity = Activity.objects.get(external_id="s1")
    assert activity.kind == Activity.Kind.STUB_PROFILE
    assert (activity.candidate, activity.contract, activity.seat) == (first, contract, seat)
    assert activity.occurred_at == ENABLED_AT - timedelta(days=2)
    contract.refresh_from_db()
    assert contract.stub_watermark == NOW - SAFETY_LAG


def test_next_window_starts_at_the_watermark(fake_linkedin, contract):
    Contract.objects.filter(pk=contract.pk).update(stub_watermark=NOW - timedelta(hours=2))
    contract.refresh_from_db()
    stub_import_contract(contract=contract, now=NOW)
    (_, (urn, start, end)) = fake_linkedin.calls[0]
    assert (urn, start, end) == (contract.urn, NOW - timedelta(hours=2), NOW - SAFETY_LAG)


def test_stub_of_an_existing_candidate_updates_it_through_the_duplicate_check(
    fake_linkedin, contract
):
    existing = CandidateFactory(first_name="Stub1", last_name="Person", email="STUB1@example.com ")
    fake_linkedin.stubs = [stub("s1", created_at=NOW - timedelta(hours=1), member=member(1))]
    run = stub_import_contract(contract=contract, now=NOW)
    assert (run.created, run.updated, run.linked) == (0, 1, 1)
    assert Candidate.objects.count() == 1
    link = MemberLink.objects.get()
    assert (link.candidate, link.matched_on) == (existing, "email")
    assert stub_activities().get().data["rule"] == "email"


def test_same_name_different_person_is_created_and_flagged(fake_linkedin, contract):
    other = CandidateFactory(first_name="Stub1", last_name="Person", email="someone@else.org")
    fake_linkedin.stubs = [stub("s1", created_at=NOW - timedelta(hours=1), member=member(1))]
    stub_import_contract(contract=contract, now=NOW)
    new = Candidate.objects.exclude(pk=other.pk).get()
    assert new.possible_duplicate_of == other


def test_erased_person_is_skipped_and_counted_never_recreated(fake_linkedin, contract):
    gone = CandidateFactory(first_name="Stub1", last_name="Person", email="stub1@example.com")
    candidate_erase(candidate=gone, reason="GDPR")
    fake_linkedin.stubs = [
        stub("s1", created_at=NOW - timedelta(hours=2), member=member(1)),
        stub("s2", created_at=NOW - timedelta(hours=1), member=member(2)),
    ]
    run = stub_import_contract(contract=contract, now=NOW)
    assert run.status == SyncRun.Status.SUCCEEDED
    assert run.skipped == {"erased": 1}
    assert list(Candidate.objects.values_list("first_name", flat=True)) == ["Stub2"]


def test_rerunning_a_window_never_duplicates_nor_overwrites_later_edits(fake_linkedin, contract):
    fake_linkedin.stubs = [stub("s1", created_at=NOW - timedelta(hours=1), member=member(1))]
    stub_import_contract(contract=contract, now=NOW)
    Candidate.objects.update(headline="Edited by a recruiter since")
    Contract.objects.filter(pk=contract.pk).update(stub_watermark=None)  # the same window again
    contract.refresh_from_db()
    run = stub_import_contract(contract=contract, now=NOW)
    assert run.skipped == {"already_imported": 1}
    assert Candidate.objects.count() == 1
    assert stub_activities().count() == 1
    assert Candidate.objects.get().headline == "Edited by a recruiter since"


def test_a_failed_window_leaves_the_watermark_and_is_retried(fake_linkedin, contract):
    watermark = NOW - timedelta(hours=3)
    Contract.objects.filter(pk=contract.pk).update(stub_watermark=watermark)
    contract.refresh_from_db()
    fake_linkedin.stubs = [stub("s1", created_at=NOW - timedelta(hours=2), member=member(1))]
    fake_linkedin.stub_failure = transient("LinkedIn returned 503 on page 2")
    run = stub_import_contract(contract=contract, now=NOW)
    assert run.status == SyncRun.Status.FAILED
    assert "503 on page 2" in run.error and "same watermark" in run.error
    assert run.errors and "503" in run.errors[-1]["error"]
    assert (run.total, run.created) == (1, 1)  # what came before the failure is kept
    contract.refresh_from_db()
    assert contract.stub_watermark == watermark
    fake_linkedin.stub_failure = None
    retry = stub_import_contract(contract=contract, now=NOW)
    assert retry.status == SyncRun.Status.SUCCEEDED
    assert retry.skipped == {"already_imported": 1}
    assert Candidate.objects.count() == 1
    contract.refresh_from_db()
    assert contract.stub_watermark == NOW - SAFETY_LAG


# --- A stub Tracker cannot store: held, never lost ------------------------------------------


@pytest.fixture
def picky(monkeypatch):
    """Tracker refuses Stub1's data (a validator that is too strict, a bad value): the cause an
    admin later fixes. ``picky.fixed = True`` is the fix."""
    from syncjobs import stub_import

    real = stub_import.profile_apply

    class Picky:
        fixed = False

        def __call__(self, *, profile, **kw):
            if profile.first_name == "Stub1" and not self.fixed:
                raise ValidationError({"email": "Enter a valid email address."})
            return real(profile=profile, **kw)

    refuse = Picky()
    monkeypatch.setattr(stub_import, "profile_apply", refuse)
    return refuse


def two_stubs():
    return [
        stub("s1", created_at=NOW - timedelta(hours=2), member=member(1)),
        stub("s2", created_at=NOW - timedelta(hours=1), member=member(2)),
    ]


def test_a_stub_tracker_cannot_store_is_held_with_its_payload_and_the_window_goes_on(
    fake_linkedin, contract, picky
):
    fake_linkedin.stubs = two_stubs()
    run = stub_import_contract(contract=contract, now=NOW)
    assert run.status == SyncRun.Status.SUCCEEDED
    assert (run.total, run.failed, run.created) == (2, 1, 1)
    assert "stub s1 held" in run.errors[0]["error"]
    assert "Enter a valid email address" in run.errors[0]["error"]
    assert "1 stub(s) Tracker could not store are held" in run.error and "s1" in run.error
    contract.refresh_from_db()
    assert contract.stub_watermark == NOW - SAFETY_LAG  # one bad stub does not block the stream
    held = HeldRecord.objects.get()
    assert (held.kind, held.external_id, held.contract, held.last_run) == (
        HeldRecord.Kind.STUB_PROFILE,
        "s1",
        contract,
        run,
    )
    assert held.reason == "email: Enter a valid email address."
    assert (held.attempts, held.resolved_at) == (1, None)
    # What LinkedIn sent is all there: the element parses back to the very same stub.
    assert held.payload["emailAddresses"] == ["stub1@example.com"]
    assert held.payload["phoneNumbers"] == [{"number": "+44 7700 900000"}]
    assert MailStub.from_json(held.payload) == fake_linkedin.stubs[0]
    assert not Candidate.objects.filter(first_name="Stub1").exists()


def test_a_stub_linkedin_sent_unreadable_is_held_as_sent_and_the_window_goes_on(
    fake_linkedin, contract
):
    fake_linkedin.stubs = [stub("s0", created_at=NOW - timedelta(hours=2), member=member(0))]
    element = {"id": "s9", "contract": contract.urn, "createdAt": "yesterday"}
    fake_linkedin.unreadable_stubs = [
        Unreadable(element=element, error="mailStubs[1].createdAt: not a time", path="x")
    ]

    run = stub_import_contract(contract=contract, now=NOW)

    assert run.status == SyncRun.Status.SUCCEEDED
    assert (run.total, run.created, run.failed) == (2, 1, 1)
    contract.refresh_from_db()
    assert contract.stub_watermark == NOW - SAFETY_LAG  # the bad element blocks nothing
    held = HeldRecord.objects.get()
    assert (held.external_id, held.payload) == ("s9", element)  # kept as LinkedIn sent it
    assert held.reason == (
        "LinkedIn sent a stub profile Tracker cannot read: mailStubs[1].createdAt: not a time"
    )
    # A retry reads the kept element again: still unreadable, so it stays open.
    assert stub_held_retry(record=held) == "held"
    held.refresh_from_db()
    assert (held.attempts, held.resolved_at) == (2, None)


@pytest.mark.parametrize(
    "identifier",
    [
        {"email": " STUB1@example.com"},
        {"linkedin_profile_url": "https://uk.linkedin.com/in/stub-person-1/"},
        {"member": "urn:li:person:s1"},
    ],
)
def test_erasing_the_person_deletes_their_held_stub_a_plain_delete_keeps_it(
    fake_linkedin, contract, picky, identifier
):
    # s1 and s3 are both refused (the picky validator); s3 is someone else.
    someone_else = member(3, first_name="Stub1", last_name="Other")
    fake_linkedin.stubs = [
        *two_stubs(),
        stub("s3", created_at=NOW - timedelta(hours=1), member=someone_else),
    ]
    stub_import_contract(contract=contract, now=NOW)
    assert set(HeldRecord.objects.values_list("external_id", flat=True)) == {"s1", "s3"}
    member_urn = identifier.pop("member", None)
    kept, erased = CandidateFactory(**identifier), CandidateFactory(**identifier)
    if member_urn:
        MemberLinkFactory(candidate=erased, person_urn=member_urn)

    candidate_delete(candidate=kept)
    assert HeldRecord.objects.count() == 2
    candidate_erase(candidate=erased, reason="GDPR request")

    assert list(HeldRecord.objects.values_list("external_id", flat=True)) == ["s3"]


def test_retry_stores_a_held_stub_once_the_cause_is_fixed(
    fake_linkedin, contract, seat, picky, admin_user
):
    fake_linkedin.stubs = two_stubs()
    stub_import_contract(contract=contract, now=NOW)
    held = HeldRecord.objects.get()
    picky.fixed = True
    fake_linkedin.stubs = []  # the retry reads the kept element, not LinkedIn

    assert stub_held_retry(record=held, actor=admin_user) == "created"

    candidate = Candidate.objects.get(first_name="Stub1")
    assert candidate.source == Candidate.Source.STUB_PROFILE
    assert candidate.phone == "+44 7700 900000"
    assert MemberLink.objects.get(candidate=candidate).person_urn == "urn:li:person:s1"
    activity = Activity.objects.get(external_id="s1")
    assert (activity.candidate, activity.contract, activity.seat) == (candidate, contract, seat)
    assert activity.occurred_at == NOW - timedelta(hours=2)
    held.refresh_from_db()
    assert held.resolved_at is not None
    assert (held.resolved_by, held.candidate) == (admin_user, candidate)
    assert held.resolution == f"Stored on retry: created candidate {candidate.pk}."
    with pytest.raises(HeldRecordNotOpen):
        stub_held_retry(record=held, actor=admin_user)
    assert Activity.objects.filter(external_id="s1").count() == 1


def test_a_retry_that_still_fails_keeps_the_record_open_with_the_new_reason(
    fake_linkedin, contract, picky, monkeypatch
):
    from syncjobs import stub_import

    fake_linkedin.stubs = two_stubs()
    stub_import_contract(contract=contract, now=NOW)
    held = HeldRecord.objects.get()

    def still_refused(**kw):
        raise DataError("value too long for type character varying(50)")

    monkeypatch.setattr(stub_import, "profile_apply", still_refused)
    assert stub_held_retry(record=held) == "held"

    held.refresh_from_db()
    assert (held.attempts, held.resolved_at) == (2, None)
    assert held.reason == "DataError: value too long for type character varying(50)"
    assert not Activity.objects.filter(external_id="s1").exists()


def test_reading_a_window_again_updates_the_held_stub_never_duplicates_it(
    fake_linkedin, contract, picky
):
    watermark = NOW - timedelta(hours=3)
    Contract.objects.filter(pk=contract.pk).update(stub_watermark=watermark)
    contract.refresh_from_db()
    fake_linkedin.stubs = two_stubs()
    fake_linkedin.stub_failure = transient("LinkedIn returned 503 on page 2")
    failed = stub_import_contract(contract=contract, now=NOW)
    assert failed.status == SyncRun.Status.FAILED
    contract.refresh_from_db()
    assert contract.stub_watermark == watermark
    assert HeldRecord.objects.get().last_run == failed  # kept although the window failed

    fake_linkedin.stub_failure = None
    retry = stub_import_contract(contract=contract, now=NOW)

    assert retry.status == SyncRun.Status.SUCCEEDED
    assert retry.skipped == {"already_imported": 1} and retry.failed == 1
    held = HeldRecord.objects.get()
    assert (held.external_id, held.attempts, held.last_run) == ("s1", 2, retry)
    assert held.first_failed_at < held.last_failed_at
    contract.refresh_from_db()
    assert contract.stub_watermark == NOW - SAFETY_LAG


def test_a_held_stub_an_admin_dismissed_stays_dismissed_when_read_again(
    fake_linkedin, contract, picky
):
    fake_linkedin.stubs = two_stubs()
    stub_import_contract(contract=contract, now=NOW)
    HeldRecord.objects.update(resolved_at=NOW, resolution="Dismissed")
    Contract.objects.filter(pk=contract.pk).update(stub_watermark=None)  # the same window again
    contract.refresh_from_db()
    stub_import_contract(contract=contract, now=NOW)
    held = HeldRecord.objects.get()
    assert (held.attempts, held.resolved_at, held.resolution) == (2, NOW, "Dismissed")


def test_a_database_error_on_a_stub_fails_the_window_and_keeps_the_watermark(
    fake_linkedin, contract, monkeypatch
):
    from syncjobs import stub_import

    def locked(**kw):
        raise OperationalError("database is locked")

    monkeypatch.setattr(stub_import, "profile_apply", locked)
    watermark = NOW - timedelta(hours=3)
    Contract.objects.filter(pk=contract.pk).update(stub_watermark=watermark)
    contract.refresh_from_db()
    fake_linkedin.stubs = two_stubs()
    run = stub_import_contract(contract=contract, now=NOW)
    assert run.status == SyncRun.Status.FAILED
    assert "database is locked" in run.error and "same watermark" in run.error
    contract.refresh_from_db()
    assert contract.stub_watermark == watermark
    assert not HeldRecord.objects.exists()  # not the stub's fault: the window is read again


def test_a_stub_that_cannot_be_kept_fails_the_window(fake_linkedin, contract, picky, monkeypatch):
    from syncjobs import stub_import

    def unavailable(**kw):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(stub_import, "stub_hold", unavailable)
    fake_linkedin.stubs = two_stubs()
    run = stub_import_contract(contract=contract, now=NOW)
    assert run.status == SyncRun.Status.FAILED
    contract.refresh_from_db()
    assert contract.stub_watermark is None  # the watermark never moves past a lost stub


def test_stub_payload_keeps_every_field_tracker_reads():
    full = stub(
        "s9",
        created_at=datetime(2026, 3, 9, 8, 30, 15, 123000, tzinfo=UTC),
        member=member(
            9,
            headline="Staff Engineer",
            location="Leeds",
            current_employer_names=["Acme"],
            years_of_experience="12",
            skills=["Python", "SQL"],
            positions=[{"title": "Staff Engineer", "companyName": "Acme"}],
            educations=[{"schoolName": "University of Leeds"}],
        ),
    )
    assert MailStub.from_json(stub_payload(full)) == full


# --- Held stubs in the admin and on the dashboard ---------------------------------------------


def test_admin_retry_action_stores_fixed_stubs_and_audits(
    fake_linkedin, contract, picky, admin_client
):
    from django.contrib.admin.models import CHANGE, LogEntry
    from django.urls import reverse

    fake_linkedin.stubs = two_stubs()
    stub_import_contract(contract=contract, now=NOW)
    held = HeldRecord.objects.get()
    url = reverse("admin:syncjobs_heldrecord_changelist")
    form = {"action": "retry_selected", "index": "0", "_selected_action": [held.pk]}

    failing = admin_client.post(url, form, follow=True)
    assert [str(m) for m in failing.context["messages"]] == ["1 still failing."]
    held.refresh_from_db()
    assert (held.resolved_at, held.attempts) == (None, 2)

    picky.fixed = True
    stored = admin_client.post(url, form, follow=True)
    assert [str(m) for m in stored.context["messages"]] == ["1 stored."]
    held.refresh_from_db()
    assert held.resolved_at is not None and held.candidate.first_name == "Stub1"
    logged = LogEntry.objects.filter(action_flag=CHANGE, object_id=str(held.pk))
    assert [entry.change_message for entry in logged.order_by("pk")] == [
        "Retried from the admin: email: Enter a valid email address.",
        f"Retried from the admin (created): {held.resolution}",
    ]
    detail = admin_client.get(reverse("admin:syncjobs_heldrecord_change", args=[held.pk]))
    assert "stub1@example.com" in detail.content.decode()  # the payload is shown


def test_admin_dismiss_action_closes_the_record(fake_linkedin, contract, picky, admin_client):
    from django.contrib.admin.models import LogEntry
    from django.urls import reverse

    fake_linkedin.stubs = two_stubs()
    stub_import_contract(contract=contract, now=NOW)
    held = HeldRecord.objects.get()
    admin_client.post(
        reverse("admin:syncjobs_heldrecord_changelist"),
        {"action": "dismiss_selected", "index": "0", "_selected_action": [held.pk]},
    )
    held.refresh_from_db()
    assert held.resolved_at is not None and held.resolution.startswith("Dismissed by admin")
    assert LogEntry.objects.filter(object_id=str(held.pk)).exists()
    assert not Candidate.objects.filter(first_name="Stub1").exists()


def test_dashboard_counts_open_held_records(fake_linkedin, contract, picky, admin_client):
    fake_linkedin.stubs = two_stubs()
    stub_import_contract(contract=contract, now=NOW)
    assert admin_client.get("/admin/dashboard/progress.json").json()["held_records"] == 1
    html = admin_client.get("/admin/dashboard/").content.decode()
    assert 'id="held-records-open"' in html and "?open=yes" in html
    HeldRecord.objects.update(resolved_at=NOW)
    assert admin_client.get("/admin/dashboard/progress.json").json()["held_records"] == 0


def test_an_overlapping_run_is_skipped(fake_linkedin, contract):
    sync_run_start(kind=SyncRun.Kind.STUB_IMPORT, contract=contract)
    assert stub_import_contract(contract=contract, now=NOW) is None
    assert fake_linkedin.calls == []
    assert SyncRun.objects.filter(kind=SyncRun.Kind.STUB_IMPORT).count() == 1
    contract.refresh_from_db()
    assert contract.stub_watermark is None


def test_only_active_contract_level_contracts_when_stubs_are_enabled(fake_linkedin, integration):
    wanted = ContractFactory(access_level=Contract.AccessLevel.CONTRACT)
    ContractFactory(access_level=Contract.AccessLevel.COMPANY)
    ContractFactory(access_level=Contract.AccessLevel.CONTRACT, active=False)
    runs = stub_import_runs(now=NOW)
    assert [run.contract for run in runs] == [wanted]
    Integration.objects.update(stub_profiles_enabled=False)
    assert stub_import_runs(now=NOW) == []
    Integration.objects.update(stub_profiles_enabled=True, status=Integration.Status.DISABLED)
    assert stub_import_runs(now=NOW) == []


def test_task_and_run_sync_command(fake_linkedin, contract, capsys):
    fake_linkedin.stubs = [stub("s1", created_at=NOW - timedelta(days=1), member=member(1))]
    assert stub_import_all()["created"] == 1
    call_command("run_sync", "stub_import")
    out = capsys.readouterr().out
    assert "InMail stub import" in out and "succeeded" in out
    assert "'already_imported': 1" not in out  # the window moved on: nothing new to skip


# --- Against the sandbox, over HTTP ---------------------------------------------------------


@pytest.fixture
def sandbox_world(sandbox_linkedin, integration, published):
    """The same contract and seat on both sides; 120 stubs in the sandbox (3 pages of 50)."""
    tracker_contract = ContractFactory(urn="urn:li:contract:100")
    LinkedInSeatFactory(seat_urn="urn:li:seat:5001", contract=tracker_contract)
    li_contract = SandboxContractFactory(urn="urn:li:contract:100", organization_urn=ORG)
    li_seat = SandboxSeatFactory(urn="urn:li:seat:5001", contract=li_contract)
    base = datetime.now(tz=UTC) - timedelta(days=1)
    stubs = []
    for n in range(120):
        person = MemberFactory(
            person_urn=f"urn:li:person:sbx{n}", emails=[f"sbx{n}@example.com"], phones=[]
        )
        stubs.append(
            SandboxMailStub.objects.create(
                contract=li_contract,
                owner=li_seat,
                member=person,
                created_at=base + timedelta(minutes=n),
            )
        )
    return tracker_contract, stubs


@pytest.mark.django_db(transaction=True)
def test_window_pages_through_every_stub_of_the_sandbox(sandbox_world):
    contract, stubs = sandbox_world
    run = stub_import_contract(contract=contract)
    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    assert (run.total, run.created, run.linked) == (120, 120, 120)
    imported = set(stub_activities().values_list("external_id", flat=True))
    assert imported == {s.stub_id for s in stubs}
    assert MemberLink.objects.filter(method="stub").count() == 120
    again = stub_import_contract(contract=contract)
    assert again is None or again.total == 0  # the watermark moved past every stub


@pytest.mark.django_db(transaction=True)
def test_sandbox_failure_leaves_the_watermark_then_the_retry_imports(sandbox_world):
    contract, _ = sandbox_world
    Fault.objects.create(endpoint="mailStubs", kind=Fault.Kind.HTTP_503, remaining=10)
    run = stub_import_contract(contract=contract)
    assert run.status == SyncRun.Status.FAILED
    assert "503" in run.error or "Unavailable" in run.error
    contract.refresh_from_db()
    assert contract.stub_watermark is None
    assert Candidate.objects.count() == 0
    Fault.objects.all().delete()
    retry = stub_import_contract(contract=contract)
    assert retry.status == SyncRun.Status.SUCCEEDED
    assert retry.created == 120
    contract.refresh_from_db()
    assert contract.stub_watermark == retry.window_end


@pytest.mark.django_db(transaction=True)
def test_existing_candidates_are_matched_not_duplicated_via_the_sandbox(sandbox_world):
    contract, stubs = sandbox_world
    known = stubs[0].member
    candidate = CandidateFactory(
        first_name=known.first_name, last_name=known.last_name, email=known.emails[0]
    )
    MemberLinkFactory(candidate=CandidateFactory(), person_urn=stubs[1].member.person_urn)
    run = stub_import_contract(contract=contract)
    assert (run.created, run.updated) == (118, 2)
    assert MemberLink.objects.get(person_urn=known.person_urn).candidate == candidate
