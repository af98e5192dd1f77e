"""Export to ATS: duplicate check outcomes, merge rules, refusals, erasure, skills, quota."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from candidates.dedupe import DuplicateDecision
from candidates.models import Candidate, CandidateSkill, MatchReview, MemberLink, QuickSkill
from candidates.services import candidate_erase, quick_skill_create
from requisitions.models import Activity, Placement, Requisition
from syncjobs.models import InboundNotification
from syncjobs.notifications import notification_discard, notification_process, notification_replay
from syncjobs.profile_intake import merge_profile, profile_fields
from syncjobs.selectors import export_counts_this_month
from tests.candidates.factories import CandidateFactory, MemberLinkFactory
from tests.requisitions.factories import ActivityFactory, PlacementFactory, RequisitionFactory
from tests.syncjobs.factories import InboundNotificationFactory
from tests.syncjobs.linkedin_fakes import (
    ORG,
    exported,
    profile,
    transient,
)
from tests.tracker_rsc.factories import AdminUserFactory, LinkedInSeatFactory, enabled_integration
from tracker_rsc.linkedin import ExportedCandidate

Status = InboundNotification.Status
EXPORT = "EXPORT_CANDIDATE_PROFILE"


@pytest.fixture
def integration(db):
    return enabled_integration(ORG)


@pytest.fixture
def requisition(integration) -> Requisition:
    return RequisitionFactory(title="Senior Data Engineer")


@pytest.fixture
def seat(integration):
    return LinkedInSeatFactory(seat_urn="urn:li:seat:5001", first_name="Rita", last_name="Cruiter")


@pytest.fixture
def export(fake_linkedin, requisition, seat):
    """Push an export of ``member`` to ``job`` (the requisition by default) and process it."""

    def run(request_id: str = "r1", *, member=None, job=None, **kw) -> InboundNotification:
        fake_linkedin.exports[request_id] = exported(
            request_id, job_id=requisition.pk if job is None else job, member=member, **kw
        )
        notification = InboundNotification.objects.filter(
            event_type=EXPORT, request_id=request_id
        ).first() or InboundNotificationFactory(event_type=EXPORT, request_id=request_id)
        notification_process(notification_id=notification.pk)
        notification.refresh_from_db()
        return notification

    return run


def _nothing_created() -> None:
    assert Candidate.objects.count() == 0
    assert MemberLink.objects.count() == 0
    assert Placement.objects.count() == 0
    assert Activity.objects.count() == 0


# --- A new person --------------------------------------------------------------------------


def export_activity() -> Activity:
    """The export's own activity (the member link it made is a sync event beside it)."""
    return Activity.objects.get(kind=Activity.Kind.EXPORT)


def test_new_member_creates_a_linked_shortlisted_candidate_with_an_export_activity(
    export, requisition, seat
):
    notification = export("r1")
    assert notification.status == Status.PROCESSED, notification.error
    candidate = Candidate.objects.get()
    assert candidate.source == Candidate.Source.EXPORT_TO_ATS
    assert (candidate.first_name, candidate.last_name) == ("Jane", "Doe")
    assert candidate.email == "jane@example.com"
    assert candidate.headline == "Senior Data Engineer"
    assert candidate.current_title == "Senior Data Engineer"
    assert candidate.current_company == "Acme"
    assert candidate.linkedin_profile_url == "https://www.linkedin.com/in/jane-doe-4a1b"
    assert candidate.created_by == seat.user
    link = MemberLink.objects.get()
    assert (link.candidate, link.person_urn) == (candidate, "urn:li:person:Xy12")
    assert (link.method, link.matched_on, link.score) == ("export", "member", 1.0)
    placement = Placement.objects.get()
    assert (placement.candidate, placement.requisition) == (candidate, requisition)
    assert placement.source == Placement.Source.EXPORT_TO_ATS
    assert placement.added_by == seat.user
    activity = export_activity()
    assert activity.kind == Activity.Kind.EXPORT
    assert (activity.external_id, activity.seat, activity.placement) == ("r1", seat, placement)
    assert activity.author == seat.user
    assert activity.person_urn == "urn:li:person:Xy12"
    assert activity.occurred_at == notification.received_at
    assert activity.data["created"] is True
    assert activity.data["exporter_seat_urn"] == "urn:li:seat:5001"
    assert activity.data["exporter"] == "Rita Cruiter"
    assert "new candidate was created" in activity.body
    assert notification.result["candidate_id"] == candidate.pk
    assert notification.result["placement_id"] == placement.pk
    assert notification.result["activity_id"] == activity.pk
    assert (notification.candidate, notification.placement) == (candidate, placement)
    link_event = Activity.objects.get(kind=Activity.Kind.LINK)
    assert link_event.candidate == candidate
    assert link_event.subject == "Linked to LinkedIn member urn:li:person:Xy12 (Export to ATS)"


