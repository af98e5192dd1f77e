"""Property tests (hypothesis) for the LinkedIn payload parsers (tracker_rsc.linkedin.payloads).

What they prove:
- no crash: every parser, given any JSON-shaped value (nested objects and arrays of any
  scalars) or any raw body, returns its typed payload or raises the adapter's own
  ``PayloadError`` naming a field; never a KeyError, TypeError, AttributeError, ...;
- malformed always fails loudly: a valid payload with one required field removed or replaced by
  a value of the wrong type raises ``PayloadError`` naming that field;
- round trip: a valid payload parses to exactly what it says (every field, times in epoch ms),
  and what Tracker sends (``CandidateRecord.to_json``) survives a JSON round trip unchanged.
"""

from __future__ import annotations

import json
import string
from datetime import UTC, datetime

import pytest
import responses
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tests.linkedin.helpers import API, add_token
from tracker_rsc.linkedin import (
    ApplicationEvaluation,
    CandidateMatch,
    CandidateRecord,
    ConversationEvent,
    ExportedCandidate,
    IntegrationStatus,
    MailStub,
    MemberProfile,
    PayloadError,
    ProjectConnectionChange,
    ProspectNote,
    PurgedExport,
    Push,
    Seat,
    TransientError,
    ms_to_datetime,
    parse_push,
    restli,
)
from tracker_rsc.linkedin.client import _batch_result
from tracker_rsc.linkedin.payloads import (
    _MAX_EPOCH_MS,
    BASES,
    CONNECTION_STATES,
    DIRECTIONS,
    PUSH_TYPES,
    RANKS,
    parse_json_body,
)

PROPERTY_SETTINGS = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

# --- strategies ------------------------------------------------------------------------------

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=25,
)
text = st.text(min_size=1, max_size=30).filter(lambda value: value.strip())
ident = text | st.integers(min_value=0, max_value=2**53)
epoch_ms = st.integers(min_value=0, max_value=_MAX_EPOCH_MS)
urn = st.builds(
    "urn:li:{}:{}".format,
    st.sampled_from(["person", "seat", "contract", "organization", "hiringProject"]),
    st.text(alphabet=string.ascii_letters + string.digits, min_size=1, max_size=10),
)
optional_text = st.none() | st.text(max_size=20)


def profile_dict(*, with_emails_as: str = "any") -> st.SearchStrategy[dict]:
    emails = st.lists(text, max_size=3)
    if with_emails_as == "any":
        emails = emails | text | st.none()
    return st.fixed_dictionaries(
        {
            "member": urn,
            "profileUrl": text,
            "firstName": text,
            "lastName": text,
            "emailAddresses": emails,
        },
        optional={
            "headline": st.text(max_size=20),
            "location": st.text(max_size=20),
            "currentEmployerNames": st.lists(text, max_size=3),
            "yearsOfExperience": st.integers(0, 60) | text,
            "skills": st.lists(text, max_size=3),
            "positions": st.lists(st.fixed_dictionaries({"title": text}), max_size=2),
            "educations": st.lists(st.fixed_dictionaries({"schoolName": text}), max_size=2),
            "phoneNumbers": st.lists(st.fixed_dictionaries({"number": text}) | text, max_size=2),
        },
    )


