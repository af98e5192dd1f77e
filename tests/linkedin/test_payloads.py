"""Payload parsing: docs/architecture.md §5.1 examples parse; every missing or mistyped field is
named."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta

import pytest

from tracker_rsc.linkedin import (
    ApplicationEvaluation,
    BatchResult,
    CandidateMatch,
    CandidateRecord,
    ConversationEvent,
    ExportedCandidate,
    IntegrationStatus,
    JobPosting,
    JobRequisition,
    MailStub,
    MemberProfile,
    PayloadError,
    ProjectConnectionChange,
    ProspectNote,
    PurgedExport,
    Push,
    Seat,
    datetime_to_ms,
    ms_to_datetime,
    parse_push,
)

EXPORTED = {
    "requestId": "8f14e45f",
    "integrationContext": "urn:li:organization:2414183",
    "exporter": "urn:li:seat:5001",
    "externalJobPostingId": "12",
    "candidate": {
        "member": "urn:li:person:Xy12",
        "profileUrl": "https://www.linkedin.com/in/jane-doe-4a1b",
        "firstName": "Jane",
        "lastName": "Doe",
        "emailAddresses": ["jane@example.com"],
        "headline": "Senior Data Engineer",
        "location": "London, United Kingdom",
        "currentEmployerNames": ["Acme"],
        "yearsOfExperience": "9",
        "skills": ["Python", "Apache Spark", "SQL"],
        "positions": [
            {
                "title": "Senior Data Engineer",
                "companyName": "Acme",
                "startedOn": {"year": 2021, "month": 3},
            }
        ],
        "educations": [{"schoolName": "University of Leeds", "degreeName": "BSc"}],
    },
}
MAIL_STUB = {
    "id": "stub-1",
    "contract": "urn:li:contract:100",
    "owner": "urn:li:seat:5001",
    "createdAt": 1764000000000,
    "member": "urn:li:person:Ab34",
    "profileUrl": "https://www.linkedin.com/in/sam-lee",
    "firstName": "Sam",
    "lastName": "Lee",
    "emailAddresses": ["sam@example.com"],
    "phoneNumbers": [{"number": "+44 7700 900123"}],
    "headline": "Analyst",
    "location": "Leeds",
}
CONVERSATION_EVENT = {
    "id": "ev-1",
    "conversation": "conv-1",
    "viewer": "urn:li:seat:5001",
    "member": "urn:li:person:Xy12",
    "direction": "OUTBOUND",
    "subject": "A role you may like",
    "body": "Hi Jane, ...",
    "occurredAt": 1764000000000,
}
PROSPECT_NOTE = {
    "id": "note-1",
    "contract": "urn:li:contract:100",
    "owner": "urn:li:seat:5001",
    "member": "urn:li:person:Xy12",
    "note": "Strong Spark background.",
    "active": True,
    "lastModifiedAt": 1764000000000,
}
SEAT = {
    "id": "urn:li:seat:5001",
    "contract": "urn:li:contract:100",
    "person": "urn:li:person:Rb56",
    "firstName": "Rita",
    "lastName": "Book",
    "product": "RPS_PLUS",
    "role": "CUSTOM",
    "permissions": ["HIRING_PROJECT_CREATOR", "RECRUITER_SEARCHER"],
    "hiringAssistant": True,
    "active": True,
}
EVALUATION = {
    "requestId": "c9f0f895",
    "integrationContext": "urn:li:organization:2414183",
    "hiringProject": "urn:li:hiringProject:77",
    "externalJobRequisitionId": "12",
    "externalCandidateId": "7",
    "member": "urn:li:person:Xy12",
    "rank": "TOP",
    "basis": "RESUME_AND_PROFILE",
    "summary": "Meets 5 of 5 required qualifications ...",
    "qualifications": [{"name": "5+ years of Python", "required": True, "met": True}],
    "evaluatedAt": 1764000000000,
}
CONNECTION = {
    "hiringProject": "urn:li:hiringProject:77",
    "externalJobRequisitionId": "12",
    "owner": "urn:li:seat:5001",
    "state": "CONNECTED",
    "hiringAssistantAutomation": False,
    "changedAt": 1764000000000,
}
INTEGRATION_STATUS = {
    "requestId": "r-1",
    "integrationContext": "urn:li:organization:2414183",
    "integrationType": "ONE_CLICK_EXPORT",
    "status": "ENABLED",
}
PURGED = {"id": "p-1", "member": "urn:li:person:Xy12", "purgedAt": 1764000000000}
PUSH = {"type": "EXPORT_CANDIDATE_PROFILE", "id": "8f14e45f", "expiresAt": 1764086400000}

AT = datetime(2025, 11, 24, 16, 0, tzinfo=UTC)  # 1764000000000 ms


def test_exported_candidate_parses_the_design_example():
    exported = ExportedCandidate.from_json(EXPORTED)

    assert exported.request_id == "8f14e45f"
    assert exported.integration_context == "urn:li:organization:2414183"
    assert exported.exporter_seat_urn == "urn:li:seat:5001"
    assert exported.job_id == "12"
    assert exported.profile == MemberProfile(
        person_urn="urn:li:person:Xy12",
        profile_url="https://www.linkedin.com/in/jane-doe-4a1b",
        first_name="Jane",
        last_name="Doe",
        emails=["jane@example.com"],
        headline="Senior Data Engineer",
        location="London, United Kingdom",
        current_employer_names=["Acme"],
        years_of_experience="9",
        skills=["Python", "Apache Spark", "SQL"],
        positions=EXPORTED["candidate"]["positions"],
        educations=EXPORTED["candidate"]["educations"],
        phones=[],
    )


@pytest.mark.parametrize(
    ("emails", "expected"),
    [
        (["jane@example.com", " other@example.com "], ["jane@example.com", "other@example.com"]),
        ([], []),
        ("jane@example.com", ["jane@example.com"]),
        ("", []),
        (None, []),
    ],
)
def test_email_addresses_may_be_a_list_or_one_bare_string(emails, expected):
    data = copy.deepcopy(EXPORTED)
    data["candidate"]["emailAddresses"] = emails

    assert ExportedCandidate.from_json(data).profile.emails == expected


def test_the_singular_email_address_of_newer_versions_is_read():
    data = copy.deepcopy(EXPORTED)
    del data["candidate"]["emailAddresses"]
    data["candidate"]["emailAddress"] = "jane@example.com"

    assert ExportedCandidate.from_json(data).profile.emails == ["jane@example.com"]


def test_optional_profile_fields_default_to_empty():
    data = copy.deepcopy(EXPORTED)
    for name in ("headline", "location", "currentEmployerNames", "yearsOfExperience", "skills"):
        del data["candidate"][name]
    del data["candidate"]["positions"], data["candidate"]["educations"], data["exporter"]

    exported = ExportedCandidate.from_json(data)

    assert exported.exporter_seat_urn is None
    assert exported.profile.headline == ""
    assert exported.profile.skills == []
    assert exported.profile.years_of_experience is None


def test_the_other_design_examples_parse():
    assert MailStub.from_json(MAIL_STUB) == MailStub(
        id="stub-1",
        contract_urn="urn:li:contract:100",
        owner_seat_urn="urn:li:seat:5001",
        created_at=AT,
        profile=MemberProfile(
            person_urn="urn:li:person:Ab34",
            profile_url="https://www.linkedin.com/in/sam-lee",
            first_name="Sam",
            last_name="Lee",
            emails=["sam@example.com"],
            headline="Analyst",
            location="Leeds",
            phones=["+44 7700 900123"],
        ),
    )
    assert ConversationEvent.from_json(CONVERSATION_EVENT) == ConversationEvent(
        id="ev-1",
        conversation="conv-1",
        viewer_seat_urn="urn:li:seat:5001",
        person_urn="urn:li:person:Xy12",
        direction="OUTBOUND",
        subject="A role you may like",
        body="Hi Jane, ...",
        occurred_at=AT,
    )
    assert ProspectNote.from_json(PROSPECT_NOTE) == ProspectNote(
        id="note-1",
        contract_urn="urn:li:contract:100",
        owner_seat_urn="urn:li:seat:5001",
        person_urn="urn:li:person:Xy12",
        note="Strong Spark background.",
        active=True,
        last_modified_at=AT,
    )
    assert Seat.from_json(SEAT) == Seat(
        seat_urn="urn:li:seat:5001",
        contract_urn="urn:li:contract:100",
        person_urn="urn:li:person:Rb56",
        first_name="Rita",
        last_name="Book",
        product="RPS_PLUS",
        role="CUSTOM",
        permissions=["HIRING_PROJECT_CREATOR", "RECRUITER_SEARCHER"],
        hiring_assistant=True,
        active=True,
    )
    assert ApplicationEvaluation.from_json(EVALUATION) == ApplicationEvaluation(
        request_id="c9f0f895",
        integration_context="urn:li:organization:2414183",
        hiring_project="urn:li:hiringProject:77",
        requisition_id="12",
        candidate_id="7",
        person_urn="urn:li:person:Xy12",
        rank="TOP",
        basis="RESUME_AND_PROFILE",
        summary="Meets 5 of 5 required qualifications ...",
        qualifications=[{"name": "5+ years of Python", "required": True, "met": True}],
        evaluated_at=AT,
    )
    assert ProjectConnectionChange.from_json(CONNECTION) == ProjectConnectionChange(
        hiring_project="urn:li:hiringProject:77",
        requisition_id="12",
        owner_seat_urn="urn:li:seat:5001",
        state="CONNECTED",
        hiring_assistant_automation=False,
        changed_at=AT,
    )
    assert IntegrationStatus.from_json(INTEGRATION_STATUS) == IntegrationStatus(
        request_id="r-1",
        integration_context="urn:li:organization:2414183",
        integration_type="ONE_CLICK_EXPORT",
        status="ENABLED",
    )
    assert PurgedExport.from_json(PURGED) == PurgedExport(
        id="p-1", person_urn="urn:li:person:Xy12", purged_at=AT
    )


def test_an_evaluation_without_a_member_is_resume_only():
    data = {**EVALUATION, "member": None, "basis": "RESUME_ONLY"}

    evaluation = ApplicationEvaluation.from_json(data)

    assert evaluation.person_urn is None
    assert evaluation.basis == "RESUME_ONLY"


def test_an_inactive_note_may_have_no_text():
    data = {**PROSPECT_NOTE, "active": False}
    del data["note"]

    assert ProspectNote.from_json(data).note == ""


def test_an_empty_inmail_body_is_kept():
    assert ConversationEvent.from_json({**CONVERSATION_EVENT, "body": ""}).body == ""


# (parser, valid example, required fields, prefix of the path in messages)
PARSERS = [
    (
        ExportedCandidate.from_json,
        EXPORTED,
        ["requestId", "integrationContext", "externalJobPostingId", "candidate"],
        "exportedCandidates",
    ),
    (
        MailStub.from_json,
        MAIL_STUB,
        [
            "id",
            "contract",
            "owner",
            "createdAt",
            "member",
            "profileUrl",
            "firstName",
            "lastName",
            "emailAddresses",
        ],
        "mailStubs",
    ),
    (
        ConversationEvent.from_json,
        CONVERSATION_EVENT,
        ["id", "conversation", "viewer", "member", "direction", "body", "occurredAt"],
        "conversationEvents",
    ),
    (
        ProspectNote.from_json,
        PROSPECT_NOTE,
        ["id", "contract", "owner", "member", "note", "active", "lastModifiedAt"],
        "prospectNotes",
    ),
    (
        Seat.from_json,
        SEAT,
        ["id", "contract", "person", "product", "role", "active"],
        "seatsV2",
    ),
    (
        ApplicationEvaluation.from_json,
        EVALUATION,
        [
            "requestId",
            "integrationContext",
            "hiringProject",
            "externalJobRequisitionId",
            "externalCandidateId",
            "rank",
            "basis",
            "summary",
            "evaluatedAt",
        ],
        "exportedApplicationEvaluation",
    ),
    (
        ProjectConnectionChange.from_json,
        CONNECTION,
        [
            "hiringProject",
            "externalJobRequisitionId",
            "owner",
            "state",
            "hiringAssistantAutomation",
            "changedAt",
        ],
        "hiringProjectConnections",
    ),
    (
        IntegrationStatus.from_json,
        INTEGRATION_STATUS,
        ["requestId", "integrationContext", "integrationType", "status"],
        "atsIntegrations",
    ),
    (PurgedExport.from_json, PURGED, ["id", "member", "purgedAt"], "atsPurgedExportedCandidates"),
    (Push.from_json, PUSH, ["type", "id"], "push"),
]
CANDIDATE_FIELDS = ["member", "profileUrl", "firstName", "lastName", "emailAddresses"]


def _cases(kind: str):
    for parser, example, fields, prefix in PARSERS:
        for name in fields:
            yield pytest.param(
                parser, example, [name], f"{prefix}.{name}", id=f"{prefix}.{name}-{kind}"
            )
    for name in CANDIDATE_FIELDS:
        yield pytest.param(
            ExportedCandidate.from_json,
            EXPORTED,
            ["candidate", name],
            f"exportedCandidates.candidate.{name}",
            id=f"exportedCandidates.candidate.{name}-{kind}",
        )


def _without(example: dict, path: list[str]) -> dict:
    data = copy.deepcopy(example)
    target = data
    for name in path[:-1]:
        target = target[name]
    del target[path[-1]]
    return data


def _with(example: dict, path: list[str], value: object) -> dict:
    data = copy.deepcopy(example)
    target = data
    for name in path[:-1]:
        target = target[name]
    target[path[-1]] = value
    return data


@pytest.mark.parametrize(("parser", "example", "path", "field"), list(_cases("missing")))
def test_each_required_field_missing_is_a_payload_error_naming_it(parser, example, path, field):
    with pytest.raises(PayloadError) as caught:
        parser(_without(example, path))

    assert caught.value.field == field
    assert caught.value.message == f"{field}: missing"


@pytest.mark.parametrize(("parser", "example", "path", "field"), list(_cases("wrong-type")))
def test_each_required_field_of_the_wrong_type_is_a_payload_error_naming_it(
    parser, example, path, field
):
    # A dict is the wrong type for every scalar and list field; a list for the nested objects.
    wrong = [1, 2] if path[-1] == "candidate" else {"unexpected": True}

    with pytest.raises(PayloadError) as caught:
        parser(_with(example, path, wrong))

    assert caught.value.field == field
    assert caught.value.message.startswith(f"{field}: expected")


@pytest.mark.parametrize(
    ("parser", "example", "name", "value", "problem"),
    [
        (ConversationEvent.from_json, CONVERSATION_EVENT, "direction", "SIDEWAYS", "unexpected"),
        (ApplicationEvaluation.from_json, EVALUATION, "rank", "GREAT", "unexpected"),
        (ProjectConnectionChange.from_json, CONNECTION, "state", "MAYBE", "unexpected"),
        (ProspectNote.from_json, PROSPECT_NOTE, "active", "true", "expected a boolean"),
        (
            ProspectNote.from_json,
            PROSPECT_NOTE,
            "lastModifiedAt",
            "1764000000000",
            "expected epoch",
        ),
        (ProspectNote.from_json, PROSPECT_NOTE, "lastModifiedAt", True, "expected epoch"),
        (ProspectNote.from_json, PROSPECT_NOTE, "lastModifiedAt", -5, "out of range"),
        (Seat.from_json, SEAT, "id", "", "empty"),
        (Seat.from_json, SEAT, "permissions", ["OK", 3], "expected a string"),
        (MailStub.from_json, MAIL_STUB, "phoneNumbers", [{"extension": "1"}], "missing"),
        (ExportedCandidate.from_json, EXPORTED, "requestId", None, "null"),
    ],
)
def test_bad_values_are_named(parser, example, name, value, problem):
    with pytest.raises(PayloadError) as caught:
        parser(_with(example, [name], value))

    assert name in caught.value.field
    assert problem in caught.value.message


def test_a_non_object_payload_is_a_payload_error():
    with pytest.raises(PayloadError, match=r"^seatsV2: expected an object, got array$"):
        Seat.from_json([SEAT])


def test_matches_absent_mean_no_match_but_the_wrong_type_is_an_error():
    assert CandidateMatch.from_json({}, candidate_id="1").matched_members == []
    with pytest.raises(PayloadError, match="manualMatchedMember: expected a string"):
        CandidateMatch.from_json({"manualMatchedMember": ["urn:li:person:A"]}, candidate_id="1")


def test_epoch_milliseconds_become_aware_utc_datetimes_exactly():
    value = ms_to_datetime(1764000000123)

    assert value == datetime(2025, 11, 24, 16, 0, 0, 123000, tzinfo=UTC)
    assert value.utcoffset() == timedelta(0)
    assert datetime_to_ms(value) == 1764000000123


def test_datetime_to_ms_refuses_naive_datetimes():
    with pytest.raises(ValueError, match="aware"):
        datetime_to_ms(datetime(2026, 1, 1))  # noqa: DTZ001


def test_parse_push():
    body = json.dumps(PUSH).encode()

    assert parse_push(body) == Push(
        type="EXPORT_CANDIDATE_PROFILE",
        id="8f14e45f",
        expires_at=datetime(2025, 11, 25, 16, 0, tzinfo=UTC),
    )
    assert parse_push(b'{"type": "APPLICATION_EVALUATION", "id": 42}').id == "42"
    assert parse_push(b'{"eventType": "EXPORT_CANDIDATE_PROFILE", "requestId": "r"}') == Push(
        type="EXPORT_CANDIDATE_PROFILE", id="r", expires_at=None
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"not json", "push: body is not JSON"),
        (b"\xff\xfe", "push: body is not JSON"),
        (b"[1, 2]", "push: expected an object, got array"),
        (b'{"id": "x"}', "push.type: missing"),
        (b'{"type": "EXPORT_CANDIDATE_PROFILE", "id": "x", "expiresAt": "soon"}', "push.expiresAt"),
    ],
)
def test_bad_pushes_are_payload_errors(body, message):
    with pytest.raises(PayloadError, match=message.replace(".", r"\.")):
        parse_push(body)


# --- what Tracker sends --------------------------------------------------------------------

RECORD = {
    "candidate_id": "7",
    "first_name": " Jane ",
    "last_name": "Doe",
    "emails": ["jane@example.com", "", "  "],
    "phones": [],
    "current_company": "",
    "current_title": "",
    "linkedin_profile_url": "",
    "external_profile_url": "https://tracker.example/candidates/7/",
    "created_at": AT,
    "last_modified_at": AT,
    "addresses": [{"city": "London", "country": "gb"}],
}


def test_candidate_record_json_omits_empty_optional_fields():
    assert CandidateRecord(**RECORD).to_json() == {
        "firstName": "Jane",
        "lastName": "Doe",
        "emailAddresses": ["jane@example.com"],
        "phoneNumbers": [],
        "addresses": [{"city": "London", "country": "gb"}],
        "externalProfileUrl": "https://tracker.example/candidates/7/",
        "atsCreatedAt": 1764000000000,
        "atsLastModifiedAt": 1764000000000,
    }


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"first_name": " "}, "first_name is required"),
        ({"last_name": ""}, "last_name is required"),
        ({"external_profile_url": ""}, "external_profile_url is required"),
        ({"created_at": datetime(2026, 1, 1)}, "aware"),  # noqa: DTZ001
        ({"last_modified_at": AT - timedelta(seconds=1)}, "must not be before"),
    ],
)
def test_candidate_record_refuses_bad_input(change, message):
    with pytest.raises(ValueError, match=message):
        CandidateRecord(**{**RECORD, **change})


def test_job_posting_and_requisition_validate_their_enumerations():
    with pytest.raises(ValueError, match="availability"):
        JobPosting(
            job_id="1",
            title="T",
            description="D",
            location="L",
            availability="INTERNAL",
            listed_at=AT,
            company_apply_url="https://x.example/",
        )
    with pytest.raises(ValueError, match="200 characters"):
        JobPosting(
            job_id="1",
            title="T" * 201,
            description="D",
            location="L",
            availability="PUBLIC",
            listed_at=AT,
            company_apply_url="https://x.example/",
        )
    with pytest.raises(ValueError, match="state"):
        JobRequisition(
            requisition_id="1",
            title="T",
            description="",
            location="",
            state="FILLED",
            owner_person_urns=[],
        )


def test_a_failed_record_is_retryable_unless_linkedin_refused_it_with_a_4xx():
    result = BatchResult(
        succeeded=["ok"],
        failed={"busy": "x", "throttled": "x", "refused": "x", "silent": "x"},
        failed_statuses={"busy": 503, "throttled": 429, "refused": 422},
    )

    assert [key for key in result.failed if result.retryable(key)] == [
        "busy",
        "throttled",
        "silent",
    ]
