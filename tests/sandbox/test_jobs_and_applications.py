"""Jobs (postings as tasks, requisitions, ACLs) and applications with attachments."""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta

import time_machine
from django.utils import timezone

from tests.sandbox.conftest import ORG, ids_query
from tests.sandbox.helpers import (
    application_key,
    attachment_key,
    job_posting,
    post_jobs,
    put_application,
    put_attachment,
    put_requisition,
    requisition_key,
    set_acl,
)
from tracker_rsc.sandbox.models import (
    AclAssignee,
    Application,
    Attachment,
    EntityAcl,
    JobPosting,
    JobRequisition,
    SandboxSettings,
)


def _task_statuses(li, task_ids):
    query = "&".join(f"ids={t}" for t in task_ids)
    return li.get("v2/simpleJobPostingTasks", query).json()


def test_batch_create_returns_tasks_that_succeed(li):
    response = post_jobs(li, job_posting("12"), job_posting("13", availability="PUBLIC"))

    elements = response.json()["elements"]
    assert response.status_code == 200
    assert [e["status"] for e in elements] == [201, 201]
    statuses = _task_statuses(li, [e["id"] for e in elements])["results"]
    assert {s["status"] for s in statuses.values()} == {"SUCCEEDED"}
    assert JobPosting.objects.get(external_job_posting_id="13").availability == "PUBLIC"


def test_tasks_stay_in_progress_for_the_configured_time(li):
    SandboxSettings.objects.update_or_create(singleton=True, defaults={"job_task_seconds": 30})
    task_id = post_jobs(li, job_posting("12")).json()["elements"][0]["id"]

    early = _task_statuses(li, [task_id])["results"][task_id]["status"]
    with time_machine.travel(timezone.now() + timedelta(seconds=31)):
        li._token = None
        late = _task_statuses(li, [task_id])["results"][task_id]["status"]

    assert (early, late) == ("IN_PROGRESS", "SUCCEEDED")


def test_an_invalid_posting_fails_its_task_with_the_field(li):
    elements = post_jobs(li, job_posting("12", title=...), job_posting("13")).json()["elements"]

    results = _task_statuses(li, [e["id"] for e in elements])["results"]

    failed = results[elements[0]["id"]]
    assert failed["status"] == "FAILED"
    assert failed["message"].startswith("title")
    assert results[elements[1]["id"]]["status"] == "SUCCEEDED"
    assert list(JobPosting.objects.values_list("external_job_posting_id", flat=True)) == ["13"]


def test_close_operation_closes_the_job(li):
    post_jobs(li, job_posting("12"))

    task_id = post_jobs(
        li,
        {
            "integrationContext": ORG,
            "externalJobPostingId": "12",
            "jobPostingOperationType": "CLOSE",
        },
    ).json()["elements"][0]["id"]

    assert _task_statuses(li, [task_id])["results"][task_id]["status"] == "SUCCEEDED"
    assert JobPosting.objects.get(external_job_posting_id="12").state == "CLOSED"


def test_101_postings_are_refused(li):
    response = post_jobs(li, *[job_posting(str(n)) for n in range(101)])

    assert response.status_code == 400
    assert not JobPosting.objects.exists()


def test_unknown_task_is_a_404_entity(li):
    body = _task_statuses(li, ["nope"])

    assert body["errors"]["nope"]["status"] == 404


def test_job_requisitions_are_stored_by_their_rest_li_2_key(li):
    response = put_requisition(li, "12", ["urn:li:person:user2"])

    assert response.status_code == 200
    assert response.json() == {"results": {requisition_key("12"): {"status": 204}}, "errors": {}}
    requisition = JobRequisition.objects.get(external_job_requisition_id="12")
    assert requisition.owners == ["urn:li:person:user2"]
    assert requisition.integration_context == ORG


def test_job_requisition_validation_is_per_entity(li):
    response = put_requisition(li, "12", ["not-a-urn"], state="MAYBE")

    assert response.json()["errors"][requisition_key("12")]["status"] == 400
    assert not JobRequisition.objects.exists()


def test_acls_and_assignees_are_stored_read_and_deleted(li):
    set_acl(li, "12", ["urn:li:person:a", "urn:li:person:b"])

    listed = li.get(
        "v2/atsEntityAclAssignees", "q=criteria&assignee=urn:li:person:a&start=0&count=10"
    ).json()
    assignee = {
        "atsEntityAclId": "job-12",
        "assignee": "urn:li:person:b",
        "dataProvider": "ATS",
        "integrationContext": ORG,
        "atsEntityType": "JOB_POSTING",
    }
    deleted = li.call(
        "DELETE", "v2/atsEntityAclAssignees", ids_query([assignee]), method="batch_delete"
    )

    assert EntityAcl.objects.get().entity_id == "12"
    assert listed["paging"]["total"] == 1
    assert listed["elements"][0]["assignee"] == "urn:li:person:a"
    assert deleted.status_code == 200
    assert list(AclAssignee.objects.values_list("assignee", flat=True)) == ["urn:li:person:a"]


def test_applications_are_stored_and_record_whether_the_job_was_connected(li):
    response = put_application(li, "31", "12", "1")

    assert response.json() == {"results": {application_key("31"): {"status": 204}}, "errors": {}}
    application = Application.objects.get(ats_job_application_id="31")
    assert application.ats_job_posting_id == "12"
    assert application.ats_candidate_id == "1"
    assert application.job_connected_when_received is False


def test_application_required_fields(li):
    response = put_application(li, "31", "12", "1", atsJobPostingId=...)

    assert response.json()["errors"][application_key("31")]["message"].startswith("atsJobPostingId")
    assert not Application.objects.exists()


def test_attachments_are_stored_for_known_applications(li):
    put_application(li, "31", "12", "1")

    response = put_attachment(li, "31", "Jane Doe. Python, Spark, SQL.")

    assert response.json()["errors"] == {}
    attachment = Attachment.objects.get()
    content = bytes(attachment.content)
    assert content == b"Jane Doe. Python, Spark, SQL."
    assert attachment.sha256 == hashlib.sha256(content).hexdigest()
    assert attachment.application.ats_job_application_id == "31"


def test_attachment_refusals(li):
    put_application(li, "31", "12", "1")

    unknown = put_attachment(li, "99", "cv").json()
    bad_base64 = put_attachment(li, "31", "cv", content="***").json()

    assert unknown["errors"][attachment_key("99", "cv-99")]["status"] == 404
    assert bad_base64["errors"][attachment_key("31", "cv-31")]["message"].startswith("content")
    assert not Attachment.objects.exists()


def test_applications_delete(li):
    put_application(li, "31", "12", "1")
    put_attachment(li, "31", base64.b64encode(b"x").decode())
    query = ids_query(
        [{"atsJobApplicationId": "31", "dataProvider": "ATS", "integrationContext": ORG}]
    )

    response = li.call("DELETE", "v2/atsApplications", query, method="batch_delete")

    assert response.status_code == 200
    assert not Application.objects.exists()
    assert not Attachment.objects.exists()
