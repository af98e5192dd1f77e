"""Every call of ``LinkedInClient`` against the sandbox, checked against the sandbox's tables."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta

import pytest

from tests.contract.helpers import (
    CLIENT_ID,
    CONTRACT,
    ORG,
    T0,
    calls,
    candidate,
    posting,
    token_calls,
)
from tests.sandbox.factories import MemberFactory, SandboxSeatFactory
from tracker_rsc.linkedin import (
    ApplicationRecord,
    AuthError,
    JobRequisition,
    PermanentError,
    get_client,
)
from tracker_rsc.sandbox import ats
from tracker_rsc.sandbox import services as sandbox
from tracker_rsc.sandbox.models import (
    AccessToken,
    AclAssignee,
    Application,
    AtsCandidate,
    AtsIntegration,
    ConversationEvent,
    EntityAcl,
    Evaluation,
    IntegrationStatusChange,
    JobPostingTask,
    MailStub,
    ProspectNote,
    Seat,
)
from tracker_rsc.sandbox.models import JobPosting as SandboxJobPosting
from tracker_rsc.sandbox.models import JobRequisition as SandboxJobRequisition


def requisition(job_id: str, owners: list[str]) -> JobRequisition:
    return JobRequisition(
        requisition_id=job_id,
        title="Senior Data Engineer",
        description="5+ years of Python\nApache Spark pipelines in production\nSQL modelling",
        location="London, United Kingdom",
        state="OPEN",
        owner_person_urns=owners,
    )


def application(app_id: str, job_id: str, candidate_id: str) -> ApplicationRecord:
    return ApplicationRecord(
        application_id=app_id,
        candidate_id=candidate_id,
        job_id=job_id,
        job_name="Senior Data Engineer",
        candidate_email=f"jane.{candidate_id}@example.com",
        first_name="Jane",
        last_name="Doe",
        source="Tracker",
        stage="screening",
        created_at=T0,
        last_modified_at=T0 + timedelta(hours=1),
    )


# --- credentials and enablement -------------------------------------------------------------------


def test_check_credentials_gets_the_token_the_sandbox_issued(li):
    li.check_credentials()

    issued = AccessToken.objects.get()
    assert issued.client_id == CLIENT_ID
    assert li.tokens.get() == issued.token  # cached and reused, not fetched again
    assert token_calls() == 1


def test_wrong_credentials_are_a_clear_auth_error(make_client, world):
    client = make_client(client_secret="not-the-secret")

    with pytest.raises(AuthError, match="Client authentication failed"):
        client.check_credentials()
    assert not AccessToken.objects.exists()
    assert [c.status for c in calls("accessToken")] == [401]  # refused, not retried


def test_get_client_from_settings_reaches_the_sandbox(sandbox_url, world):
    client = get_client(organization_urn=ORG)
    try:
        client.check_credentials()
        result = client.upsert_candidates([candidate("s1")])
    finally:
        client.close()

    assert result.succeeded == ["s1"]
    assert AtsCandidate.objects.get().ats_candidate_id == "s1"


def test_register_integration_creates_every_integration_and_the_callback(li):
    callback = "http://tracker.test/integrations/linkedin/callback/abc/"

    for _ in range(2):  # idempotent
        li.register_integration(
            organization_urn=ORG,
            contract_urns=[CONTRACT],
            callback_url=callback,
            customer_name="Acme Staffing",
        )

    rows = {(i.integration_context, i.integration_type): i for i in AtsIntegration.objects.all()}
    assert set(rows) == {
        (ORG, "ONE_CLICK_EXPORT"),
        (ORG, "IN_ATS_INDICATOR"),
        (ORG, "PROFILE_PLUGIN"),
        (CONTRACT, "CSA_API"),
    }
    assert rows[(ORG, "ONE_CLICK_EXPORT")].callback_url == callback
    assert rows[(ORG, "PROFILE_PLUGIN")].integration_name == (
        "Acme Staffing LinkedIn Recruiter Profile Plugin Integration"
    )
    assert rows[(CONTRACT, "CSA_API")].integration_name == (
        "Acme Staffing LinkedIn Recruiter Recruiter System Connect Integration"
    )


def test_get_integration_status_reads_the_change_the_sandbox_pushed(li):
    li.register_integration(
        organization_urn=ORG,
        contract_urns=[CONTRACT],
        callback_url="http://tracker.test/callback/",
        customer_name="Acme",
    )
    changes = list(IntegrationStatusChange.objects.select_related("integration"))
    assert changes  # the customer switched the integrations on (auto_enable_integrations)

    for change in changes:
        status = li.get_integration_status(change.request_id)
        assert status.request_id == change.request_id
        assert status.status == change.status == "ENABLED"
        assert status.integration_type == change.integration.integration_type
        assert status.integration_context == change.integration.integration_context

    with pytest.raises(PermanentError) as caught:
        li.get_integration_status("unknown-request")
    assert caught.value.status == 404


# --- candidates -------------------------------------------------------------------------------


def test_upsert_candidates_stores_the_full_records(li):
    records = [
        candidate("c1", phones=["+44 20 7946 0000"], linkedin_profile_url="https://x.test/in/a"),
        candidate("c2", first_name="Zoë", last_name="Ñúñez"),
    ]

    result = li.upsert_candidates(records)

    assert result.succeeded == ["c1", "c2"] and result.failed == {}
    stored = {c.ats_candidate_id: c for c in AtsCandidate.objects.all()}
    assert set(stored) == {"c1", "c2"}
    for record in records:
        assert stored[record.candidate_id].integration_context == ORG
        assert stored[record.candidate_id].record == record.to_json()
    # Full replace: a second upsert without the phone drops it on LinkedIn's side too.
    li.upsert_candidates([candidate("c1")])
    assert AtsCandidate.objects.get(ats_candidate_id="c1").record["phoneNumbers"] == []


def test_get_candidate_matches_reports_what_the_sandbox_matched(li, world):
    MemberFactory(first_name="Sam", last_name="Lee", emails=[], phones=["+1 555 0100"])
    MemberFactory(first_name="Sam", last_name="Lee", emails=[], phones=["+1 555 0100"])
    li.upsert_candidates(
        [
            candidate("by-email", emails=["jane@example.com"]),
            candidate("by-url", linkedin_profile_url="https://uk.linkedin.com/in/omar-haddad/"),
            candidate("ambiguous", first_name="Sam", last_name="Lee", phones=["+1 555 0100"]),
            candidate("nobody", first_name="No", last_name="Match"),
        ]
    )

    result = li.get_candidate_matches(["by-email", "by-url", "ambiguous", "nobody", "missing"])

    index = ats.member_index()
    for row in AtsCandidate.objects.all():
        expected = ats.candidate_match(row, index).members
        assert sorted(result.matches[row.ats_candidate_id].matched_members) == sorted(expected)
    assert result.matches["by-email"].matched_members == [world.jane.person_urn]
    assert result.matches["by-url"].matched_members == [world.omar.person_urn]
    assert len(result.matches["ambiguous"].matched_members) == 2
    assert result.matches["nobody"].matched_members == []
    assert set(result.failed) == {"missing"}
    assert "not found" in result.failed["missing"].lower()


def test_set_manual_match_sets_and_clears_the_member(li, world):
    li.upsert_candidates([candidate("c1")])

    li.set_manual_match("c1", world.omar.person_urn)
    assert AtsCandidate.objects.get().manual_matched_member == world.omar.person_urn
    match = li.get_candidate_matches(["c1"]).matches["c1"]
    assert match.manual_matched_member == world.omar.person_urn

    li.set_manual_match("c1", None)
    assert AtsCandidate.objects.get().manual_matched_member == ""

    with pytest.raises(PermanentError, match="no LinkedIn member"):
        li.set_manual_match("c1", "urn:li:person:nobody")
    assert AtsCandidate.objects.get().manual_matched_member == ""


def test_delete_candidates_deletes_and_is_idempotent(li):
    li.upsert_candidates([candidate("c1"), candidate("c2")])

    result = li.delete_candidates(["c1", "never-sent"])

    assert result.succeeded == ["c1", "never-sent"] and result.failed == {}
    assert list(AtsCandidate.objects.values_list("ats_candidate_id", flat=True)) == ["c2"]


# --- jobs ----------------------------------------------------------------------------------------


def test_job_postings_are_created_polled_and_closed(li):
    task_ids = li.upsert_job_postings([posting("101"), posting("102", availability="PUBLIC")])

    assert len(task_ids) == 2
    jobs = {j.external_job_posting_id: j for j in SandboxJobPosting.objects.all()}
    assert set(jobs) == {"101", "102"}
    assert jobs["102"].availability == "PUBLIC" and jobs["101"].state == "LISTED"
    assert jobs["101"].listed_at == T0
    statuses = li.get_job_posting_tasks(task_ids)
    assert statuses == {t.task_id: t.status for t in JobPostingTask.objects.all()}
    assert set(statuses.values()) == {"SUCCEEDED"}

    li.upsert_job_postings([posting("101", close=True)])
    assert SandboxJobPosting.objects.get(external_job_posting_id="101").state == "CLOSED"
    # A task LinkedIn answers an error for (here: unknown) is FAILED, so the job is re-posted.
    assert li.get_job_posting_tasks(["no-such-task"]) == {"no-such-task": "FAILED"}


def test_job_posting_tasks_report_in_progress_while_the_sandbox_works(li):
    sandbox.settings_update(job_task_seconds=3600)
    [task_id] = li.upsert_job_postings([posting("101")])

    assert li.get_job_posting_tasks([task_id]) == {task_id: "IN_PROGRESS"}


def test_job_requisitions_are_upserted_with_their_owners(li, world):
    result = li.upsert_job_requisitions(
        [requisition("201", [world.user.person_urn]), requisition("202", [])]
    )

    assert result.succeeded == ["201", "202"] and result.failed == {}
    rows = {r.external_job_requisition_id: r for r in SandboxJobRequisition.objects.all()}
    assert rows["201"].owners == [world.user.person_urn]
    assert rows["201"].integration_context == ORG and rows["201"].state == "OPEN"


def test_set_job_access_replaces_the_access_list(li, world):
    li.upsert_job_postings([posting("101")])

    li.set_job_access("101", [world.user.person_urn, world.admin.person_urn])
    acl = EntityAcl.objects.get()
    assert (acl.acl_id, acl.entity_id, acl.integration_context) == ("job-101", "101", ORG)
    assert ats.job_access(integration_context=ORG, job_id="101") == {
        world.user.person_urn,
        world.admin.person_urn,
    }

    li.set_job_access("101", [world.user.person_urn], removed_person_urns=[world.admin.person_urn])
    assert set(AclAssignee.objects.values_list("assignee", flat=True)) == {world.user.person_urn}
    # A former owner that LinkedIn no longer has is fine (404 counts as removed).
    li.set_job_access("101", [world.user.person_urn], removed_person_urns=[world.admin.person_urn])
    assert AclAssignee.objects.count() == 1


# --- applications ----------------------------------------------------------------------------


def test_applications_and_their_cv_are_stored_then_deleted(li, world):
    li.upsert_job_requisitions([requisition("301", [world.admin.person_urn])])
    sandbox.project_connect(seat_urn=world.admin.urn, requisition_id="301", project_name="Data")
    li.upsert_candidates([candidate("c1"), candidate("c2")])

    result = li.upsert_applications(
        [application("a1", "301", "c1"), application("a2", "301", "c2")]
    )

    assert result.succeeded == ["a1", "a2"]
    stored = {a.ats_job_application_id: a for a in Application.objects.all()}
    assert stored["a1"].record == application("a1", "301", "c1").to_json()
    assert stored["a1"].job_connected_when_received is True
    cv = b"Jane Doe\n5+ years of Python, Apache Spark, SQL"

    li.upsert_attachment(
        application_id="a1",
        attachment_id="cv-a1",
        file_name="jane-doe.txt",
        content_type="text/plain",
        content=cv,
    )

    attachment = stored["a1"].attachments.get()
    assert (attachment.external_attachment_id, attachment.file_name) == ("cv-a1", "jane-doe.txt")
    assert bytes(attachment.content) == cv
    assert attachment.sha256 == hashlib.sha256(cv).hexdigest()
    files = li.delete_attachments([("a1", "cv-a1"), ("never-sent", "cv")])
    assert files.succeeded == ["a1", "never-sent"] and files.failed == {}
    assert not stored["a1"].attachments.exists()
    assert Application.objects.filter(ats_job_application_id="a1").exists()  # the file only
    deleted = li.delete_applications(["a1", "never-sent"])
    assert deleted.succeeded == ["a1", "never-sent"] and deleted.failed == {}
    assert list(Application.objects.values_list("ats_job_application_id", flat=True)) == ["a2"]


def test_an_attachment_of_an_unknown_application_is_refused(li):
    with pytest.raises(PermanentError):
        li.upsert_attachment(
            application_id="nope",
            attachment_id="cv",
            file_name="cv.pdf",
            content_type="application/pdf",
            content=base64.b64decode("JVBERi0xLjQK"),
        )


# --- pulls -----------------------------------------------------------------------------------


def test_get_exported_candidate_returns_the_member_the_recruiter_exported(li, world):
    li.upsert_job_postings([posting("101")])
    export = sandbox.export_create(
        seat_urn=world.user.urn,
        person_urn=world.jane.person_urn,
        job_id="101",
        email="jane.private@example.net",
    )

    exported = li.get_exported_candidate(export.request_id)

    assert exported.request_id == export.request_id
    assert exported.integration_context == ORG
    assert exported.exporter_seat_urn == world.user.urn
    assert exported.job_id == "101"
    profile = exported.profile
    assert profile.person_urn == world.jane.person_urn
    assert (profile.first_name, profile.last_name) == ("Jane", "Doe")
    assert profile.profile_url == world.jane.profile_url
    assert profile.emails == ["jane.private@example.net"]
    assert profile.skills == world.jane.skills[:3]
    assert profile.positions == world.jane.positions[:2]

    sandbox.settings_update(export_email_as_string=True)  # newer API versions: one string
    assert li.get_exported_candidate(export.request_id).profile.emails == [
        "jane.private@example.net"
    ]


def test_iter_seats_pages_through_every_seat_of_the_contract(li, world):
    for _ in range(103):  # more than one page of 100
        SandboxSeatFactory(contract=world.contract)
    SandboxSeatFactory(contract__urn="urn:li:contract:999")  # another contract

    seats = list(li.iter_seats(CONTRACT))

    rows = {s.urn: s for s in Seat.objects.filter(contract=world.contract)}
    assert len(seats) == len(rows) == 105
    assert {s.seat_urn for s in seats} == set(rows)
    admin = next(s for s in seats if s.seat_urn == world.admin.urn)
    assert (admin.role, admin.product, admin.hiring_assistant) == (
        "RECRUITER_ADMIN",
        "RPS_PLUS",
        True,
    )
    assert admin.person_urn == world.admin.person_urn and admin.contract_urn == CONTRACT
    assert len(calls("seatsV2")) == 2


def test_iter_mail_stubs_returns_the_stubs_of_the_window(li, world):
    for offset, member in ((0, world.jane), (2, world.omar)):
        at = T0 + timedelta(hours=offset)
        sandbox.inmail_send(
            seat_urn=world.user.urn,
            person_urn=member.person_urn,
            subject="Role",
            body="Hello",
            at=at,
        )
        sandbox.inmail_accept(seat_urn=world.user.urn, person_urn=member.person_urn, at=at)

    # The window includes its start and excludes its end.
    stubs = list(li.iter_mail_stubs(CONTRACT, T0, T0 + timedelta(hours=2)))

    [row] = MailStub.objects.filter(member=world.jane)
    assert [s.id for s in stubs] == [row.stub_id]
    stub = stubs[0]
    assert stub.created_at == T0 and stub.owner_seat_urn == world.user.urn
    assert stub.profile.emails == world.jane.emails and stub.profile.phones == world.jane.phones
    both = list(li.iter_mail_stubs(CONTRACT, T0, T0 + timedelta(hours=3)))
    assert {s.id for s in both} == set(MailStub.objects.values_list("stub_id", flat=True))


def test_iter_conversation_events_returns_both_directions(li, world):
    sandbox.inmail_send(
        seat_urn=world.user.urn,
        person_urn=world.jane.person_urn,
        subject="Data role",
        body="Interested?",
        at=T0,
    )
    sandbox.inmail_accept(
        seat_urn=world.user.urn, person_urn=world.jane.person_urn, at=T0 + timedelta(hours=1)
    )
    sandbox.inmail_send(  # another seat's InMail is not in this seat's view
        seat_urn=world.admin.urn, person_urn=world.jane.person_urn, subject="x", body="y", at=T0
    )

    events = list(li.iter_conversation_events(world.user.urn, T0, T0 + timedelta(hours=12)))

    rows = ConversationEvent.objects.filter(seat=world.user).order_by("occurred_at")
    assert [e.id for e in events] == [r.event_id for r in rows]
    assert [e.direction for e in events] == ["OUTBOUND", "INBOUND"]
    assert events[0].subject == "Data role" and events[0].occurred_at == T0
    assert events[1].person_urn == world.jane.person_urn
    with pytest.raises(ValueError, match="at most"):
        li.iter_conversation_events(world.user.urn, T0, T0 + timedelta(hours=13))


def test_iter_prospect_notes_returns_active_and_inactive_notes(li, world):
    kept = sandbox.note_add(
        seat_urn=world.user.urn, person_urn=world.jane.person_urn, note="Strong on Spark", at=T0
    )
    dropped = sandbox.note_add(
        seat_urn=world.user.urn, person_urn=world.omar.person_urn, note="Call back", at=T0
    )
    dropped.last_modified_at = T0 + timedelta(minutes=5)
    dropped.active = False
    dropped.save()
    sandbox.note_add(  # another owner's note is filtered out
        seat_urn=world.admin.urn, person_urn=world.jane.person_urn, note="x", at=T0
    )

    notes = list(li.iter_prospect_notes(CONTRACT, [world.user.urn], T0, T0 + timedelta(hours=1)))

    assert [(n.id, n.active) for n in notes] == [(kept.note_id, True), (dropped.note_id, False)]
    assert notes[0].note == "Strong on Spark" and notes[0].last_modified_at == T0
    assert ProspectNote.objects.count() == 3


def test_evaluations_and_connection_changes_are_read_by_request_id(li, world):
    li.upsert_job_requisitions([requisition("301", [world.admin.person_urn])])
    connection = sandbox.project_connect(
        seat_urn=world.admin.urn, requisition_id="301", project_name="Data team"
    )
    project = connection.project
    li.upsert_candidates([candidate("c1", emails=["jane@example.com"])])
    li.upsert_applications([application("a1", "301", "c1")])
    sandbox.project_set_automation(seat_urn=world.admin.urn, project_urn=project.urn, enabled=True)

    run = sandbox.evaluation_run(project_urn=project.urn)

    [row] = run.evaluated
    evaluation = li.get_evaluation(row.request_id)
    assert evaluation.request_id == row.request_id
    assert evaluation.hiring_project == project.urn
    assert (evaluation.requisition_id, evaluation.candidate_id) == ("301", "c1")
    assert evaluation.person_urn == world.jane.person_urn
    assert evaluation.rank == row.rank and evaluation.basis == "RESUME_AND_PROFILE"
    assert evaluation.qualifications == row.qualifications
    assert evaluation.evaluated_at == row.evaluated_at.replace(
        microsecond=row.evaluated_at.microsecond // 1000 * 1000
    )
    assert Evaluation.objects.count() == 1

    changes = list(project.changes.order_by("id"))
    assert [c.hiring_assistant_automation for c in changes] == [False, True]
    for change in changes:
        read = li.get_connection_change(change.request_id)
        assert read.hiring_project == project.urn and read.requisition_id == "301"
        assert read.owner_seat_urn == world.admin.urn and read.state == "CONNECTED"
        assert read.hiring_assistant_automation == change.hiring_assistant_automation

    sandbox.project_disconnect(seat_urn=world.admin.urn, requisition_id="301")
    [current] = li.iter_connections(ORG)
    assert (current.hiring_project, current.state) == (project.urn, "DISCONNECTED")


def test_iter_purged_exports_lists_members_who_had_their_data_deleted(li, world):
    li.upsert_job_postings([posting("101")])
    sandbox.export_create(seat_urn=world.user.urn, person_urn=world.jane.person_urn, job_id="101")
    before = datetime.now(UTC) - timedelta(minutes=1)

    [purge] = sandbox.member_purge(person_urn=world.jane.person_urn)

    purged = list(li.iter_purged_exports(ORG, before))
    assert [(p.id, p.person_urn) for p in purged] == [(purge.purge_id, world.jane.person_urn)]
    assert list(li.iter_purged_exports(ORG, purge.purged_at + timedelta(seconds=1))) == []