VALID = {
    Push: st.fixed_dictionaries(
        {"type": st.sampled_from(sorted(PUSH_TYPES)), "id": ident},
        optional={"expiresAt": epoch_ms},
    ),
    ExportedCandidate: st.fixed_dictionaries(
        {
            "requestId": ident,
            "integrationContext": urn,
            "externalJobPostingId": ident,
            "candidate": profile_dict(),
        },
        optional={"exporter": urn},
    ),
    MailStub: st.tuples(
        st.fixed_dictionaries({"id": ident, "contract": urn, "owner": urn, "createdAt": epoch_ms}),
        profile_dict(),
    ).map(lambda pair: {**pair[1], **pair[0]}),
    ConversationEvent: st.fixed_dictionaries(
        {
            "id": ident,
            "conversation": ident,
            "viewer": urn,
            "member": urn,
            "direction": st.sampled_from(DIRECTIONS),
            "body": st.text(max_size=30),
            "occurredAt": epoch_ms,
        },
        optional={"subject": st.text(max_size=20)},
    ),
    ProspectNote: st.fixed_dictionaries(
        {
            "id": ident,
            "contract": urn,
            "owner": urn,
            "member": urn,
            "note": text,
            "active": st.booleans(),
            "lastModifiedAt": epoch_ms,
        }
    ),
    Seat: st.fixed_dictionaries(
        {
            "id": urn,
            "contract": urn,
            "person": urn,
            "product": st.sampled_from(
                ["RECRUITER", "RPS_PLUS", "recruiter_professional_services"]
            ),
            "role": st.sampled_from(["RECRUITER_USER", "RECRUITER_ADMIN", "custom"]),
            "active": st.booleans(),
        },
        optional={
            "firstName": st.text(max_size=10),
            "lastName": st.text(max_size=10),
            "permissions": st.lists(
                st.sampled_from(["HIRING_PROJECT_CREATOR", "recruiter_searcher"])
            ),
            "hiringAssistant": st.booleans(),
        },
    ),
    ApplicationEvaluation: st.fixed_dictionaries(
        {
            "requestId": ident,
            "integrationContext": urn,
            "hiringProject": urn,
            "externalJobRequisitionId": ident,
            "externalCandidateId": ident,
            "member": st.none() | urn,
            "rank": st.sampled_from(RANKS),
            "basis": st.sampled_from(BASES),
            "summary": text,
            "evaluatedAt": epoch_ms,
        },
        optional={
            "qualifications": st.lists(
                st.fixed_dictionaries(
                    {"name": text, "required": st.booleans(), "met": st.booleans()}
                ),
                max_size=3,
            )
        },
    ),
    ProjectConnectionChange: st.fixed_dictionaries(
        {
            "hiringProject": urn,
            "externalJobRequisitionId": ident,
            "owner": urn,
            "state": st.sampled_from(CONNECTION_STATES),
            "hiringAssistantAutomation": st.booleans(),
            "changedAt": epoch_ms,
        }
    ),
    IntegrationStatus: st.fixed_dictionaries(
        {
            "requestId": ident,
            "integrationContext": urn,
            "integrationType": text,
            "status": text,
        }
    ),
    PurgedExport: st.fixed_dictionaries({"id": ident, "member": urn, "purgedAt": epoch_ms}),
    CandidateMatch: st.fixed_dictionaries(
        {},
        optional={
            "matchedMembers": st.lists(urn, max_size=3),
            "manualMatchedMember": st.none() | urn,
        },
    ),
}
PARSERS = list(VALID)


def parse(parser: type, obj: object):
    if parser is CandidateMatch:
        return CandidateMatch.from_json(obj, candidate_id="7")
    return parser.from_json(obj)


def parse_or_payload_error(parser: type, obj: object) -> None:
    """The property: a typed payload, or PayloadError naming a field; anything else fails."""
    try:
        parsed = parse(parser, obj)
    except PayloadError as exc:
        assert exc.field, f"PayloadError without a field: {exc}"
        assert str(exc)
    else:
        assert isinstance(parsed, parser)


# --- no crash on any input -------------------------------------------------------------------


@pytest.mark.parametrize("parser", PARSERS, ids=lambda parser: parser.__name__)
@PROPERTY_SETTINGS
@given(obj=json_values)
def test_any_json_value_parses_or_raises_payload_error(parser, obj):
    parse_or_payload_error(parser, obj)


@pytest.mark.parametrize("parser", PARSERS, ids=lambda parser: parser.__name__)
@PROPERTY_SETTINGS
@given(data=st.data())
def test_valid_payload_with_any_field_mangled_parses_or_raises_payload_error(parser, data):
    """Fuzz close to the contract: a valid payload whose fields get arbitrary JSON values."""
    obj = data.draw(VALID[parser])
    for name in data.draw(st.lists(st.sampled_from(sorted(obj) or ["x"]), max_size=3)):
        obj[name] = data.draw(json_values)
    parse_or_payload_error(parser, obj)


@PROPERTY_SETTINGS
@given(body=st.binary(max_size=200) | json_values.map(lambda value: json.dumps(value).encode()))
def test_parse_push_on_any_body_returns_a_push_or_raises_payload_error(body):
    try:
        push = parse_push(body)
    except PayloadError as exc:
        assert exc.field
    else:
        assert isinstance(push, Push)
        assert push.type.strip() and push.id.strip()


@pytest.mark.parametrize("depth", [10, 5_000, 200_000])
def test_deeply_nested_json_body_is_a_payload_error_not_a_recursion_error(depth):
    body = b"[" * depth + b"]" * depth
    with pytest.raises(PayloadError):
        parse_push(body)
    with pytest.raises(PayloadError):
        parse_json_body(b'{"elements": ' + body + b"}", "exportedCandidates").obj_list("elements")