def test_the_same_export_processed_again_changes_nothing_twice(export, fake_linkedin):
    first = export("r1")
    InboundNotification.objects.filter(pk=first.pk).update(status=Status.FAILED)
    notification_replay(notification=first, actor=AdminUserFactory())
    notification_process(notification_id=first.pk)
    first.refresh_from_db()
    assert first.status == Status.PROCESSED
    assert Candidate.objects.count() == 1
    assert Placement.objects.count() == 1
    assert Activity.objects.filter(kind=Activity.Kind.EXPORT).count() == 1
    assert MemberLink.objects.count() == 1
    assert first.result["created"] is False and first.result["rule"] == "member"


def test_unknown_exporter_seat_still_imports(export):
    notification = export("r1", exporter="urn:li:seat:999")
    assert notification.status == Status.PROCESSED
    activity = export_activity()
    assert activity.seat is None and activity.author is None
    assert activity.data["exporter"] == "urn:li:seat:999"


# --- Duplicate check outcomes as they reach the intake --------------------------------------


def test_member_match_updates_the_linked_candidate(export):
    candidate = CandidateFactory(first_name="Janet", last_name="Doe", email="")
    MemberLinkFactory(candidate=candidate, person_urn="urn:li:person:Xy12")
    notification = export("r1")
    assert notification.result["rule"] == "member"
    assert Candidate.objects.count() == 1
    candidate.refresh_from_db()
    assert candidate.first_name == "Jane"
    assert candidate.email == "jane@example.com"  # it had none
    assert export_activity().data["created"] is False


@pytest.mark.parametrize(
    "stored_url",
    [
        "http://uk.linkedin.com/in/Jane-Doe-4a1b/?trk=public_profile",
        "linkedin.com/in/jane-doe-4a1b",
        "https://www.linkedin.com/in/jane%2Ddoe%2D4a1b#about",
    ],
)
def test_profile_url_variants_match(export, stored_url):
    candidate = CandidateFactory(
        first_name="J", last_name="D", email="other@example.com", linkedin_profile_url=stored_url
    )
    notification = export("r1")
    assert notification.result["rule"] == "profile_url"
    assert notification.result["candidate_id"] == candidate.pk
    assert Candidate.objects.count() == 1
    link = MemberLink.objects.get()
    assert (link.candidate, link.matched_on) == (candidate, "profile_url")


def test_email_matches_whatever_its_case_and_spaces(export):
    candidate = CandidateFactory(first_name="Jane", last_name="Smith", email="  JANE@Example.COM ")
    notification = export("r1")
    assert (notification.result["rule"], notification.result["candidate_id"]) == (
        "email",
        candidate.pk,
    )
    assert MemberLink.objects.get().matched_on == "email"


def test_accented_name_matches_when_nothing_contradicts_it(export):
    candidate = CandidateFactory(first_name="Zoë", last_name="Müller", email="")
    notification = export(
        "r1",
        member=profile(
            first_name="Zoe",
            last_name="Muller",
            emails=[],
            profile_url="https://www.linkedin.com/in/zoe-muller",
        ),
    )
    assert (notification.result["rule"], notification.result["candidate_id"]) == (
        "name",
        candidate.pk,
    )
    assert notification.result["score"] == 1.0
    candidate.refresh_from_db()
    assert candidate.first_name == "Zoe"  # LinkedIn's spelling of the member's own name
    assert candidate.linkedin_profile_url == "https://www.linkedin.com/in/zoe-muller"


