"""Helpers that put a job, ACLs and applications into the sandbox the way Tracker sends them."""

from __future__ import annotations

import base64

from tests.sandbox.conftest import ORG, SandboxApi, ids_query

LISTED_AT = 1_764_000_000_000


def job_posting(job_id: str, **overrides: object) -> dict[str, object]:
    element: dict[str, object] = {
        "integrationContext": ORG,
        "externalJobPostingId": job_id,
        "title": "Senior Data Engineer",
        "description": "5+ years of Python\nApache Spark pipelines in production\nSQL modelling",
        "location": "London, United Kingdom",
        "availability": "PRIVATE_TO_ATS_INTEGRATION",
        "state": "LISTED",
        "companyApplyUrl": f"http://testserver/requisitions/{job_id}/",
        "listedAt": LISTED_AT,
    }
    element.update(overrides)
    return {k: v for k, v in element.items() if v is not ...}


def post_jobs(li: SandboxApi, *elements: dict[str, object]):
    return li.call(
        "POST", "v2/simpleJobPostings", "", {"elements": list(elements)}, method="batch_create"
    )


def requisition_key(job_id: str) -> str:
    return (
        f"(externalJobRequisitionId:{job_id},integrationContext:urn%3Ali%3Aorganization%3A2414183)"
    )


def put_requisition(li: SandboxApi, job_id: str, owners: list[str], **record: object):
    body = {
        "title": "Senior Data Engineer",
        "description": "5+ years of Python\nApache Spark pipelines in production\nSQL modelling",
        "location": "London, United Kingdom",
        "state": "OPEN",
        "owners": owners,
        **record,
    }
    key = requisition_key(job_id)
    return li.call(
        "PUT",
        "rest/jobRequisitions",
        f"ids=List({key})",
        {"entities": {key: body}},
        rest=True,
        method="batch_update",
    )


def set_acl(li: SandboxApi, job_id: str, people: list[str]) -> None:
    acl = {
        "atsEntityAclId": f"job-{job_id}",
        "dataProvider": "ATS",
        "integrationContext": ORG,
        "atsEntityType": "JOB_POSTING",
        "atsEntityId": job_id,
    }
    acl_key = "&".join(f"{k}={v}" for k, v in acl.items())
    response = li.put("v2/atsEntityAcls", ids_query([acl]), {"entities": {acl_key: {}}})
    assert response.status_code == 200 and not response.json()["errors"], response.content
    for person in people:
        assignee = {
            "atsEntityAclId": f"job-{job_id}",
            "assignee": person,
            "dataProvider": "ATS",
            "integrationContext": ORG,
            "atsEntityType": "JOB_POSTING",
        }
        key = "&".join(f"{k}={v}" for k, v in assignee.items())
        response = li.put(
            "v2/atsEntityAclAssignees", ids_query([assignee]), {"entities": {key: {}}}
        )
        assert response.status_code == 200 and not response.json()["errors"], response.content


def application_key(application_id: str) -> str:
    return f"atsJobApplicationId={application_id}&dataProvider=ATS&integrationContext={ORG}"


def put_application(
    li: SandboxApi, application_id: str, job_id: str, candidate_id: str, **overrides: object
):
    record = {
        "atsCandidateId": candidate_id,
        "atsJobPostingId": job_id,
        "atsJobPostingName": "Senior Data Engineer",
        "candidateEmail": f"jane.{candidate_id}@example.com",
        "firstName": "Jane",
        "lastName": "Doe",
        "source": "Tracker",
        "atsCreatedAt": 1_764_000_000_000,
        "atsLastModifiedAt": 1_764_000_000_000,
        **overrides,
    }
    record = {k: v for k, v in record.items() if v is not ...}
    query = ids_query(
        [{"atsJobApplicationId": application_id, "dataProvider": "ATS", "integrationContext": ORG}]
    )
    return li.put(
        "v2/atsApplications", query, {"entities": {application_key(application_id): record}}
    )


def attachment_key(application_id: str, attachment_id: str) -> str:
    return (
        f"(externalAttachmentId:{attachment_id},externalJobApplicationId:{application_id},"
        "integrationContext:urn%3Ali%3Aorganization%3A2414183)"
    )


def put_attachment(li: SandboxApi, application_id: str, text: str, **overrides: object):
    key = attachment_key(application_id, f"cv-{application_id}")
    value = {
        "fileName": "cv.txt",
        "contentType": "text/plain",
        "content": base64.b64encode(text.encode()).decode(),
        **overrides,
    }
    return li.call(
        "PUT",
        "rest/attachments",
        f"ids=List({key})",
        {"entities": {key: value}},
        rest=True,
        method="batch_update",
    )
