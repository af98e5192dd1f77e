"""Hiring projects: who may connect which job, one owner, existing projects, automation,
and Hiring Assistant evaluations of a connected project's applicants."""

from __future__ import annotations

import pytest

from tests.sandbox.conftest import ORG, candidate_record
from tests.sandbox.factories import HiringProjectFactory
from tests.sandbox.helpers import (
    job_posting,
    post_jobs,
    put_application,
    put_attachment,
    put_requisition,
    set_acl,
)
from tracker_rsc.sandbox.models import (
    ConnectionChange,
    Evaluation,
    HiringProject,
    ProjectConnection,
    Push,
)


@pytest.fixture
def job(li, seats):
    """Requisition 12, owned in the ATS by the plain recruiter (ACL + requisition owners)."""
    put_requisition(li, "12", [seats["user"].person_urn])
    set_acl(li, "12", [seats["user"].person_urn])
    return "12"


def _connect(li, seat, job_id, **extra):
    return li.control("connect", {"seat": seat.urn, "requisition_id": job_id, **extra})


def test_the_jobs_owner_connects_it_to_a_new_project_that_they_own(li, seats, job):
    response = _connect(li, seats["user"], job, project_name="Data team")

    assert response.status_code == 200, response.content
    connection = ProjectConnection.objects.get(active=True)
    assert connection.requisition_id == "12"
    assert connection.project.owner == seats["user"]
    assert connection.project.name == "Data team"
    push = Push.objects.get(push_type=Push.Type.HIRING_PROJECT_CONNECTION_CHANGE)
    element = li.get(
        "rest/hiringProjectConnections", f"q=request&requestId={push.request_id}", rest=True
    ).json()["elements"][0]
    assert element == {
        "requestId": push.request_id,
        "integrationContext": ORG,
        "hiringProject": connection.project.urn,
        "externalJobRequisitionId": "12",
        "owner": seats["user"].urn,
        "state": "CONNECTED",
        "hiringAssistantAutomation": False,
        "changedAt": element["changedAt"],
    }


def test_a_seat_without_access_to_the_job_is_refused(li, seats, job):
    response = _connect(li, seats["assistant"], job, project_name="Mine")

    assert response.status_code == 403
    assert "cannot see job 12" in response.json()["error"]
    assert not ProjectConnection.objects.exists()
    assert not HiringProject.objects.exists()
    assert not Push.objects.exists()


def test_a_recruiter_admin_connects_any_job(li, seats, job):
    response = _connect(li, seats["admin"], job, project_name="Admin's project")

    assert response.status_code == 200
    assert ProjectConnection.objects.get().project.owner == seats["admin"]


def test_an_existing_project_keeps_its_one_owner(li, seats, job):
    project = HiringProjectFactory(owner=seats["user"], contract=seats["user"].contract)

    by_other = _connect(li, seats["assistant"], job, project=project.urn)
    by_owner = _connect(li, seats["user"], job, project=project.urn)

    assert by_other.status_code == 403
    assert "Only the project's owner" in by_other.json()["error"]
    assert by_owner.status_code == 200
    connection = ProjectConnection.objects.get()
    assert connection.project == project
    assert HiringProject.objects.count() == 1


def test_an_admin_may_connect_someone_elses_project_even_without_acl(li, seats, job):
    project = HiringProjectFactory(owner=seats["assistant"], contract=seats["user"].contract)

    response = _connect(li, seats["admin"], job, project=project.urn)

    assert response.status_code == 200
    change = ConnectionChange.objects.get()
    assert change.owner == seats["assistant"]  # the push reports the project's one owner


def test_a_job_and_a_project_connect_one_to_one(li, seats, job):
    put_requisition(li, "13", [seats["user"].person_urn])
    _connect(li, seats["user"], job, project_name="First")
    project = HiringProject.objects.get()

    same_job = _connect(li, seats["admin"], job, project_name="Second")
    same_project = _connect(li, seats["user"], "13", project=project.urn)

    assert same_job.status_code == 400
    assert same_project.status_code == 400
    assert ProjectConnection.objects.count() == 1


def test_unsynced_or_closed_jobs_cannot_be_connected(li, seats):
    put_requisition(li, "14", [seats["user"].person_urn], state="CLOSED")

    unknown = _connect(li, seats["admin"], "404", project_name="x")
    closed = _connect(li, seats["admin"], "14", project_name="x")

    assert unknown.status_code == 404
    assert closed.status_code == 400
    assert not ProjectConnection.objects.exists()


def test_disconnect_pushes_and_the_reconciliation_finder_shows_it(li, seats, job):
    _connect(li, seats["user"], job, project_name="Data team")

    refused = li.control("disconnect", {"seat": seats["assistant"].urn, "requisition_id": job})
    response = li.control("disconnect", {"seat": seats["user"].urn, "requisition_id": job})
    listing = li.get(
        "rest/hiringProjectConnections",
        f"q=integrationContext&integrationContext={ORG}&start=0&count=10",
        rest=True,
    ).json()

    assert refused.status_code == 403
    assert response.status_code == 200
    assert list(ConnectionChange.objects.order_by("id").values_list("state", flat=True)) == [
        "CONNECTED",
        "DISCONNECTED",
    ]
    assert [e["state"] for e in listing["elements"]] == ["DISCONNECTED"]
    assert listing["paging"] == {"start": 0, "count": 10, "total": 1}