def test_same_name_different_person_creates_a_new_flagged_candidate(export):
    other = CandidateFactory(first_name="Jane", last_name="Doe", email="jane.doe@elsewhere.org")
    notification = export("r1")
    assert notification.status == Status.PROCESSED
    new = Candidate.objects.exclude(pk=other.pk).get()
    assert notification.result["created"] is True
    assert notification.result["possible_duplicate_of"] == other.pk
    assert new.possible_duplicate_of == other
    review = MatchReview.objects.get(candidate=new)
    assert (review.kind, review.other_candidate) == (MatchReview.Kind.POSSIBLE_DUPLICATE, other)
    assert "different email" in review.detail
    activity = export_activity()
    assert f"possible duplicate of candidate {other.pk}" in activity.body
    other.refresh_from_db()
    assert other.email == "jane.doe@elsewhere.org"  # the other record is untouched


def test_email_of_a_candidate_linked_to_another_member_is_not_taken(export):
    taken = CandidateFactory(first_name="Jane", last_name="Doe", email="jane@example.com")
    MemberLinkFactory(candidate=taken, person_urn="urn:li:person:someone-else")
    notification = export("r1")
    assert notification.result["created"] is True
    new = Candidate.objects.exclude(pk=taken.pk).get()
    assert (
        MemberLink.objects.get(unlinked_at__isnull=True, person_urn="urn:li:person:Xy12").candidate
        == new
    )
    assert "different LinkedIn member" in export_activity().data["decision"]


def test_a_link_conflict_is_recorded_not_a_crash(export, monkeypatch):
    """A race can leave the chosen candidate linked elsewhere: recorded, reviewed, processed."""
    candidate = CandidateFactory(email="jane@example.com")
    MemberLinkFactory(candidate=candidate, person_urn="urn:li:person:Other9")
    monkeypatch.setattr(
        "syncjobs.profile_intake.find_duplicate",
        lambda person: DuplicateDecision(candidate.pk, "email", 1.0, None, "forced for the test"),
    )
    notification = export("r1")
    assert notification.status == Status.PROCESSED
    assert "already linked to urn:li:person:Other9" in notification.result["link_conflict"]
    review = MatchReview.objects.get(candidate=candidate)
    assert review.kind == MatchReview.Kind.AMBIGUOUS_MATCH
    assert set(review.person_urns) == {"urn:li:person:Xy12", "urn:li:person:Other9"}
    assert "Not linked to the LinkedIn member" in export_activity().body
    assert MemberLink.objects.filter(person_urn="urn:li:person:Xy12").count() == 0


# --- Merge rules ----------------------------------------------------------------------------


def test_update_never_wipes_what_linkedin_did_not_send(export):
    candidate = CandidateFactory(
        first_name="Jane",
        last_name="Doe",
        email="jane.private@example.com",
        phone="+44 20 7946 0000",
        headline="Data person",
        location="Leeds",
        current_title="Lead Engineer",
        current_company="Old Co",
        linkedin_profile_url="https://www.linkedin.com/in/jane-doe-4a1b",
        cv_text="Ten years of Python.",
    )
    member = profile(
        headline="",
        location="",
        emails=["jane@example.com"],
        positions=[],
        current_employer_names=[],
    )
    notification = export("r1", member=member)
    assert notification.result["rule"] == "profile_url"
    candidate.refresh_from_db()
    assert candidate.email == "jane.private@example.com"
    assert candidate.phone == "+44 20 7946 0000"
    assert candidate.headline == "Data person"
    assert candidate.location == "Leeds"
    assert (candidate.current_title, candidate.current_company) == ("Lead Engineer", "Old Co")
    assert candidate.cv_text == "Ten years of Python."
    assert candidate.source == Candidate.Source.MANUAL
    data = export_activity().data
    assert data["emails_not_applied"] == ["jane@example.com"]
    assert data["changed_fields"] == []