def test_deeply_nested_2xx_body_from_linkedin_is_transient_not_a_crash(rsps, client, sleeps):
    """The HTTP layer treats an undecodable 2xx body as malformed (retried, then transient)."""
    add_token(rsps)
    nested = "[" * 200_000 + "]" * 200_000
    url = f"{API}/v2/exportedCandidates"
    for _ in range(3):
        rsps.add(responses.GET, url, body=nested, content_type="application/json")

    with pytest.raises(TransientError) as caught:
        client.get_exported_candidate("r1")

    assert "malformed JSON" in caught.value.message
    assert len(sleeps) == 2


@PROPERTY_SETTINGS
@given(
    data=json_values,
    ids=st.lists(
        st.text(alphabet=string.ascii_letters + string.digits, min_size=1),
        min_size=1,
        max_size=4,
        unique=True,
    ),
)
def test_batch_result_reads_any_json_or_raises_payload_error(data, ids):
    keys = {
        record_id: {
            "atsCandidateId": record_id,
            "dataProvider": "ATS",
            "integrationContext": "urn:li:organization:1",
        }
        for record_id in ids
    }
    try:
        result = _batch_result(data, keys=keys, encode=restli.v1_key, path="atsCandidates")
    except PayloadError as exc:
        assert exc.field
    else:
        # Every record sent is accounted for exactly once: succeeded or failed.
        assert sorted([*result.succeeded, *result.failed]) == sorted(ids)


# --- malformed always raises PayloadError ---------------------------------------------------

