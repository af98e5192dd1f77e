"""Batch calls: exact URLs and bodies, the 100-record cap, and per-record outcomes."""

from __future__ import annotations

import base64
import logging
from datetime import UTC, datetime

import pytest
import responses

from tests.linkedin.helpers import API, ORG, add_token, query_of, sent_json, v1_cand
from tracker_rsc.linkedin import (
    ApplicationRecord,
    BatchResult,
    CandidateRecord,
    JobPosting,
    JobRequisition,
    PayloadError,
    PermanentError,
    TransientError,
)

CANDIDATES_URL = f"{API}/v2/atsCandidates"
CREATED = datetime(2025, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
MODIFIED = datetime(2026, 2, 3, 4, 5, 6, tzinfo=UTC)


def candidate(candidate_id: str, **overrides) -> CandidateRecord:
    fields = {
        "candidate_id": candidate_id,
        "first_name": "Jane",
        "last_name": "Doe",
        "emails": [f"jane{candidate_id}@example.com"],
        "phones": ["+44 20 7946 0000"],
        "current_company": "Acme",
        "current_title": "Data Engineer",
        "linkedin_profile_url": "https://www.linkedin.com/in/jane-doe-4a1b",
        "external_profile_url": f"https://tracker.example/candidates/{candidate_id}/",
        "created_at": CREATED,
        "last_modified_at": MODIFIED,
    }
    fields.update(overrides)
    return CandidateRecord(**fields)


def application(application_id: str) -> ApplicationRecord:
    return ApplicationRecord(
        application_id=application_id,
        candidate_id="7",
        job_id="12",
        job_name="Senior Data Engineer",
        candidate_email="jane@example.com",
        first_name="Jane",
        last_name="Doe",
        source="Export to ATS",
        stage="shortlisted",
        created_at=CREATED,
        last_modified_at=MODIFIED,
    )


def test_upsert_sends_exact_url_headers_and_records(rsps, client):
    add_token(rsps)
    rsps.add(
        responses.PUT,
        CANDIDATES_URL,
        json={"results": {v1_cand("1"): {"status": 204}, v1_cand("2"): {"status": 204}}},
    )

    result = client.upsert_candidates([candidate("1"), candidate("2", current_company="")])

    assert result == BatchResult(succeeded=["1", "2"], failed={})
    call = rsps.calls[1]
    assert call.request.url == (
        "https://linkedin.test/sandbox/linkedin/v2/atsCandidates"
        "?ids%5B0%5D.atsCandidateId=1&ids%5B0%5D.dataProvider=ATS"
        "&ids%5B0%5D.integrationContext=urn:li:organization:2414183"
        "&ids%5B1%5D.atsCandidateId=2&ids%5B1%5D.dataProvider=ATS"
        "&ids%5B1%5D.integrationContext=urn:li:organization:2414183"
    )
    headers = call.request.headers
    assert headers["Authorization"] == "Bearer tok-1"
    assert headers["X-RestLi-Method"] == "batch_update"
    assert headers["Content-Type"] == "application/json"
    assert "LinkedIn-Version" not in headers
    assert "X-Restli-Protocol-Version" not in headers
    assert call.request.req_kwargs["timeout"] == 7.5
    assert sent_json(call)["entities"] == {
        v1_cand("1"): {
            "firstName": "Jane",
            "lastName": "Doe",
            "emailAddresses": ["jane1@example.com"],
            "phoneNumbers": [{"number": "+44 20 7946 0000"}],
            "addresses": [],
            "externalProfileUrl": "https://tracker.example/candidates/1/",
            "atsCreatedAt": 1735787045678,
            "atsLastModifiedAt": 1770091506000,
            "currentCompanyName": "Acme",
            "currentJobTitle": "Data Engineer",
            "linkedInProfileUrl": "https://www.linkedin.com/in/jane-doe-4a1b",
        },
        v1_cand("2"): {
            "firstName": "Jane",
            "lastName": "Doe",
            "emailAddresses": ["jane2@example.com"],
            "phoneNumbers": [{"number": "+44 20 7946 0000"}],
            "addresses": [],
            "externalProfileUrl": "https://tracker.example/candidates/2/",
            "atsCreatedAt": 1735787045678,
            "atsLastModifiedAt": 1770091506000,
            # no currentCompanyName: empty means null on LinkedIn's full replace
            "currentJobTitle": "Data Engineer",
            "linkedInProfileUrl": "https://www.linkedin.com/in/jane-doe-4a1b",
        },
    }


def test_ids_needing_escapes_are_escaped_in_url_and_body(rsps, client):
    add_token(rsps)
    rsps.add(responses.PUT, CANDIDATES_URL, status=204)

    result = client.upsert_candidates([candidate("a&b=c d")])

    assert result.succeeded == ["a&b=c d"]
    assert query_of(rsps.calls[1]) == (
        "ids%5B0%5D.atsCandidateId=a%26b%3Dc%20d&ids%5B0%5D.dataProvider=ATS"
        "&ids%5B0%5D.integrationContext=urn:li:organization:2414183"
    )
    assert list(sent_json(rsps.calls[1])["entities"]) == [
        "atsCandidateId=a%26b%3Dc%20d&dataProvider=ATS&integrationContext=" + ORG
    ]


@pytest.mark.parametrize(
    ("method", "argument"),
    [
        ("upsert_candidates", [candidate(str(n)) for n in range(101)]),
        ("get_candidate_matches", [str(n) for n in range(101)]),
        ("delete_candidates", [str(n) for n in range(101)]),
        ("upsert_applications", [application(str(n)) for n in range(101)]),
        ("delete_applications", [str(n) for n in range(101)]),
        ("get_job_posting_tasks", [f"T{n}" for n in range(101)]),
    ],
)
def test_more_than_100_records_is_a_value_error_before_any_request(rsps, client, method, argument):
    with pytest.raises(ValueError, match="At most 100"):
        getattr(client, method)(argument)

    assert len(rsps.calls) == 0


def test_duplicate_ids_in_one_batch_are_refused(rsps, client):
    with pytest.raises(ValueError, match="Duplicate"):
        client.upsert_candidates([candidate("1"), candidate("1")])

    assert len(rsps.calls) == 0


def test_an_empty_batch_makes_no_request(rsps, client):
    assert client.upsert_candidates([]) == BatchResult(succeeded=[], failed={})
    assert client.delete_candidates([]) == BatchResult(succeeded=[], failed={})
    assert len(rsps.calls) == 0


def test_a_half_failed_batch_reports_which_records_failed_and_why(rsps, client):
    add_token(rsps)
    rsps.add(
        responses.PUT,
        CANDIDATES_URL,
        json={
            "results": {
                v1_cand("1"): {"status": 204},
                v1_cand("3"): {"status": 503, "message": "Try again"},
            },
            "errors": {
                v1_cand("2"): {
                    "status": 400,
                    "message": "emailAddresses is required when no person is linked",
                    "serviceErrorCode": 100,
                }
            },
        },
    )

    result = client.upsert_candidates(
        [candidate("1"), candidate("2"), candidate("3"), candidate("4")]
    )

    assert result.succeeded == ["1"]
    assert result.failed == {
        "2": "emailAddresses is required when no person is linked",
        "3": "Try again",
        "4": "LinkedIn returned no status for this record",
    }
    assert result.failed_statuses == {"2": 400, "3": 503}
    assert not result.ok


def test_results_keyed_without_escapes_or_in_2_0_form_still_find_their_records(rsps, client):
    add_token(rsps)
    rsps.add(
        responses.PUT,
        CANDIDATES_URL,
        json={
            "results": {
                # the sandbox may echo keys decoded, or LinkedIn in Rest.li 2.0 syntax
                "atsCandidateId=a b&dataProvider=ATS&integrationContext=" + ORG: {"status": 204},
                "(atsCandidateId:c%2Cd,integrationContext:urn%3Ali%3Aorganization%3A2414183)": {
                    "status": 200
                },
            }
        },
    )

    result = client.upsert_candidates([candidate("a b"), candidate("c,d")])

    assert result.succeeded == ["a b", "c,d"]
    assert result.failed == {}


def test_a_results_value_of_the_wrong_type_is_a_payload_error(rsps, client):
    add_token(rsps)
    rsps.add(responses.PUT, CANDIDATES_URL, json={"results": ["not", "an", "object"]})

    with pytest.raises(PayloadError, match=r"atsCandidates\.results"):
        client.upsert_candidates([candidate("1")])


def test_a_key_we_did_not_send_is_ignored_and_logged(rsps, client, caplog):
    add_token(rsps)
    rsps.add(
        responses.PUT,
        CANDIDATES_URL,
        json={"results": {v1_cand("1"): {"status": 204}, v1_cand("99"): {"status": 204}}},
    )

    with caplog.at_level(logging.WARNING, logger="tracker_rsc.linkedin"):
        result = client.upsert_candidates([candidate("1")])

    assert result.succeeded == ["1"]
    assert "key we did not send" in caplog.text


def test_matches_are_read_with_the_fields_projection(rsps, client):
    add_token(rsps)
    rsps.add(
        responses.GET,
        CANDIDATES_URL,
        json={
            "results": {
                v1_cand("1"): {"matchedMembers": ["urn:li:person:A"], "manualMatchedMember": None},
                v1_cand("2"): {
                    "matchedMembers": ["urn:li:person:A", "urn:li:person:B"],
                    "manualMatchedMember": None,
                },
                v1_cand("3"): {
                    "matchedMembers": ["urn:li:person:A", "urn:li:person:B"],
                    "manualMatchedMember": "urn:li:person:C",
                },
                v1_cand("4"): {},
            },
            "errors": {v1_cand("5"): {"status": 404, "message": "Not found"}},
        },
    )

    result = client.get_candidate_matches(["1", "2", "3", "4", "5", "6"])

    assert query_of(rsps.calls[1]).endswith("&fields=matchedMembers,manualMatchedMember")
    assert query_of(rsps.calls[1]).startswith(
        "ids%5B0%5D.atsCandidateId=1&ids%5B0%5D.dataProvider=ATS"
    )
    matches = result.matches
    assert (matches["1"].person_urn, matches["1"].ambiguous) == ("urn:li:person:A", False)
    assert (matches["2"].person_urn, matches["2"].ambiguous) == (None, True)
    assert (matches["3"].person_urn, matches["3"].ambiguous) == ("urn:li:person:C", False)
    assert (matches["4"].person_urn, matches["4"].matched_members) == (None, [])
    assert result.failed == {
        "5": "Not found",
        "6": "LinkedIn returned no result for this candidate",
    }


def test_a_match_of_the_wrong_type_names_the_field(rsps, client):
    add_token(rsps)
    rsps.add(
        responses.GET,
        CANDIDATES_URL,
        json={"results": {v1_cand("1"): {"matchedMembers": "urn:li:person:A"}}},
    )

    with pytest.raises(PayloadError) as caught:
        client.get_candidate_matches(["1"])

    assert caught.value.field == "atsCandidates.results[1].matchedMembers"


def test_set_manual_match_sets_and_clears(rsps, client):
    add_token(rsps)
    rsps.add(responses.POST, CANDIDATES_URL, json={"results": {v1_cand("7"): {"status": 204}}})
    rsps.add(responses.POST, CANDIDATES_URL, json={"results": {v1_cand("7"): {"status": 204}}})

    client.set_manual_match("7", "urn:li:person:Xy12")
    client.set_manual_match("7", None)

    set_call, clear_call = rsps.calls[1], rsps.calls[2]
    assert set_call.request.headers["X-RestLi-Method"] == "batch_partial_update"
    assert sent_json(set_call) == {
        "entities": {
            v1_cand("7"): {"patch": {"$set": {"manualMatchedMember": "urn:li:person:Xy12"}}}
        }
    }
    assert sent_json(clear_call) == {
        "entities": {v1_cand("7"): {"patch": {"$delete": ["manualMatchedMember"]}}}
    }


def test_set_manual_match_raises_when_linkedin_refuses_the_record(rsps, client):
    add_token(rsps)
    rsps.add(
        responses.POST,
        CANDIDATES_URL,
        json={"errors": {v1_cand("7"): {"status": 422, "message": "Unknown member"}}},
    )

    with pytest.raises(PermanentError, match="Unknown member") as caught:
        client.set_manual_match("7", "urn:li:person:Xy12")

    assert caught.value.status == 422


def test_set_manual_match_refuses_a_non_person_urn(rsps, client):
    with pytest.raises(ValueError, match="person URN"):
        client.set_manual_match("7", "urn:li:seat:5")

    assert len(rsps.calls) == 0


def test_delete_counts_an_unknown_candidate_as_deleted(rsps, client):
    add_token(rsps)
    rsps.add(
        responses.DELETE,
        CANDIDATES_URL,
        json={
            "results": {v1_cand("1"): {"status": 204}},
            "errors": {
                v1_cand("2"): {"status": 404, "message": "Not found"},
                v1_cand("3"): {"status": 500, "message": "Internal error"},
            },
        },
    )

    result = client.delete_candidates(["1", "2", "3"])

    assert result.succeeded == ["1", "2"]
    assert result.failed == {"3": "Internal error"}
    assert rsps.calls[1].request.headers["X-RestLi-Method"] == "batch_delete"
    assert rsps.calls[1].request.body is None


def test_job_postings_return_task_ids_in_order(rsps, client):
    add_token(rsps)
    rsps.add(
        responses.POST,
        f"{API}/v2/simpleJobPostings",
        json={"elements": [{"id": "T-1", "status": 201}, {"id": "T-2", "status": 201}]},
    )
    postings = [
        JobPosting(
            job_id="12",
            title="Senior Data Engineer",
            description="Build pipelines.",
            location="London, United Kingdom",
            availability="PRIVATE_TO_ATS_INTEGRATION",
            listed_at=datetime(2026, 1, 1, tzinfo=UTC),
            company_apply_url="https://tracker.example/requisitions/12/",
            close=False,
        ),
        JobPosting(
            job_id="13",
            title="Analyst",
            description="Analyse.",
            location="Leeds, United Kingdom",
            availability="PUBLIC",
            listed_at=datetime(2026, 1, 1, tzinfo=UTC),
            company_apply_url="https://tracker.example/requisitions/13/",
            close=True,
        ),
    ]

    assert client.upsert_job_postings(postings) == ["T-1", "T-2"]

    call = rsps.calls[1]
    assert call.request.headers["X-RestLi-Method"] == "batch_create"
    elements = sent_json(call)["elements"]
    assert elements[0] == {
        "integrationContext": ORG,
        "externalJobPostingId": "12",
        "title": "Senior Data Engineer",
        "description": "Build pipelines.",
        "location": "London, United Kingdom",
        "availability": "PRIVATE_TO_ATS_INTEGRATION",
        "state": "LISTED",
        "companyApplyUrl": "https://tracker.example/requisitions/12/",
        "listedAt": 1767225600000,
    }
    assert elements[1]["jobPostingOperationType"] == "CLOSE"


def test_a_refused_job_posting_raises_naming_the_job(rsps, client):
    add_token(rsps)
    rsps.add(
        responses.POST,
        f"{API}/v2/simpleJobPostings",
        json={"elements": [{"status": 400, "error": {"message": "location is invalid"}}]},
    )
    posting = JobPosting(
        job_id="12",
        title="T",
        description="D",
        location="Nowhere",
        availability="PUBLIC",
        listed_at=datetime(2026, 1, 1, tzinfo=UTC),
        company_apply_url="https://tracker.example/r/12/",
    )

    with pytest.raises(PermanentError, match="12: location is invalid"):
        client.upsert_job_postings([posting])


def test_job_posting_tasks(rsps, client):
    add_token(rsps)
    rsps.add(
        responses.GET,
        f"{API}/v2/simpleJobPostingTasks",
        json={
            "results": {
                "T-1": {"status": "SUCCEEDED"},
                "T-2": {"status": "FAILED", "message": "title too long"},
                "T-3": {"status": "IN_PROGRESS"},
            },
            "errors": {"T-4": {"status": 404, "message": "No such task"}},
        },
    )

    statuses = client.get_job_posting_tasks(["T-1", "T-2", "T-3", "T-4"])

    assert statuses == {"T-1": "SUCCEEDED", "T-2": "FAILED", "T-3": "IN_PROGRESS", "T-4": "FAILED"}
    assert query_of(rsps.calls[1]) == "ids=T-1&ids=T-2&ids=T-3&ids=T-4"


def test_job_requisitions_use_rest_li_2_keys_and_versioned_headers(rsps, client):
    add_token(rsps)
    key = "(externalJobRequisitionId:12,integrationContext:urn%3Ali%3Aorganization%3A2414183)"
    rsps.add(
        responses.PUT,
        f"{API}/rest/jobRequisitions",
        json={"results": {key: {"status": 204}}},
    )
    requisition = JobRequisition(
        requisition_id="12",
        title="Senior Data Engineer",
        description="Build pipelines.",
        location="London",
        state="OPEN",
        owner_person_urns=["urn:li:person:A", "urn:li:person:B"],
    )

    result = client.upsert_job_requisitions([requisition])

    assert result.succeeded == ["12"]
    call = rsps.calls[1]
    assert query_of(call) == f"ids=List({key})"
    assert call.request.headers["LinkedIn-Version"] == "202604"
    assert call.request.headers["X-Restli-Protocol-Version"] == "2.0.0"
    assert call.request.headers["X-RestLi-Method"] == "batch_update"
    assert sent_json(call) == {
        "entities": {
            key: {
                "title": "Senior Data Engineer",
                "description": "Build pipelines.",
                "location": "London",
                "state": "OPEN",
                "owners": ["urn:li:person:A", "urn:li:person:B"],
            }
        }
    }


def test_job_access_upserts_the_acl_then_assignees_and_removes_former_ones(rsps, client):
    add_token(rsps)
    acl = (
        f"atsEntityAclId=job-12&dataProvider=ATS&integrationContext={ORG}"
        "&atsEntityType=JOB_POSTING&atsEntityId=12"
    )

    def assignee(person: str) -> str:
        return (
            f"atsEntityAclId=job-12&assignee=urn:li:person:{person}&dataProvider=ATS"
            f"&integrationContext={ORG}&atsEntityType=JOB_POSTING"
        )

    rsps.add(responses.PUT, f"{API}/v2/atsEntityAcls", json={"results": {acl: {"status": 204}}})
    rsps.add(
        responses.PUT,
        f"{API}/v2/atsEntityAclAssignees",
        json={"results": {assignee("A"): {"status": 204}, assignee("B"): {"status": 204}}},
    )
    rsps.add(
        responses.DELETE,
        f"{API}/v2/atsEntityAclAssignees",
        json={"errors": {assignee("C"): {"status": 404, "message": "Not found"}}},
    )

    client.set_job_access(
        "12", ["urn:li:person:A", "urn:li:person:B"], removed_person_urns=["urn:li:person:C"]
    )

    acl_call, assign_call, remove_call = rsps.calls[1], rsps.calls[2], rsps.calls[3]
    assert query_of(acl_call) == (
        f"ids%5B0%5D.atsEntityAclId=job-12&ids%5B0%5D.dataProvider=ATS&ids%5B0%5D.integrationContext={ORG}"
        "&ids%5B0%5D.atsEntityType=JOB_POSTING&ids%5B0%5D.atsEntityId=12"
    )
    assert sent_json(acl_call) == {"entities": {acl: {}}}
    assert query_of(assign_call) == (
        f"ids%5B0%5D.atsEntityAclId=job-12&ids%5B0%5D.assignee=urn:li:person:A&ids%5B0%5D.dataProvider=ATS"
        f"&ids%5B0%5D.integrationContext={ORG}&ids%5B0%5D.atsEntityType=JOB_POSTING"
        f"&ids%5B1%5D.atsEntityAclId=job-12&ids%5B1%5D.assignee=urn:li:person:B&ids%5B1%5D.dataProvider=ATS"
        f"&ids%5B1%5D.integrationContext={ORG}&ids%5B1%5D.atsEntityType=JOB_POSTING"
    )
    assert sent_json(assign_call) == {"entities": {assignee("A"): {}, assignee("B"): {}}}
    assert remove_call.request.headers["X-RestLi-Method"] == "batch_delete"
    assert "assignee=urn:li:person:C" in query_of(remove_call)


def test_job_access_raises_when_an_assignee_is_refused(rsps, client):
    add_token(rsps)
    refused = (
        f"atsEntityAclId=job-12&assignee=urn:li:person:A&dataProvider=ATS"
        f"&integrationContext={ORG}&atsEntityType=JOB_POSTING"
    )
    rsps.add(responses.PUT, f"{API}/v2/atsEntityAcls", status=204)
    rsps.add(
        responses.PUT,
        f"{API}/v2/atsEntityAclAssignees",
        json={"errors": {refused: {"status": 400, "message": "Too many ACLs for this user"}}},
    )

    with pytest.raises(PermanentError, match="Too many ACLs for this user") as caught:
        client.set_job_access("12", ["urn:li:person:A"])

    assert caught.value.status == 400


def test_a_record_linkedin_says_nothing_about_is_a_transient_failure(rsps, client):
    add_token(rsps)
    rsps.add(responses.PUT, f"{API}/v2/atsEntityAcls", json={"results": {}, "errors": {}})

    # Silence about the one record is not a refusal: worth retrying later.
    with pytest.raises(TransientError, match="returned no status"):
        client.set_job_access("12", [])


def test_applications_upsert_and_delete(rsps, client):
    add_token(rsps)
    key = f"atsJobApplicationId=31&dataProvider=ATS&integrationContext={ORG}"
    rsps.add(responses.PUT, f"{API}/v2/atsApplications", json={"results": {key: {"status": 204}}})
    rsps.add(responses.DELETE, f"{API}/v2/atsApplications", status=204)

    assert client.upsert_applications([application("31")]).succeeded == ["31"]
    assert client.delete_applications(["31"]).succeeded == ["31"]

    upsert = rsps.calls[1]
    assert query_of(upsert) == (
        f"ids%5B0%5D.atsJobApplicationId=31&ids%5B0%5D.dataProvider=ATS&ids%5B0%5D.integrationContext={ORG}"
    )
    assert sent_json(upsert)["entities"][key] == {
        "atsCandidateId": "7",
        "atsJobPostingId": "12",
        "atsJobPostingName": "Senior Data Engineer",
        "candidateEmail": "jane@example.com",
        "firstName": "Jane",
        "lastName": "Doe",
        "source": "Export to ATS",
        "dispositionReason": "",
        "atsCreatedAt": 1735787045678,
        "atsLastModifiedAt": 1770091506000,
        "stage": "shortlisted",
    }
    assert rsps.calls[2].request.headers["X-RestLi-Method"] == "batch_delete"


def test_attachment_is_sent_base64_under_a_rest_li_2_key(rsps, client):
    add_token(rsps)
    key = (
        "(externalJobApplicationId:31,externalAttachmentId:cv-1,"
        "integrationContext:urn%3Ali%3Aorganization%3A2414183)"
    )
    rsps.add(responses.PUT, f"{API}/rest/attachments", json={"results": {key: {"status": 204}}})

    client.upsert_attachment(
        application_id="31",
        attachment_id="cv-1",
        file_name="Jane Doe CV.pdf",
        content_type="application/pdf",
        content=b"%PDF-1.7 binary\x00\xff",
    )

    call = rsps.calls[1]
    assert query_of(call) == f"ids=List({key})"
    assert call.request.headers["LinkedIn-Version"] == "202604"
    assert sent_json(call) == {
        "entities": {
            key: {
                "fileName": "Jane Doe CV.pdf",
                "contentType": "application/pdf",
                "content": base64.b64encode(b"%PDF-1.7 binary\x00\xff").decode(),
            }
        }
    }


def test_attachment_input_is_validated_before_any_request(rsps, client):
    with pytest.raises(ValueError, match="content_type"):
        client.upsert_attachment(
            application_id="31",
            attachment_id="cv-1",
            file_name="cv.pdf",
            content_type="pdf",
            content=b"x",
        )
    with pytest.raises(ValueError, match="content"):
        client.upsert_attachment(
            application_id="31",
            attachment_id="cv-1",
            file_name="cv.pdf",
            content_type="application/pdf",
            content=b"",
        )
    assert len(rsps.calls) == 0


def test_register_integration_registers_every_type_then_the_callback(rsps, client):
    add_token(rsps)

    def integration(context: str, kind: str) -> str:
        return (
            f"integrationContext={context}&integrationType={kind}"
            "&tenantType=RECRUITER&dataProvider=ATS"
        )

    org_keys = [
        integration(ORG, kind)
        for kind in ("ONE_CLICK_EXPORT", "IN_ATS_INDICATOR", "PROFILE_PLUGIN")
    ]
    contract_key = integration("urn:li:contract:100", "CSA_API")
    rsps.add(
        responses.POST,
        f"{API}/v2/atsIntegrations",
        json={"results": {key: {"status": 204} for key in [*org_keys, contract_key]}},
    )
    config_url = f"{API}/v2/atsIntegrations/{org_keys[0]}/configurations"
    rsps.add(responses.PUT, config_url, json={"results": {"CALLBACK_URL": {"status": 204}}})

    client.register_integration(
        organization_urn=ORG,
        contract_urns=["urn:li:contract:100"],
        callback_url="https://tracker.example/integrations/linkedin/callback/abc/",
        customer_name="Acme Recruiting",
    )

    register, configure = rsps.calls[1], rsps.calls[2]
    assert register.request.headers["X-RestLi-Method"] == "batch_partial_update"
    assert query_of(register) == (
        f"ids%5B0%5D.integrationContext={ORG}&ids%5B0%5D.integrationType=ONE_CLICK_EXPORT"
        "&ids%5B0%5D.tenantType=RECRUITER&ids%5B0%5D.dataProvider=ATS"
        f"&ids%5B1%5D.integrationContext={ORG}&ids%5B1%5D.integrationType=IN_ATS_INDICATOR"
        "&ids%5B1%5D.tenantType=RECRUITER&ids%5B1%5D.dataProvider=ATS"
        f"&ids%5B2%5D.integrationContext={ORG}&ids%5B2%5D.integrationType=PROFILE_PLUGIN"
        "&ids%5B2%5D.tenantType=RECRUITER&ids%5B2%5D.dataProvider=ATS"
        "&ids%5B3%5D.integrationContext=urn:li:contract:100&ids%5B3%5D.integrationType=CSA_API"
        "&ids%5B3%5D.tenantType=RECRUITER&ids%5B3%5D.dataProvider=ATS"
    )
    entities = sent_json(register)["entities"]
    assert entities[org_keys[0]] == {
        "patch": {
            "$set": {
                "integrationName": "Acme Recruiting LinkedIn Recruiter One-Click Export Integration"
            }
        }
    }
    assert set(entities) == {*org_keys, contract_key}
    assert configure.request.headers["X-RestLi-Method"] == "batch_update"
    assert query_of(configure) == "ids=CALLBACK_URL"
    assert sent_json(configure) == {
        "entities": {
            "CALLBACK_URL": {
                "configurationValue": {
                    "string": "https://tracker.example/integrations/linkedin/callback/abc/"
                }
            }
        }
    }


def test_register_integration_raises_when_linkedin_refuses_the_callback(rsps, client):
    add_token(rsps)
    rsps.add(responses.POST, f"{API}/v2/atsIntegrations", status=204)
    rsps.add(
        responses.PUT,
        f"{API}/v2/atsIntegrations/integrationContext={ORG}&integrationType=ONE_CLICK_EXPORT"
        "&tenantType=RECRUITER&dataProvider=ATS/configurations",
        json={"errors": {"CALLBACK_URL": {"status": 400, "message": "Callback must be HTTPS"}}},
    )

    with pytest.raises(PermanentError, match="Callback must be HTTPS"):
        client.register_integration(
            organization_urn=ORG,
            contract_urns=[],
            callback_url="http://tracker.example/cb/",
            customer_name="Acme",
        )


def test_register_integration_validates_before_any_request(rsps, client):
    with pytest.raises(ValueError, match="organization URN"):
        client.register_integration(
            organization_urn="2414183",
            contract_urns=[],
            callback_url="https://x.example/",
            customer_name="Acme",
        )
    with pytest.raises(ValueError, match="contract URN"):
        client.register_integration(
            organization_urn=ORG,
            contract_urns=["urn:li:seat:1"],
            callback_url="https://x.example/",
            customer_name="Acme",
        )
    assert len(rsps.calls) == 0


@pytest.mark.django_db
def test_the_organization_defaults_to_the_integration_row(rsps, make_client):
    from tests.tracker_rsc.factories import enabled_integration

    enabled_integration(organization_urn="urn:li:organization:777")
    client = make_client(organization_urn=None)
    add_token(rsps)
    rsps.add(responses.DELETE, CANDIDATES_URL, status=204)

    client.delete_candidates(["5"])

    assert query_of(rsps.calls[1]).endswith("ids%5B0%5D.integrationContext=urn:li:organization:777")


@pytest.mark.django_db
def test_no_organization_anywhere_is_a_configuration_error(rsps, make_client):
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="organization URN"):
        make_client(organization_urn=None).delete_candidates(["5"])

    assert len(rsps.calls) == 0