def test_present_values_overwrite_and_profile_url_is_always_linkedins(export):
    candidate = CandidateFactory(
        first_name="Jane",
        last_name="Doe",
        email="jane@example.com",
        headline="Old",
        linkedin_profile_url="",
        current_company="Old Co",
    )
    export("r1", member=profile(positions=[], current_employer_names=["New Co"]))
    candidate.refresh_from_db()
    assert candidate.headline == "Senior Data Engineer"
    assert candidate.current_company == "New Co"
    assert candidate.linkedin_profile_url == "https://www.linkedin.com/in/jane-doe-4a1b"
    assert "headline" in export_activity().data["changed_fields"]


def test_merge_rules_as_a_pure_function():
    existing = {"first_name": "Jo", "email": "jo@x.org", "phone": "", "headline": "Keep"}
    incoming = {"first_name": "Joanna", "email": "j@y.org", "phone": "123", "headline": ""}
    assert merge_profile(existing, incoming) == {"first_name": "Joanna", "phone": "123"}


def test_profile_fields_fit_tracker_columns_and_skip_invalid_emails():
    fields = profile_fields(
        profile(headline="x" * 400, emails=["not-an-email", "ok@example.com"], positions=[])
    )
    assert len(fields["headline"]) == 300
    assert fields["email"] == "ok@example.com"
    assert fields["current_company"] == "Acme"  # from currentEmployerNames
    assert fields["current_title"] == ""


def test_current_position_is_the_one_without_an_end_date():
    fields = profile_fields(
        profile(
            positions=[
                {"title": "Old job", "companyName": "Past", "endedOn": {"year": 2020}},
                {"title": "Now job", "companyName": "Present"},
            ]
        )
    )
    assert (fields["current_title"], fields["current_company"]) == ("Now job", "Present")


# --- Refusals: nothing is created -----------------------------------------------------------


@pytest.mark.parametrize("state", ["closed", "filled", "deleted", "unknown", "not-a-number"])
def test_requisition_that_cannot_take_candidates_fails_and_creates_nothing(
    export, requisition, state
):
    job = requisition.pk
    if state in ("closed", "filled"):
        Requisition.objects.filter(pk=job).update(status=state)
    elif state == "deleted":
        requisition.delete()
    elif state == "unknown":
        job = requisition.pk + 1000
    else:
        job = "ABC-12"
    notification = export("r1", job=job)
    assert notification.status == Status.FAILED
    assert notification.next_attempt_at is None  # permanent: waits for a replay
    expected = {
        "closed": "is closed",
        "filled": "is filled",
        "deleted": "does not exist",
        "unknown": "does not exist",
        "not-a-number": "not a Tracker requisition id",
    }[state]
    assert expected in notification.error
    assert "Nothing was imported" in notification.error
    _nothing_created()


def test_closed_requisition_reopened_then_replayed_imports(export, requisition):
    Requisition.objects.filter(pk=requisition.pk).update(status="closed")
    notification = export("r1")
    assert notification.status == Status.FAILED
    Requisition.objects.filter(pk=requisition.pk).update(status="open")
    notification_replay(notification=notification, actor=AdminUserFactory())
    notification_process(notification_id=notification.pk)
    notification.refresh_from_db()
    assert notification.status == Status.PROCESSED
    assert Placement.objects.get().requisition == requisition


def test_missing_requisition_id_fails_with_a_clear_reason(fake_linkedin, integration):
    element = {
        "requestId": "r1",
        "integrationContext": ORG,
        "exporter": "urn:li:seat:5001",
        "candidate": {
            "member": "urn:li:person:Xy12",
            "profileUrl": "https://www.linkedin.com/in/jane-doe-4a1b",
            "firstName": "Jane",
            "lastName": "Doe",
            "emailAddresses": [],
        },
    }
    try:
        ExportedCandidate.from_json(element)
    except Exception as exc:  # the adapter's own parse error, as the client raises it
        fake_linkedin.exports["r1"] = exc
    notification = InboundNotificationFactory(event_type=EXPORT, request_id="r1")
    notification_process(notification_id=notification.pk)
    notification.refresh_from_db()
    assert notification.status == Status.FAILED
    assert "names no requisition" in notification.error
    assert "placeholder or evergreen" in notification.error
    _nothing_created()