REQUIRED = {
    Push: ["type", "id"],
    ExportedCandidate: ["requestId", "integrationContext", "externalJobPostingId", "candidate"],
    MailStub: ["id", "contract", "owner", "createdAt", "member", "profileUrl", "firstName"],
    ConversationEvent: ["id", "conversation", "viewer", "member", "direction", "occurredAt"],
    ProspectNote: ["id", "contract", "owner", "member", "active", "lastModifiedAt"],
    Seat: ["id", "contract", "person", "product", "role", "active"],
    ApplicationEvaluation: [
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
    ProjectConnectionChange: [
        "hiringProject",
        "externalJobRequisitionId",
        "owner",
        "state",
        "hiringAssistantAutomation",
        "changedAt",
    ],
    IntegrationStatus: ["requestId", "integrationContext", "integrationType", "status"],
    PurgedExport: ["id", "member", "purgedAt"],
}
# A value of the wrong type for every kind of required field (objects and arrays never fit).
WRONG_TYPE = st.sampled_from([{"a": 1}, [1, 2], [], {}]) | st.none()


@pytest.mark.parametrize("parser", list(REQUIRED), ids=lambda parser: parser.__name__)
@PROPERTY_SETTINGS
@given(data=st.data())
def test_missing_or_mistyped_required_field_raises_payload_error_naming_it(parser, data):
    obj = data.draw(VALID[parser])
    name = data.draw(st.sampled_from(REQUIRED[parser]))
    if data.draw(st.booleans()):
        del obj[name]
    else:
        obj[name] = data.draw(WRONG_TYPE)
    with pytest.raises(PayloadError) as caught:
        parse(parser, obj)
    assert name in caught.value.field


@pytest.mark.parametrize("parser", [ExportedCandidate, MailStub], ids=lambda p: p.__name__)
@PROPERTY_SETTINGS
@given(data=st.data())
def test_profile_with_a_bad_email_list_raises_payload_error(parser, data):
    obj = data.draw(VALID[parser])
    profile = obj["candidate"] if parser is ExportedCandidate else obj
    profile["emailAddresses"] = data.draw(
        st.lists(st.integers() | st.booleans() | st.dictionaries(st.text(), st.text()), min_size=1)
        | st.integers()
        | st.dictionaries(st.text(), st.text(), min_size=1)
    )
    with pytest.raises(PayloadError) as caught:
        parse(parser, obj)
    assert "emailAddresses" in caught.value.field


@PROPERTY_SETTINGS
@given(
    obj=VALID[ConversationEvent],
    value=st.integers(min_value=_MAX_EPOCH_MS + 1) | st.integers(max_value=-1) | st.text(),
)
def test_timestamp_out_of_range_or_not_a_number_raises_payload_error(obj, value):
    obj["occurredAt"] = value
    with pytest.raises(PayloadError) as caught:
        ConversationEvent.from_json(obj)
    assert caught.value.field.endswith("occurredAt")


# --- round trip ------------------------------------------------------------------------------


def _id(value: object) -> str:
    return str(value)


def _emails(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value.strip()]
    return [email.strip() for email in value]


def _profile_matches(profile: MemberProfile, obj: dict) -> None:
    assert profile.person_urn == obj["member"]
    assert profile.profile_url == obj["profileUrl"]
    assert (profile.first_name, profile.last_name) == (obj["firstName"], obj["lastName"])
    assert profile.emails == _emails(obj["emailAddresses"])
    assert profile.headline == obj.get("headline", "")
    assert profile.location == obj.get("location", "")
    assert profile.current_employer_names == obj.get("currentEmployerNames", [])
    years = obj.get("yearsOfExperience")
    assert profile.years_of_experience == (None if years is None else str(years))
    assert profile.skills == obj.get("skills", [])
    assert profile.positions == obj.get("positions", [])
    assert profile.educations == obj.get("educations", [])
    expected_phones = [
        (item if isinstance(item, str) else item["number"]).strip()
        for item in obj.get("phoneNumbers", [])
    ]
    assert profile.phones == expected_phones


def _via_json(obj: dict) -> dict:
    """What arrives over the wire: the payload serialised and read back."""
    return json.loads(json.dumps(obj))


@PROPERTY_SETTINGS
@given(obj=VALID[Push])
def test_push_round_trips(obj):
    push = parse_push(json.dumps(obj).encode())
    assert (push.type, push.id) == (obj["type"], _id(obj["id"]))
    assert push.expires_at == (ms_to_datetime(obj["expiresAt"]) if "expiresAt" in obj else None)


@PROPERTY_SETTINGS
@given(obj=VALID[ExportedCandidate].map(_via_json))
def test_exported_candidate_round_trips(obj):
    exported = ExportedCandidate.from_json(obj)
    assert exported.request_id == _id(obj["requestId"])
    assert exported.integration_context == obj["integrationContext"]
    assert exported.exporter_seat_urn == obj.get("exporter")
    assert exported.job_id == _id(obj["externalJobPostingId"])
    _profile_matches(exported.profile, obj["candidate"])


@PROPERTY_SETTINGS
@given(obj=VALID[MailStub].map(_via_json))
def test_mail_stub_round_trips(obj):
    stub = MailStub.from_json(obj)
    assert (stub.id, stub.contract_urn, stub.owner_seat_urn) == (
        _id(obj["id"]),
        obj["contract"],
        obj["owner"],
    )
    assert stub.created_at == ms_to_datetime(obj["createdAt"])
    _profile_matches(stub.profile, obj)


@PROPERTY_SETTINGS
@given(obj=VALID[ConversationEvent].map(_via_json))
def test_conversation_event_round_trips(obj):
    event = ConversationEvent.from_json(obj)
    assert (event.id, event.conversation) == (_id(obj["id"]), _id(obj["conversation"]))
    assert (event.viewer_seat_urn, event.person_urn) == (obj["viewer"], obj["member"])
    assert (event.direction, event.body) == (obj["direction"], obj["body"])
    assert event.subject == obj.get("subject", "")
    assert event.occurred_at == ms_to_datetime(obj["occurredAt"])
    assert event.occurred_at.tzinfo is UTC


@PROPERTY_SETTINGS
@given(obj=VALID[ProspectNote].map(_via_json))
def test_prospect_note_round_trips(obj):
    note = ProspectNote.from_json(obj)
    assert (note.id, note.contract_urn, note.owner_seat_urn, note.person_urn) == (
        _id(obj["id"]),
        obj["contract"],
        obj["owner"],
        obj["member"],
    )
    assert (note.note, note.active) == (obj["note"], obj["active"])
    assert note.last_modified_at == ms_to_datetime(obj["lastModifiedAt"])


@PROPERTY_SETTINGS
@given(obj=VALID[Seat].map(_via_json))
def test_seat_round_trips(obj):
    seat = Seat.from_json(obj)
    assert (seat.seat_urn, seat.contract_urn, seat.person_urn) == (
        obj["id"],
        obj["contract"],
        obj["person"],
    )
    assert (seat.product, seat.role) == (obj["product"].upper(), obj["role"].upper())
    assert seat.permissions == [p.upper() for p in obj.get("permissions", [])]
    assert (seat.first_name, seat.last_name) == (obj.get("firstName", ""), obj.get("lastName", ""))
    assert (seat.hiring_assistant, seat.active) == (
        obj.get("hiringAssistant", False),
        obj["active"],
    )


@PROPERTY_SETTINGS
@given(obj=VALID[ApplicationEvaluation].map(_via_json))
def test_application_evaluation_round_trips(obj):
    evaluation = ApplicationEvaluation.from_json(obj)
    assert evaluation.request_id == _id(obj["requestId"])
    assert (evaluation.integration_context, evaluation.hiring_project) == (
        obj["integrationContext"],
        obj["hiringProject"],
    )
    assert evaluation.requisition_id == _id(obj["externalJobRequisitionId"])
    assert evaluation.candidate_id == _id(obj["externalCandidateId"])
    assert evaluation.person_urn == obj["member"]
    assert (evaluation.rank, evaluation.basis, evaluation.summary) == (
        obj["rank"],
        obj["basis"],
        obj["summary"],
    )
    assert evaluation.qualifications == obj.get("qualifications", [])
    assert evaluation.evaluated_at == ms_to_datetime(obj["evaluatedAt"])


@PROPERTY_SETTINGS
@given(obj=VALID[ProjectConnectionChange].map(_via_json))
def test_project_connection_change_round_trips(obj):
    change = ProjectConnectionChange.from_json(obj)
    assert (change.hiring_project, change.owner_seat_urn, change.state) == (
        obj["hiringProject"],
        obj["owner"],
        obj["state"],
    )
    assert change.requisition_id == _id(obj["externalJobRequisitionId"])
    assert change.hiring_assistant_automation == obj["hiringAssistantAutomation"]
    assert change.changed_at == ms_to_datetime(obj["changedAt"])


@PROPERTY_SETTINGS
@given(obj=VALID[IntegrationStatus].map(_via_json))
def test_integration_status_round_trips(obj):
    status = IntegrationStatus.from_json(obj)
    assert status.request_id == _id(obj["requestId"])
    assert (status.integration_context, status.integration_type, status.status) == (
        obj["integrationContext"],
        obj["integrationType"],
        obj["status"],
    )


@PROPERTY_SETTINGS
@given(obj=VALID[PurgedExport].map(_via_json))
def test_purged_export_round_trips(obj):
    purged = PurgedExport.from_json(obj)
    assert (purged.id, purged.person_urn) == (_id(obj["id"]), obj["member"])
    assert purged.purged_at == ms_to_datetime(obj["purgedAt"])


@PROPERTY_SETTINGS
@given(obj=VALID[CandidateMatch].map(_via_json))
def test_candidate_match_round_trips(obj):
    match = CandidateMatch.from_json(obj, candidate_id="7")
    members = obj.get("matchedMembers", [])
    manual = obj.get("manualMatchedMember")
    assert match.matched_members == members
    assert match.manual_matched_member == manual
    assert match.person_urn == (manual or (members[0] if len(members) == 1 else None))
    assert match.ambiguous == (not manual and len(members) > 1)


@PROPERTY_SETTINGS
@given(
    first=text,
    last=text,
    emails=st.lists(st.emails(), max_size=3),
    phones=st.lists(st.from_regex(r"\+?[0-9 ]{6,15}", fullmatch=True), max_size=2),
    company=st.text(max_size=20),
    created=st.datetimes(
        min_value=datetime(1971, 1, 1),  # noqa: DTZ001 (hypothesis wants naive bounds)
        max_value=datetime(2200, 1, 1),  # noqa: DTZ001
        timezones=st.just(UTC),
    ),
)
def test_candidate_record_survives_the_wire(first, last, emails, phones, company, created):
    """What Tracker sends: to_json is plain JSON and the times are whole epoch milliseconds."""
    assume(all(phone.strip() for phone in phones))
    record = CandidateRecord(
        candidate_id="42",
        first_name=first,
        last_name=last,
        emails=emails,
        phones=phones,
        current_company=company,
        current_title="",
        linkedin_profile_url="https://www.linkedin.com/in/someone",
        external_profile_url="https://tracker.example/candidates/42/",
        created_at=created,
        last_modified_at=created,
    )
    body = record.to_json()
    assert json.loads(json.dumps(body)) == body
    assert (body["firstName"], body["lastName"]) == (first.strip(), last.strip())
    assert body["emailAddresses"] == [email.strip() for email in emails]
    assert body["phoneNumbers"] == [{"number": phone.strip()} for phone in phones]
    assert body.get("currentCompanyName") == (company.strip() or None)
    assert "currentJobTitle" not in body  # empty fields are omitted (LinkedIn stores null)
    assert body["atsCreatedAt"] == body["atsLastModifiedAt"]
    assert ms_to_datetime(body["atsCreatedAt"]) == created.replace(
        microsecond=created.microsecond // 1000 * 1000
    )
