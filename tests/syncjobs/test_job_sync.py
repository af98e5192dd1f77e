# ruff: noqa: F401, F811  (pytest fixtures imported by name)
"""Job sync: postings with availability, job requisitions, owners' access lists, applications
of connected requisitions only (with the primary CV), and the job_sync runner."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command

from requisitions import services as requisition_services
from requisitions.models import Placement, ProjectConnection, Requisition
from syncjobs.job_sync import job_sync_runs
from syncjobs.models import OutboxEvent, SyncRun
from syncjobs.outbox import outbox_claim, outbox_due_ids, outbox_process
from syncjobs.receivers import NOT_SENT_MARK
from tests.candidates.factories import CandidateFactory
from tests.requisitions.factories import ProjectConnectionFactory
from tests.syncjobs.linkedin_fakes import ORG
from tests.syncjobs.rsc_fakes import fake_rsc
from tests.tracker_rsc.factories import (
    LinkedInSeatFactory,
    UserFactory,
    enabled_integration,
)
from tracker_rsc.linkedin import BatchResult, TransientError

pytestmark = pytest.mark.django_db

Kind = OutboxEvent.Kind


def drain() -> None:
    """What the dispatch tasks would do: send every due event."""
    while ids := outbox_due_ids():
        outbox_process(events=outbox_claim(event_ids=ids))


@pytest.fixture
def world(db, published):
    enabled_integration(ORG)
    alice, bob, carol = UserFactory(), UserFactory(), UserFactory()
    seats = {
        user: LinkedInSeatFactory(user=user, person_urn=f"urn:li:person:{name}")
        for user, name in ((alice, "alice"), (bob, "bob"))
    }
    return {"alice": alice, "bob": bob, "carol": carol, "seats": seats}


def requisition(owners, **fields) -> Requisition:
    values = {
        "title": "Data Engineer",
        "description": "Build pipelines.",
        "location": "London",
        "availability": Requisition.Availability.PUBLIC,
    }
    values.update(fields)
    return requisition_services.requisition_create(owners=owners, **values)


def test_a_new_requisition_is_posted_with_its_availability_requisition_and_owner_access(
    fake_rsc, world
):
    public = requisition([world["alice"], world["carol"]], kind=Requisition.Kind.EVERGREEN)
    private = requisition(
        [world["bob"]],
        kind=Requisition.Kind.PLACEHOLDER,
        availability=Requisition.Availability.PRIVATE,
    )
    drain()

    postings = {p.job_id: p for p in fake_rsc.postings}
    assert postings[str(public.pk)].availability == "PUBLIC"
    assert postings[str(private.pk)].availability == "PRIVATE_TO_ATS_INTEGRATION"
    assert not any(p.close for p in fake_rsc.postings)
    assert postings[str(public.pk)].company_apply_url.endswith(f"/requisitions/{public.pk}/")
    assert {r.requisition_id: r.state for r in fake_rsc.requisitions} == {
        str(public.pk): "OPEN",
        str(private.pk): "OPEN",
    }
    # Carol has no seat: the access list holds the seated owners' members only.
    assert fake_rsc.access == {
        str(public.pk): ["urn:li:person:alice"],
        str(private.pk): ["urn:li:person:bob"],
    }
    public.refresh_from_db()
    assert public.linkedin_synced_at is not None
    assert public.linkedin_access == ["urn:li:person:alice"]
    assert OutboxEvent.objects.filter(status=OutboxEvent.Status.SENT).count() == 2


def test_owner_changes_keep_the_access_list_in_step(fake_rsc, world):
    job = requisition([world["alice"]])
    drain()
    requisition_services.requisition_update(requisition=job, owners=[world["bob"]])
    drain()
    assert fake_rsc.access[str(job.pk)] == ["urn:li:person:bob"]
    assert fake_rsc.removed_access[str(job.pk)] == ["urn:li:person:alice"]
    job.refresh_from_db()
    assert job.linkedin_access == ["urn:li:person:bob"]


def test_closing_closes_the_posting_and_the_requisition(fake_rsc, world):
    job = requisition([world["alice"]])
    drain()
    requisition_services.requisition_close(requisition=job)
    drain()
    last = fake_rsc.postings[-1]
    assert (last.job_id, last.close) == (str(job.pk), True)
    assert fake_rsc.requisitions[-1].state == "CLOSED"


def test_a_closed_requisition_never_posted_is_not_listed_just_to_be_closed(fake_rsc, world):
    job = requisition([world["alice"]], status=Requisition.Status.CLOSED)
    drain()
    assert fake_rsc.postings == []
    assert [(r.requisition_id, r.state) for r in fake_rsc.requisitions] == [(str(job.pk), "CLOSED")]


def test_deleting_a_synced_requisition_closes_its_posting(fake_rsc, world):
    job = requisition([world["alice"]])
    drain()
    job_id = job.pk
    requisition_services.requisition_delete(requisition=job)
    drain()
    last = fake_rsc.postings[-1]
    assert (last.job_id, last.close, last.title) == (str(job_id), True, "Data Engineer")
    assert OutboxEvent.objects.get(kind=Kind.REQUISITION_CLOSE).status == OutboxEvent.Status.SENT


def test_a_requisition_linkedin_cannot_take_gets_a_clear_error_and_nothing_is_sent(fake_rsc, world):
    job = requisition([world["alice"]], location="")
    drain()
    assert fake_rsc.calls == []
    event = OutboxEvent.objects.get(kind=Kind.REQUISITION_UPSERT)
    assert event.status == OutboxEvent.Status.DEAD
    assert "needs a location" in event.last_error
    job.refresh_from_db()
    assert "needs a location" in job.linkedin_sync_error
    assert job.linkedin_synced_at is None


def test_a_posting_task_still_in_progress_is_retried_later(fake_rsc, world, monkeypatch):
    monkeypatch.setattr("syncjobs.job_sync.POSTING_POLL_DELAYS", (0.0, 0.0))
    fake_rsc.task_status = "IN_PROGRESS"
    job = requisition([world["alice"]])
    drain()
    event = OutboxEvent.objects.get(kind=Kind.REQUISITION_UPSERT)
    assert event.status == OutboxEvent.Status.FAILED
    assert "still processing" in event.last_error
    assert fake_rsc.called("set_job_access") == []
    job.refresh_from_db()
    assert job.linkedin_synced_at is None


def test_nothing_leaves_tracker_while_the_integration_is_disabled(fake_rsc, db, published):
    owner = UserFactory()
    requisition([owner])
    assert not OutboxEvent.objects.exists()
    assert job_sync_runs() == []
    assert fake_rsc.calls == []


# --- Applications ---------------------------------------------------------------------------


def test_placements_of_an_unconnected_requisition_never_leave_tracker(fake_rsc, world):
    job = requisition([world["alice"]])
    candidate = CandidateFactory(cv_text="Ten years of Python.")
    placement = requisition_services.placement_create(candidate=candidate, requisition=job)
    requisition_services.placement_set_stage(placement=placement, stage=Placement.Stage.INTERVIEW)
    requisition_services.placement_delete(placement=placement)
    drain()
    assert not OutboxEvent.objects.filter(aggregate="application").exists()
    assert fake_rsc.applications == {}
    assert fake_rsc.called("upsert_applications") == []
    assert fake_rsc.called("delete_applications") == []
    assert fake_rsc.attachments == {}


def test_placements_of_a_connected_requisition_go_with_the_primary_cv(fake_rsc, world):
    job = requisition([world["alice"]])
    ProjectConnectionFactory(requisition=job, owner_seat=world["seats"][world["alice"]])
    candidate = CandidateFactory(email="ada@example.com", first_name="Ada", last_name="L")
    candidate.cv_file.save("ada-cv.pdf", ContentFile(b"%PDF-1.4 Ada's CV"), save=True)
    placement = requisition_services.placement_create(candidate=candidate, requisition=job)
    drain()
    record = fake_rsc.applications[str(placement.pk)]
    assert (record.candidate_id, record.job_id, record.candidate_email) == (
        str(candidate.pk),
        str(job.pk),
        "ada@example.com",
    )
    cv = fake_rsc.attachments[(str(placement.pk), "primary-cv")]
    assert cv["content"] == b"%PDF-1.4 Ada's CV"
    assert cv["content_type"] == "application/pdf"
    assert cv["file_name"].startswith("ada-cv")
    # Deleting the placement deletes the application LinkedIn has, its CV first.
    placement_id = str(placement.pk)
    requisition_services.placement_delete(placement=placement)
    drain()
    assert fake_rsc.deleted_applications == [placement_id]
    assert (placement_id, "primary-cv") not in fake_rsc.attachments
    deletions = [call for call in fake_rsc.calls if call[0].startswith("delete_")]
    assert deletions == [
        ("delete_attachments", [(placement_id, "primary-cv")]),
        ("delete_applications", [placement_id]),
    ]


def test_a_cv_linkedin_cannot_delete_now_holds_the_application_back(fake_rsc, world, monkeypatch):
    job = requisition([world["alice"]])
    ProjectConnectionFactory(requisition=job, owner_seat=world["seats"][world["alice"]])
    placement = requisition_services.placement_create(
        candidate=CandidateFactory(cv_text="Ada"), requisition=job
    )
    drain()
    monkeypatch.setattr(
        fake_rsc,
        "delete_attachments",
        lambda pairs: BatchResult(
            succeeded=[], failed={pairs[0][0]: "busy"}, failed_statuses={pairs[0][0]: 503}
        ),
    )
    requisition_services.placement_delete(placement=placement)
    drain()

    assert fake_rsc.deleted_applications == []
    event = OutboxEvent.objects.get(kind=Kind.APPLICATION_DELETE)
    assert event.status == OutboxEvent.Status.FAILED  # will retry
    assert "could not delete the application's CV: busy" in event.last_error


def test_the_cv_text_goes_when_there_is_no_file_and_no_cv_sends_none(fake_rsc, world):
    job = requisition([world["alice"]])
    ProjectConnectionFactory(requisition=job)
    with_text = requisition_services.placement_create(
        candidate=CandidateFactory(cv_text="Python, Spark."), requisition=job
    )
    without = requisition_services.placement_create(candidate=CandidateFactory(), requisition=job)
    drain()
    assert set(fake_rsc.applications) == {str(with_text.pk), str(without.pk)}
    cv = fake_rsc.attachments[(str(with_text.pk), "primary-cv")]
    assert (cv["content_type"], cv["content"]) == ("text/plain", b"Python, Spark.")
    assert (str(without.pk), "primary-cv") not in fake_rsc.attachments


def test_disconnected_before_sending_means_not_sent_and_no_later_delete(fake_rsc, world):
    job = requisition([world["alice"]])
    connection = ProjectConnectionFactory(requisition=job)
    placement = requisition_services.placement_create(candidate=CandidateFactory(), requisition=job)
    ProjectConnection.objects.filter(pk=connection.pk).update(
        active=False, state=ProjectConnection.State.DISCONNECTED
    )
    drain()
    assert fake_rsc.applications == {}
    event = OutboxEvent.objects.get(kind=Kind.APPLICATION_UPSERT)
    assert event.status == OutboxEvent.Status.SENT
    assert NOT_SENT_MARK in event.payload
    requisition_services.placement_delete(placement=placement)
    drain()
    assert fake_rsc.deleted_applications == []


def test_a_transient_failure_of_the_cv_retries_the_application(fake_rsc, world, monkeypatch):
    job = requisition([world["alice"]])
    ProjectConnectionFactory(requisition=job)
    requisition_services.placement_create(candidate=CandidateFactory(cv_text="CV"), requisition=job)

    def refuse(**kw):
        raise TransientError("Service Unavailable", status=503)

    monkeypatch.setattr(fake_rsc, "upsert_attachment", refuse)
    drain()
    event = OutboxEvent.objects.get(kind=Kind.APPLICATION_UPSERT)
    assert event.status == OutboxEvent.Status.FAILED
    assert "CV not yet" in event.last_error


# --- The job_sync runner --------------------------------------------------------------------


def test_job_sync_resends_every_open_requisition_and_run_sync_runs_it(fake_rsc, world, capsys):
    open_ones = [requisition([world["alice"]]) for _ in range(3)]
    requisition([world["bob"]], status=Requisition.Status.CLOSED)
    OutboxEvent.objects.all().delete()
    fake_rsc.calls.clear()

    runs = job_sync_runs()
    assert [(r.kind, r.status, r.total, r.processed) for r in runs] == [
        (SyncRun.Kind.JOB_SYNC, SyncRun.Status.SUCCEEDED, 3, 3)
    ]
    assert sorted(fake_rsc.called("upsert_job_postings")[0]) == sorted(str(r.pk) for r in open_ones)
    call_command("run_sync", "job_sync")
    assert "Job sync" in capsys.readouterr().out
    assert SyncRun.objects.filter(kind=SyncRun.Kind.JOB_SYNC).count() == 2


def test_job_sync_counts_requisitions_linkedin_cannot_take(fake_rsc, world):
    requisition([world["alice"]])
    requisition([world["alice"]], description="")
    (run,) = job_sync_runs()
    assert (run.status, run.processed, run.failed) == (SyncRun.Status.SUCCEEDED, 1, 1)
    assert "needs a description" in run.errors[0]["error"]


# --- End to end against the sandbox ---------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_sandbox_job_connect_application_and_evaluation_end_to_end(
    sandbox_linkedin, sandbox_control, no_sandbox_broker, published, live_server
):
    import requests

    from syncjobs.models import InboundNotification
    from syncjobs.notifications import notification_process_task
    from tests.sandbox.factories import SandboxContractFactory, SandboxSeatFactory
    from tracker_rsc.sandbox.models import (
        AclAssignee,
        Application,
        AtsIntegration,
        Attachment,
        JobPosting,
        JobRequisition,
        SandboxSettings,
    )

    integration = enabled_integration(ORG)
    owner, other = UserFactory(), UserFactory()
    LinkedInSeatFactory(
        user=owner,
        seat_urn="urn:li:seat:5001",
        person_urn="urn:li:person:owner1",
        product="rps_plus",
    )
    li_contract = SandboxContractFactory(urn="urn:li:contract:100", organization_urn=ORG)
    SandboxSeatFactory(
        urn="urn:li:seat:5001",
        contract=li_contract,
        person_urn="urn:li:person:owner1",
        product="RPS_PLUS",
    )
    SandboxSeatFactory(urn="urn:li:seat:5002", contract=li_contract, person_urn="urn:li:person:x")
    AtsIntegration.objects.create(
        integration_context=ORG,
        integration_type="ONE_CLICK_EXPORT",
        status="ENABLED",
        callback_url=f"{live_server.url}{integration.callback_path}",
    )
    SandboxSettings.objects.update_or_create(singleton=True, defaults={"push_timeout_seconds": 300})

    connected_job = requisition([owner], availability=Requisition.Availability.PRIVATE)
    lonely_job = requisition([other], title="Analyst")
    shortlisted = CandidateFactory(cv_text="Data Engineer with Python and Spark.")
    placement = requisition_services.placement_create(
        candidate=shortlisted, requisition=connected_job
    )
    requisition_services.placement_create(candidate=CandidateFactory(), requisition=lonely_job)
    drain()

    posting = JobPosting.objects.get(external_job_posting_id=str(connected_job.pk))
    assert posting.availability == "PRIVATE_TO_ATS_INTEGRATION"
    assert JobRequisition.objects.get(external_job_requisition_id=str(connected_job.pk)).owners == [
        "urn:li:person:owner1"
    ]
    assert set(AclAssignee.objects.values_list("assignee", flat=True)) == {"urn:li:person:owner1"}
    assert not Application.objects.exists()  # nothing connected yet: nothing sent

    session, control = sandbox_control
    # A seat that is neither an owner nor an admin cannot even see the job in LinkedIn.
    refused = session.post(
        f"{control}/connect",
        json={
            "seat": "urn:li:seat:5002",
            "requisition_id": str(connected_job.pk),
            "project_name": "Theirs",
        },
        timeout=300,
    )
    assert refused.status_code == 403
    answer = session.post(
        f"{control}/connect",
        json={
            "seat": "urn:li:seat:5001",
            "requisition_id": str(connected_job.pk),
            "project_name": "Data team",
        },
        timeout=300,
    )
    assert answer.status_code == 200, answer.text
    project = answer.json()["connection"]["project"]
    session.post(f"{control}/deliver", json={"force": True}, timeout=600)
    notification = InboundNotification.objects.get(event_type="HIRING_PROJECT_CONNECTION_CHANGE")
    assert notification_process_task(notification.pk) == "processed"
    connection = ProjectConnection.objects.get(requisition=connected_job, active=True)
    assert connection.project_urn == project
    assert Placement.objects.filter(requisition=connected_job).count() == 1  # none added
    drain()

    application = Application.objects.get()
    assert application.ats_job_application_id == str(placement.pk)
    assert application.job_connected_when_received is True
    assert bytes(Attachment.objects.get().content) == b"Data Engineer with Python and Spark."
    assert not Application.objects.filter(ats_job_posting_id=str(lonely_job.pk)).exists()

    session.post(
        f"{control}/automation",
        json={"seat": "urn:li:seat:5001", "project": project, "enabled": True},
        timeout=300,
    )
    evaluated = session.post(f"{control}/evaluate", json={"project": project}, timeout=300)
    assert evaluated.status_code == 200, evaluated.text
    session.post(f"{control}/deliver", json={"force": True}, timeout=600)
    for row in InboundNotification.objects.filter(status="received"):
        notification_process_task(row.pk)
    placement.refresh_from_db()
    assert placement.rank in Placement.Rank.values
    assert placement.evaluation_basis == Placement.Basis.RESUME_ONLY  # no LinkedIn link
    summary = placement.activities.get(kind="evaluation_summary")
    assert "resume only" in summary.body
    assert summary.placement == placement


def test_a_cv_file_missing_from_storage_fails_the_event_and_never_sends_the_text(fake_rsc, world):
    job = requisition([world["alice"]])
    ProjectConnectionFactory(requisition=job)
    candidate = CandidateFactory(cv_text="Python, Spark.")
    candidate.cv_file.name = "cvs/2026/01/gone.pdf"  # stored once, since lost from storage
    candidate.save()
    placement = requisition_services.placement_create(candidate=candidate, requisition=job)
    drain()

    assert str(placement.pk) in fake_rsc.applications  # the application itself went
    assert (str(placement.pk), "primary-cv") not in fake_rsc.attachments
    event = OutboxEvent.objects.get(kind=Kind.APPLICATION_UPSERT)
    assert event.status == OutboxEvent.Status.FAILED  # retried, then dead: never silent
    assert "cvs/2026/01/gone.pdf" in event.last_error
    assert "cannot be read from storage" in event.last_error