def test_export_of_another_organization_fails_and_creates_nothing(export):
    notification = export("r1", organization="urn:li:organization:999")
    assert notification.status == Status.FAILED
    assert "urn:li:organization:999" in notification.error and ORG in notification.error
    _nothing_created()


def test_linkedin_down_while_fetching_is_retried_later(export, fake_linkedin, requisition):
    fake_linkedin.exports["r1"] = [transient(), exported("r1", job_id=requisition.pk)]
    notification = InboundNotificationFactory(event_type=EXPORT, request_id="r1")
    notification_process(notification_id=notification.pk)
    notification.refresh_from_db()
    assert notification.status == Status.FAILED and notification.next_attempt_at is not None
    _nothing_created()
    from syncjobs.notifications import notification_sweep

    with time_machine.travel(notification.next_attempt_at + timedelta(seconds=1)):
        notification_sweep()
    notification.refresh_from_db()
    assert notification.status == Status.PROCESSED
    assert Candidate.objects.count() == 1


# --- Erased people --------------------------------------------------------------------------


@pytest.fixture
def erased(integration):
    candidate = CandidateFactory(
        first_name="Jane",
        last_name="Doe",
        email="jane@example.com",
        linkedin_profile_url="https://www.linkedin.com/in/jane-doe-4a1b",
    )
    return candidate_erase(candidate=candidate, reason="GDPR request")


def test_erased_person_is_held_not_recreated(export, erased):
    notification = export("r1")
    assert notification.status == Status.HELD
    assert "was erased" in notification.result["reason"]
    assert notification.result["tombstone_id"] == erased.pk
    _nothing_created()


def test_erased_person_matched_by_email_only_is_held(export, erased):
    member = profile(
        person_urn="urn:li:person:New1",
        profile_url="https://www.linkedin.com/in/someone-new",
        emails=["other@example.com", "JANE@example.com"],
    )
    assert export("r1", member=member).status == Status.HELD


def test_import_anyway_imports_the_held_export(export, erased, published):
    notification = export("r1")
    admin = AdminUserFactory()
    notification_replay(notification=notification, actor=admin, override=True)
    notification_process(notification_id=notification.pk)
    notification.refresh_from_db()
    assert notification.status == Status.PROCESSED
    candidate = Candidate.objects.get()
    activity = export_activity()
    assert activity.data["override"] is True
    assert "erased" in activity.body
    assert notification.candidate == candidate


def test_discard_keeps_the_held_export_out(export, erased):
    notification = export("r1")
    notification_discard(notification=notification, actor=AdminUserFactory())
    notification.refresh_from_db()
    assert notification.status == Status.IGNORED
    _nothing_created()


# --- Skills ---------------------------------------------------------------------------------


def test_top_three_skills_map_to_existing_quick_skills_and_the_rest_are_discarded(export):
    python = quick_skill_create(name="Python")
    spark = quick_skill_create(name="Apache Spark", aliases=["Spark"])
    quick_skill_create(name="Java")
    before = QuickSkill.objects.count()
    member = profile(skills=["python", "Spark", "COBOL Mainframe", "Java"])
    notification = export("r1", member=member)
    candidate = Candidate.objects.get()
    skills = CandidateSkill.objects.filter(candidate=candidate)
    assert {s.skill for s in skills} == {python, spark}  # Java is the 4th: not a top-3 skill
    assert {s.source for s in skills} == {CandidateSkill.Source.LINKEDIN}
    assert QuickSkill.objects.count() == before
    data = export_activity().data
    assert [item["skill"] for item in data["skills_applied"]] == ["Python", "Apache Spark"]
    assert data["skills_discarded"] == [{"linkedin": "COBOL Mainframe", "reason": "not_found"}]
    assert "Skills discarded (no Quick Skill matches): COBOL Mainframe" in (export_activity().body)
    assert notification.result["skills_applied"] == ["Python", "Apache Spark"]