def test_automation_needs_an_rsc_plus_owner_and_pushes_when_connected(li, seats, job):
    _connect(li, seats["user"], job, project_name="Plain seat project")
    plain = HiringProject.objects.get()
    put_requisition(li, "15", [seats["assistant"].person_urn])
    _connect(li, seats["assistant"], "15", project_name="Assisted")
    assisted = HiringProject.objects.get(name="Assisted")

    refused = li.control(
        "automation", {"seat": seats["user"].urn, "project": plain.urn, "enabled": True}
    )
    accepted = li.control(
        "automation", {"seat": seats["assistant"].urn, "project": assisted.urn, "enabled": True}
    )

    assert refused.status_code == 400
    assert accepted.status_code == 200
    assisted.refresh_from_db()
    assert assisted.hiring_assistant_automation is True
    latest = ConnectionChange.objects.filter(project=assisted).latest("id")
    assert latest.hiring_assistant_automation is True
    assert Push.objects.filter(request_id=latest.request_id).exists()


@pytest.fixture
def connected(li, seats, member):
    """Job 20 connected to a project of the Hiring Assistant seat, with two applicants:
    candidate 1 matches a member (by email), candidate 2 matches nobody."""
    put_requisition(li, "20", [seats["assistant"].person_urn])
    post_jobs(li, job_posting("20"))
    li.upsert_candidates(
        {
            "1": candidate_record(1, emailAddresses=["jane@example.com"]),
            "2": candidate_record(2, firstName="Nobody", lastName="Known"),
        }
    )
    response = li.control(
        "connect",
        {"seat": seats["assistant"].urn, "requisition_id": "20", "project_name": "Data"},
    )
    assert response.status_code == 200, response.content
    put_application(li, "101", "20", "1")
    put_application(li, "102", "20", "2")
    put_attachment(li, "102", "Cobol and Fortran on mainframes.")
    return HiringProject.objects.get(name="Data")


def test_applications_for_connected_jobs_are_flagged_connected(connected):
    from tracker_rsc.sandbox.models import Application

    assert set(Application.objects.values_list("job_connected_when_received", flat=True)) == {True}


def test_evaluation_ranks_each_applicant_on_the_right_basis(li, connected, member):
    response = li.control("evaluate", {"project": connected.urn})

    assert response.status_code == 200, response.content
    by_candidate = {e.candidate_id: e for e in Evaluation.objects.all()}
    assert by_candidate["1"].basis == Evaluation.Basis.RESUME_AND_PROFILE
    assert by_candidate["1"].member_urn == member.person_urn
    assert by_candidate["1"].rank == "TOP"  # the member's profile shows Python, Spark, SQL
    assert by_candidate["2"].basis == Evaluation.Basis.RESUME_ONLY
    assert by_candidate["2"].member_urn == ""
    assert by_candidate["2"].rank == "NOT_A_FIT"
    assert "resume only" in by_candidate["2"].summary
    pushed = set(
        Push.objects.filter(push_type=Push.Type.APPLICATION_EVALUATION).values_list(
            "request_id", flat=True
        )
    )
    assert pushed == {e.request_id for e in by_candidate.values()}


def test_evaluation_is_fetched_by_request_id(li, connected, member):
    li.control("evaluate", {"project": connected.urn, "ranks": {"102": "MAYBE"}})
    item = Evaluation.objects.get(candidate_id="2")

    element = li.get(
        "rest/exportedApplicationEvaluation", f"q=request&requestId={item.request_id}", rest=True
    ).json()["elements"][0]

    assert element["hiringProject"] == connected.urn
    assert element["externalJobRequisitionId"] == "20"
    assert element["externalCandidateId"] == "2"
    assert element["member"] is None
    assert element["rank"] == "MAYBE"
    assert element["basis"] == "RESUME_ONLY"
    assert len(element["qualifications"]) == 3
    assert element["qualifications"][0] == {
        "name": "5+ years of Python",
        "required": True,
        "met": False,
    }


def test_re_evaluation_only_with_automation_on(li, seats, connected):
    li.control("evaluate", {"project": connected.urn})

    skipped = li.control("evaluate", {"project": connected.urn}).json()
    li.control(
        "automation", {"seat": seats["assistant"].urn, "project": connected.urn, "enabled": True}
    )
    redone = li.control("evaluate", {"project": connected.urn}).json()

    assert len(skipped["evaluated"]) == 0
    assert set(skipped["skipped"]) == {"101", "102"}
    assert len(redone["evaluated"]) == 2
    assert Evaluation.objects.count() == 4


def test_evaluation_refused_for_unconnected_projects_and_plain_seats(li, seats, job):
    plain = HiringProjectFactory(owner=seats["user"], contract=seats["user"].contract)
    assisted = HiringProjectFactory(owner=seats["assistant"], contract=seats["user"].contract)

    plain_response = li.control("evaluate", {"project": plain.urn})
    unconnected = li.control("evaluate", {"project": assisted.urn})

    assert plain_response.status_code == 400
    assert "Hiring Assistant" in plain_response.json()["error"]
    assert unconnected.status_code == 400
    assert not Evaluation.objects.exists()