def test_no_quick_skill_is_created_when_the_dictionary_is_empty(export):
    notification = export("r1")
    assert QuickSkill.objects.count() == 0
    assert CandidateSkill.objects.count() == 0
    assert notification.result["skills_discarded"] == ["Python", "Apache Spark", "SQL"]


def test_skills_search_is_the_same_matching_as_the_api(export, api_client):
    quick_skill_create(name="PostgreSQL", aliases=["Postgres"])
    api = api_client.get("/api/v1/skills/search/", {"q": "postgres"}).json()
    export("r1", member=profile(skills=["postgres"]))
    applied = export_activity().data["skills_applied"]
    assert api["match"]["name"] == applied[0]["skill"] == "PostgreSQL"


def test_already_shortlisted_candidate_is_not_shortlisted_twice(export, requisition):
    candidate = CandidateFactory(email="jane@example.com")
    PlacementFactory(candidate=candidate, requisition=requisition)
    notification = export("r1")
    assert notification.result["placement_created"] is False
    assert Placement.objects.count() == 1
    assert "Already on the requisition's shortlist" in export_activity().body


# --- Quota ----------------------------------------------------------------------------------


def test_export_counts_this_month_per_seat(integration):
    seat_a, seat_b = LinkedInSeatFactory(), LinkedInSeatFactory()
    now = datetime(2026, 3, 15, 12, tzinfo=UTC)
    for n in range(3):
        ActivityFactory(
            kind=Activity.Kind.EXPORT, seat=seat_a, occurred_at=now, external_id=f"a{n}"
        )
    ActivityFactory(kind=Activity.Kind.EXPORT, seat=seat_b, occurred_at=now, external_id="b1")
    ActivityFactory(
        kind=Activity.Kind.EXPORT,
        seat=seat_b,
        occurred_at=datetime(2026, 2, 28, 23, 59, tzinfo=UTC),
        external_id="b-last-month",
    )
    ActivityFactory(kind=Activity.Kind.INMAIL, seat=seat_b, occurred_at=now)
    ActivityFactory(kind=Activity.Kind.EXPORT, seat=None, occurred_at=now, external_id="x")
    assert export_counts_this_month(now=now) == {seat_a.pk: 3, seat_b.pk: 1}


def test_processed_exports_count_against_the_exporters_seat(export, seat):
    export("r1")
    export(
        "r2",
        member=profile(
            person_urn="urn:li:person:Ab3",
            emails=["ab@example.com"],
            profile_url="https://www.linkedin.com/in/ab",
            first_name="Ab",
        ),
    )
    assert export_counts_this_month(now=timezone.now()) == {seat.pk: 2}


# --- End to end: the sandbox exports, pushes, and Tracker processes -------------------------


@pytest.mark.django_db(transaction=True)
def test_sandbox_export_is_pushed_to_the_callback_and_creates_the_linked_candidate(
    sandbox_linkedin, sandbox_control, no_sandbox_broker, published, live_server
):

    from tests.sandbox.factories import MemberFactory, SandboxContractFactory, SandboxSeatFactory
    from tracker_rsc.sandbox.models import AtsIntegration, JobPosting, SandboxSettings

    integration = enabled_integration(ORG)
    requisition = RequisitionFactory(title="Data Engineer")
    seat = LinkedInSeatFactory(seat_urn="urn:li:seat:5001")
    python = quick_skill_create(name="Python")
    # LinkedIn's side: the recruiter's seat, the member, the synced job, the callback.
    li_contract = SandboxContractFactory(urn="urn:li:contract:100", organization_urn=ORG)
    SandboxSeatFactory(urn="urn:li:seat:5001", contract=li_contract)
    MemberFactory(
        person_urn="urn:li:person:Ada1",
        first_name="Ada",
        last_name="Lovelace",
        profile_url="https://www.linkedin.com/in/ada-lovelace",
        skills=["Python", "Analytical Engines", "Poetry"],
    )
    JobPosting.objects.create(
        integration_context=ORG,
        external_job_posting_id=str(requisition.pk),
        title=requisition.title,
        state="LISTED",
    )
    callback_url = f"{live_server.url}{integration.callback_path}"
    AtsIntegration.objects.create(
        integration_context=ORG,
        integration_type="ONE_CLICK_EXPORT",
        status="ENABLED",
        callback_url=callback_url,
        configurations={"JOB_POSTING_VIEWERS": "ALL_PRODUCT_USERS"},
    )
    # Generous time limits: a loaded CI machine, not the code, decides how long a request takes.
    SandboxSettings.objects.update_or_create(singleton=True, defaults={"push_timeout_seconds": 300})
    session, control = sandbox_control
    answer = session.post(
        f"{control}/export",
        json={
            "seat": "urn:li:seat:5001",
            "member": "urn:li:person:Ada1",
            "requisition_id": str(requisition.pk),
            "email": "ada@example.com",
        },
        timeout=300,
    )
    assert answer.status_code == 200, answer.text
    delivery = session.post(f"{control}/deliver", json={"force": True}, timeout=600).json()
    assert delivery["delivered"] == 1, delivery

    notification = InboundNotification.objects.get()
    assert (notification.event_type, notification.request_id) == (
        EXPORT,
        answer.json()["request_id"],
    )
    assert (notification.status, notification.signature_valid) == (Status.RECEIVED, True)
    assert published == [("syncjobs.tasks.notification_process", (notification.pk,))]

    from syncjobs.notifications import notification_process_task

    assert notification_process_task(notification.pk) == Status.PROCESSED
    candidate = Candidate.objects.get()
    assert (candidate.first_name, candidate.last_name, candidate.email) == (
        "Ada",
        "Lovelace",
        "ada@example.com",
    )
    assert candidate.linkedin_profile_url == "https://www.linkedin.com/in/ada-lovelace"
    assert MemberLink.objects.get().person_urn == "urn:li:person:Ada1"
    placement = Placement.objects.get()
    assert (placement.candidate, placement.requisition) == (candidate, requisition)
    activity = export_activity()
    assert (activity.seat, activity.external_id) == (seat, notification.request_id)
    assert [s.skill for s in CandidateSkill.objects.all()] == [python]
    assert QuickSkill.objects.count() == 1
    assert export_counts_this_month() == {seat.pk: 1}


def test_profile_tracker_cannot_store_fails_permanently_and_writes_nothing(export, monkeypatch):
    from django.core.exceptions import ValidationError

    def refuse(**kwargs):
        raise ValidationError({"email": "Enter a valid email address."})

    monkeypatch.setattr("candidates.services.candidate_create", refuse)
    notification = export("r1")
    assert notification.status == Status.FAILED
    assert notification.next_attempt_at is None
    assert "could not store the exported profile: Enter a valid email address." in (
        notification.error
    )
    _nothing_created()


# --- Admin actions --------------------------------------------------------------------------


def test_admin_actions_replay_import_anyway_and_discard(
    export, erased, admin_client, django_capture_on_commit_callbacks, published
):
    held_one = export("r1")
    held_two = export("r2")
    failed = InboundNotificationFactory(event_type=EXPORT, status=Status.FAILED, request_id="r3")
    url = "/admin/syncjobs/inboundnotification/"
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            url, {"action": "import_anyway", "_selected_action": [held_one.pk, failed.pk]}
        )
        admin_client.post(url, {"action": "discard_selected", "_selected_action": [held_two.pk]})
        admin_client.post(url, {"action": "replay_selected", "_selected_action": [failed.pk]})
    held_one.refresh_from_db()
    held_two.refresh_from_db()
    failed.refresh_from_db()
    assert held_one.status == Status.RECEIVED
    assert held_one.result["replays"][-1]["override"] is True
    assert held_two.status == Status.IGNORED
    assert failed.status == Status.RECEIVED
    assert failed.result["replays"][-1]["override"] is False
    assert sorted(args[0] for name, args in published if "notification" in name) == sorted(
        [held_one.pk, failed.pk]
    )
