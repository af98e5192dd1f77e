"""Typed payloads: what Tracker sends to LinkedIn and what LinkedIn answers (docs/architecture.md
§5.1).

Everything here is pure: frozen dataclasses and plain functions over JSON-shaped data. Parsing is
strict: a missing required field or a value of the wrong type raises ``PayloadError`` whose
message names the field (``exportedCandidates.candidate.firstName: missing``), never a
``KeyError`` or ``TypeError``. Epoch milliseconds become aware UTC datetimes here and nowhere
else. Optional fields that LinkedIn may omit default to an empty value; the docstring of each
type says which fields are required.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from .errors import PayloadError

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Rejects garbage such as seconds sent as milliseconds' thousandth or a year-50000 date.
_MAX_EPOCH_MS = 253_402_300_799_999  # 9999-12-31T23:59:59.999Z

PUSH_EXPORT_CANDIDATE = "EXPORT_CANDIDATE_PROFILE"
PUSH_APPLICATION_EVALUATION = "APPLICATION_EVALUATION"
PUSH_INTEGRATION_STATUS = "INTEGRATION_STATUS_CHANGE"
PUSH_CONNECTION_CHANGE = "HIRING_PROJECT_CONNECTION_CHANGE"
PUSH_TYPES = frozenset(
    {
        PUSH_EXPORT_CANDIDATE,
        PUSH_APPLICATION_EVALUATION,
        PUSH_INTEGRATION_STATUS,
        PUSH_CONNECTION_CHANGE,
    }
)

RANKS = ("TOP", "QUALIFIED", "MAYBE", "NOT_A_FIT")
BASES = ("RESUME_ONLY", "RESUME_AND_PROFILE")
DIRECTIONS = ("OUTBOUND", "INBOUND")
CONNECTION_STATES = ("CONNECTED", "DISCONNECTED")
JOB_AVAILABILITIES = ("PUBLIC", "PRIVATE_TO_ATS_INTEGRATION")
REQUISITION_STATES = ("OPEN", "CLOSED")

_MISSING = object()


# --- time at the edge ----------------------------------------------------------------------


def ms_to_datetime(value: int) -> datetime:
    """Epoch milliseconds → aware UTC datetime (exact: no float rounding)."""
    return EPOCH + timedelta(milliseconds=value)


def datetime_to_ms(value: datetime) -> int:
    """Aware datetime → epoch milliseconds. A naive datetime is a ValueError, not a guess."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"Expected an aware datetime, got naive {value.isoformat()}")
    return (value - EPOCH) // timedelta(milliseconds=1)


# --- strict reading --------------------------------------------------------------------------


def _type_name(value: object) -> str:
    if value is None:
        return "null"
    return {dict: "object", list: "array", str: "string", bool: "boolean"}.get(
        type(value), type(value).__name__
    )


class Reader:
    """Reads fields of one JSON object, naming ``path.field`` in every error."""

    def __init__(self, obj: object, path: str) -> None:
        if not isinstance(obj, dict):
            raise PayloadError(f"{path}: expected an object, got {_type_name(obj)}", field=path)
        self.obj = obj
        self.path = path

    def _fail(self, name: str, problem: str) -> PayloadError:
        where = f"{self.path}.{name}"
        return PayloadError(f"{where}: {problem}", field=where)

    def _get(self, name: str, required: bool) -> Any:
        value = self.obj.get(name, _MISSING)
        if value is _MISSING or (value is None and required):
            if required:
                raise self._fail(name, "missing" if value is _MISSING else "null")
            return None
        return value

    def has(self, name: str) -> bool:
        return self.obj.get(name) is not None

    def text(
        self, name: str, *, required: bool = True, default: str = "", allow_empty: bool = False
    ) -> str:
        """A string. A required one must be present and, unless ``allow_empty``, non-blank;
        an optional one is ``default`` when absent or null.
        """
        value = self._get(name, required)
        if value is None:
            return default
        if not isinstance(value, str):
            raise self._fail(name, f"expected a string, got {_type_name(value)}")
        if required and not allow_empty and not value.strip():
            raise self._fail(name, "empty")
        return value

    def opt_str(self, name: str) -> str | None:
        value = self._get(name, False)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self._fail(name, f"expected a string, got {_type_name(value)}")
        return value or None

    def ident(self, name: str) -> str:
        """An identifier: a non-empty string, or an integer LinkedIn sent unquoted."""
        value = self._get(name, True)
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        if not isinstance(value, str):
            raise self._fail(name, f"expected a string, got {_type_name(value)}")
        if not value.strip():
            raise self._fail(name, "empty")
        return value

    def flag(self, name: str, *, required: bool = True, default: bool = False) -> bool:
        value = self._get(name, required)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self._fail(name, f"expected a boolean, got {_type_name(value)}")
        return value

    def integer(self, name: str, *, required: bool = True) -> int | None:
        value = self._get(name, required)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise self._fail(name, f"expected an integer, got {_type_name(value)}")
        return value

    def ms(self, name: str) -> datetime:
        """A required epoch-milliseconds timestamp, as an aware UTC datetime."""
        value = self._get(name, True)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self._fail(name, f"expected epoch milliseconds, got {_type_name(value)}")
        if not 0 <= value <= _MAX_EPOCH_MS:
            raise self._fail(name, f"epoch milliseconds out of range: {value}")
        return ms_to_datetime(value)

    def choice(self, name: str, choices: Sequence[str]) -> str:
        value = self.text(name)
        if value not in choices:
            raise self._fail(name, f"unexpected value {value!r} (expected one of {choices})")
        return value

    def str_list(self, name: str, *, required: bool = False) -> list[str]:
        value = self._get(name, required)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self._fail(name, f"expected an array, got {_type_name(value)}")
        for index, item in enumerate(value):
            if not isinstance(item, str):
                raise self._fail(f"{name}[{index}]", f"expected a string, got {_type_name(item)}")
        return [item for item in value if item.strip()]

    def obj_list(self, name: str, *, required: bool = False) -> list[dict]:
        value = self._get(name, required)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self._fail(name, f"expected an array, got {_type_name(value)}")
        for index, item in enumerate(value):
            if not isinstance(item, dict):
                raise self._fail(f"{name}[{index}]", f"expected an object, got {_type_name(item)}")
        return list(value)

    def child(self, name: str) -> Reader:
        return Reader(self._get(name, True), f"{self.path}.{name}")

    def emails(self, name: str = "emailAddresses") -> list[str]:
        """``emailAddresses`` as a list (older versions) or one bare string (newer ones).

        Required, but may be empty or null: LinkedIn only passes addresses a recruiter typed.
        The singular ``emailAddress`` of the March 2024 release notes is accepted in its place.
        """
        if name not in self.obj and "emailAddress" in self.obj:
            name = "emailAddress"
        value = self.obj.get(name, _MISSING)
        if value is _MISSING:
            raise self._fail("emailAddresses", "missing")
        if value is None:
            return []
        if isinstance(value, str):
            return [value.strip()] if value.strip() else []
        if isinstance(value, list):
            return [email.strip() for email in self.str_list(name) if email.strip()]
        raise self._fail(name, f"expected an array or a string, got {_type_name(value)}")

    def phones(self, name: str = "phoneNumbers") -> list[str]:
        """``phoneNumbers`` as ``[{"number": ..}]`` (LinkedIn's shape) or plain strings."""
        value = self._get(name, False)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self._fail(name, f"expected an array, got {_type_name(value)}")
        numbers: list[str] = []
        for index, item in enumerate(value):
            if isinstance(item, str):
                number = item
            else:
                number = Reader(item, f"{self.path}.{name}[{index}]").text("number")
            if number.strip():
                numbers.append(number.strip())
        return numbers


def parse_json_body(body: bytes | str, path: str) -> Reader:
    """Decode a JSON object from raw bytes; anything else is a PayloadError."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        # RecursionError: arrays or objects nested deeper than the decoder's stack allows.
        raise PayloadError(f"{path}: body is not JSON ({exc})", field=path) from exc
    return Reader(data, path)


# --- what Tracker sends ----------------------------------------------------------------------


def _require_text(value: str, what: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{what} is required")


def _clean(values: Iterable[str]) -> list[str]:
    return [value.strip() for value in values if value and value.strip()]


@dataclass(frozen=True)
class CandidateRecord:
    """One ``atsCandidates`` record. Batch updates replace the whole record on LinkedIn, so
    every field Tracker knows is always sent; empty ones are omitted (LinkedIn stores null).
    """

    candidate_id: str
    first_name: str
    last_name: str
    emails: list[str]
    phones: list[str]
    current_company: str
    current_title: str
    linkedin_profile_url: str
    external_profile_url: str
    created_at: datetime
    last_modified_at: datetime
    addresses: list[dict] = field(default_factory=list)

    def __post_init__(self) -> None:
        _require_text(self.candidate_id, "candidate_id")
        _require_text(self.first_name, "first_name")
        _require_text(self.last_name, "last_name")
        _require_text(self.external_profile_url, "external_profile_url")
        created, modified = datetime_to_ms(self.created_at), datetime_to_ms(self.last_modified_at)
        if created <= 0:
            raise ValueError("created_at must be after 1970")
        if modified < created:
            raise ValueError("last_modified_at must not be before created_at")

    def to_json(self) -> dict:
        record: dict[str, Any] = {
            "firstName": self.first_name.strip(),
            "lastName": self.last_name.strip(),
            "emailAddresses": _clean(self.emails),
            # LinkedIn requires the array even when empty.
            "phoneNumbers": [{"number": number} for number in _clean(self.phones)],
            "addresses": list(self.addresses),
            "externalProfileUrl": self.external_profile_url,
            "atsCreatedAt": datetime_to_ms(self.created_at),
            "atsLastModifiedAt": datetime_to_ms(self.last_modified_at),
        }
        optional = {
            "currentCompanyName": self.current_company,
            "currentJobTitle": self.current_title,
            "linkedInProfileUrl": self.linkedin_profile_url,
        }
        record.update(
            {name: value.strip() for name, value in optional.items() if value and value.strip()}
        )
        return record


@dataclass(frozen=True)
class JobPosting:
    """One ``simpleJobPostings`` element; ``close`` re-posts it with operation CLOSE."""

    job_id: str
    title: str
    description: str
    location: str
    availability: str
    listed_at: datetime
    company_apply_url: str
    close: bool = False

    def __post_init__(self) -> None:
        _require_text(self.job_id, "job_id")
        _require_text(self.title, "title")
        if len(self.title) > 200:
            raise ValueError("title is longer than LinkedIn's 200 characters")
        _require_text(self.description, "description")
        _require_text(self.location, "location")
        _require_text(self.company_apply_url, "company_apply_url")
        if self.availability not in JOB_AVAILABILITIES:
            raise ValueError(f"availability must be one of {JOB_AVAILABILITIES}")
        datetime_to_ms(self.listed_at)

    def to_json(self, *, integration_context: str) -> dict:
        element: dict[str, Any] = {
            "integrationContext": integration_context,
            "externalJobPostingId": self.job_id,
            "title": self.title,
            "description": self.description,
            "location": self.location,
            "availability": self.availability,
            "state": "LISTED",
            "companyApplyUrl": self.company_apply_url,
            "listedAt": datetime_to_ms(self.listed_at),
        }
        if self.close:
            element["jobPostingOperationType"] = "CLOSE"
        return element


@dataclass(frozen=True)
class JobRequisition:
    """One ``rest/jobRequisitions`` record (body assumed, docs/architecture.md §5)."""

    requisition_id: str
    title: str
    description: str
    location: str
    state: str
    owner_person_urns: list[str]

    def __post_init__(self) -> None:
        _require_text(self.requisition_id, "requisition_id")
        _require_text(self.title, "title")
        if self.state not in REQUISITION_STATES:
            raise ValueError(f"state must be one of {REQUISITION_STATES}")

    def to_json(self) -> dict:
        return {
            "title": self.title,
            "description": self.description,
            "location": self.location,
            "state": self.state,
            "owners": _clean(self.owner_person_urns),
        }


@dataclass(frozen=True)
class ApplicationRecord:
    """One ``atsApplications`` record: a placement on a connected requisition."""

    application_id: str
    candidate_id: str
    job_id: str
    job_name: str
    candidate_email: str
    first_name: str
    last_name: str
    source: str
    stage: str
    created_at: datetime
    last_modified_at: datetime

    def __post_init__(self) -> None:
        _require_text(self.application_id, "application_id")
        _require_text(self.candidate_id, "candidate_id")
        _require_text(self.job_id, "job_id")
        created, modified = datetime_to_ms(self.created_at), datetime_to_ms(self.last_modified_at)
        if created <= 0:
            raise ValueError("created_at must be after 1970")
        if modified < created:
            raise ValueError("last_modified_at must not be before created_at")

    def to_json(self) -> dict:
        record: dict[str, Any] = {
            "atsCandidateId": self.candidate_id,
            "atsJobPostingId": self.job_id,
            "atsJobPostingName": self.job_name,
            "candidateEmail": self.candidate_email,
            "firstName": self.first_name,
            "lastName": self.last_name,
            "source": self.source,
            "dispositionReason": "",
            "atsCreatedAt": datetime_to_ms(self.created_at),
            "atsLastModifiedAt": datetime_to_ms(self.last_modified_at),
        }
        if self.stage:
            # (assumed) the current stage travels with the application; LinkedIn's stage
            # history sub-resource is not part of the contract Tracker implements.
            record["stage"] = self.stage
        return record


# --- what LinkedIn answers -------------------------------------------------------------------


@dataclass(frozen=True)
class BatchResult:
    """Per-record outcome of a batch write: ids that succeeded, and id → LinkedIn's message.

    ``failed_statuses`` gives the per-record HTTP status where LinkedIn sent one, so a caller
    can tell a record LinkedIn refused (4xx) from one it could not process right now (5xx/429).
    """

    succeeded: list[str]
    failed: dict[str, str]
    failed_statuses: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failed

    def retryable(self, key: str) -> bool:
        """Whether failed record ``key`` is worth sending again: LinkedIn could not take it
        now (429, 5xx), or gave no status to say it refused it."""
        status = self.failed_statuses.get(key)
        return status is None or status == 429 or status >= 500


@dataclass(frozen=True)
class CandidateMatch:
    """LinkedIn's matches for one Tracker candidate."""

    candidate_id: str
    matched_members: list[str]
    manual_matched_member: str | None

    @property
    def person_urn(self) -> str | None:
        """The manual match, else the single algorithmic match, else None."""
        if self.manual_matched_member:
            return self.manual_matched_member
        if len(self.matched_members) == 1:
            return self.matched_members[0]
        return None

    @property
    def ambiguous(self) -> bool:
        """Several algorithmic matches and no manual one: not linked."""
        return not self.manual_matched_member and len(self.matched_members) > 1

    @classmethod
    def from_json(
        cls, obj: object, *, candidate_id: str, path: str = "atsCandidates"
    ) -> CandidateMatch:
        """``matchedMembers`` absent means no match (Rest.li omits empty arrays)."""
        reader = Reader(obj, path)
        return cls(
            candidate_id=candidate_id,
            matched_members=reader.str_list("matchedMembers"),
            manual_matched_member=reader.opt_str("manualMatchedMember"),
        )


@dataclass(frozen=True)
class MatchResult:
    matches: dict[str, CandidateMatch]
    failed: dict[str, str]


@dataclass(frozen=True)
class Push:
    """A notification LinkedIn pushed to the callback: a type and an id to fetch with."""

    type: str
    id: str
    expires_at: datetime | None = None

    @classmethod
    def from_json(cls, obj: object, *, path: str = "push") -> Push:
        reader = Reader(obj, path)
        # Field names as docs/architecture.md §5.1 assumes them; the ``eventType``/``requestId``
        # spelling a third-party integrator reported is read too, since the real contract is
        # unpublished.
        type_name = "type" if "type" in reader.obj or "eventType" not in reader.obj else "eventType"
        id_name = "id" if "id" in reader.obj or "requestId" not in reader.obj else "requestId"
        return cls(
            type=reader.text(type_name),
            id=reader.ident(id_name),
            expires_at=reader.ms("expiresAt") if reader.has("expiresAt") else None,
        )


def parse_push(body: bytes) -> Push:
    """Parse a raw push body. Raises PayloadError naming what is wrong."""
    return Push.from_json(parse_json_body(body, "push").obj)


@dataclass(frozen=True)
class MemberProfile:
    """A LinkedIn member's stub profile (exported candidate or InMail stub).

    Required: ``member``, ``profileUrl``, ``firstName``, ``lastName``, ``emailAddresses``
    (a list or one bare string; may be empty).
    """

    person_urn: str
    profile_url: str
    first_name: str
    last_name: str
    emails: list[str] = field(default_factory=list)
    headline: str = ""
    location: str = ""
    current_employer_names: list[str] = field(default_factory=list)
    years_of_experience: str | None = None
    skills: list[str] = field(default_factory=list)
    positions: list[dict] = field(default_factory=list)
    educations: list[dict] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)

    @classmethod
    def from_json(cls, obj: object, *, path: str = "candidate") -> MemberProfile:
        reader = obj if isinstance(obj, Reader) else Reader(obj, path)
        years = reader.obj.get("yearsOfExperience")
        if isinstance(years, int) and not isinstance(years, bool):
            years = str(years)
        elif years is not None:
            years = reader.text("yearsOfExperience", required=False) or None
        return cls(
            person_urn=reader.text("member"),
            profile_url=reader.text("profileUrl"),
            first_name=reader.text("firstName"),
            last_name=reader.text("lastName"),
            emails=reader.emails(),
            headline=reader.text("headline", required=False),
            location=reader.text("location", required=False),
            current_employer_names=reader.str_list("currentEmployerNames"),
            years_of_experience=years,
            skills=reader.str_list("skills"),
            positions=reader.obj_list("positions"),
            educations=reader.obj_list("educations"),
            phones=reader.phones(),
        )


@dataclass(frozen=True)
class ExportedCandidate:
    """An ``exportedCandidates`` element. Required: ``requestId``, ``integrationContext``,
    ``externalJobPostingId``, ``candidate``; ``exporter`` may be absent.
    """

    request_id: str
    integration_context: str
    exporter_seat_urn: str | None
    job_id: str
    profile: MemberProfile

    @classmethod
    def from_json(cls, obj: object, *, path: str = "exportedCandidates") -> ExportedCandidate:
        reader = Reader(obj, path)
        return cls(
            request_id=reader.ident("requestId"),
            integration_context=reader.text("integrationContext"),
            exporter_seat_urn=reader.opt_str("exporter"),
            job_id=reader.ident("externalJobPostingId"),
            profile=MemberProfile.from_json(reader.child("candidate")),
        )


@dataclass(frozen=True)
class Unreadable:
    """A finder element the adapter could not read, kept whole with the reason (``error``).

    Yielded instead of raising by finders asked to tolerate them, so one bad record is held
    for people to look at rather than failing its page, and every page after it, for ever.
    """

    element: object
    error: str
    path: str

    @property
    def id(self) -> str:
        """LinkedIn's id when the element has a usable one, else a digest of the element."""
        value = self.element.get("id") if isinstance(self.element, dict) else None
        usable = isinstance(value, str | int) and not isinstance(value, bool)
        if usable and 0 < len(str(value).strip()) <= 100:
            return str(value).strip()
        text = json.dumps(self.element, sort_keys=True, default=str)
        return "unreadable:" + hashlib.sha256(text.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class MailStub:
    """A ``mailStubs`` element: a member who shared contact details after an InMail."""

    id: str
    contract_urn: str
    owner_seat_urn: str
    created_at: datetime
    profile: MemberProfile

    @classmethod
    def from_json(cls, obj: object, *, path: str = "mailStubs") -> MailStub:
        reader = Reader(obj, path)
        return cls(
            id=reader.ident("id"),
            contract_urn=reader.text("contract"),
            owner_seat_urn=reader.text("owner"),
            created_at=reader.ms("createdAt"),
            profile=MemberProfile.from_json(reader),
        )


@dataclass(frozen=True)
class ConversationEvent:
    """A ``conversationEvents`` element (one InMail); ``subject`` may be absent."""

    id: str
    conversation: str
    viewer_seat_urn: str
    person_urn: str
    direction: str
    subject: str
    body: str
    occurred_at: datetime

    @classmethod
    def from_json(cls, obj: object, *, path: str = "conversationEvents") -> ConversationEvent:
        reader = Reader(obj, path)
        return cls(
            id=reader.ident("id"),
            conversation=reader.ident("conversation"),
            viewer_seat_urn=reader.text("viewer"),
            person_urn=reader.text("member"),
            direction=reader.choice("direction", DIRECTIONS),
            subject=reader.text("subject", required=False),
            body=reader.text("body", allow_empty=True),
            occurred_at=reader.ms("occurredAt"),
        )


@dataclass(frozen=True)
class ProspectNote:
    """A ``prospectNotes`` element; an inactive note (deleted on LinkedIn) may have no text."""

    id: str
    contract_urn: str
    owner_seat_urn: str
    person_urn: str
    note: str
    active: bool
    last_modified_at: datetime

    @classmethod
    def from_json(cls, obj: object, *, path: str = "prospectNotes") -> ProspectNote:
        reader = Reader(obj, path)
        active = reader.flag("active")
        return cls(
            id=reader.ident("id"),
            contract_urn=reader.text("contract"),
            owner_seat_urn=reader.text("owner"),
            person_urn=reader.text("member"),
            note=reader.text("note", required=active),
            active=active,
            last_modified_at=reader.ms("lastModifiedAt"),
        )


@dataclass(frozen=True)
class Seat:
    """A ``seatsV2`` element. Required: ``id``, ``contract``, ``person``, ``product``, ``role``,
    ``active``; names, permissions and ``hiringAssistant`` default to empty/False.
    """

    seat_urn: str
    contract_urn: str
    person_urn: str
    first_name: str
    last_name: str
    product: str
    role: str
    permissions: list[str]
    hiring_assistant: bool
    active: bool

    @classmethod
    def from_json(cls, obj: object, *, path: str = "seatsV2") -> Seat:
        reader = Reader(obj, path)
        return cls(
            seat_urn=reader.text("id"),
            contract_urn=reader.text("contract"),
            person_urn=reader.text("person"),
            first_name=reader.text("firstName", required=False),
            last_name=reader.text("lastName", required=False),
            product=reader.text("product").upper(),
            role=reader.text("role").upper(),
            permissions=[p.upper() for p in reader.str_list("permissions")],
            hiring_assistant=reader.flag("hiringAssistant", required=False),
            active=reader.flag("active"),
        )


@dataclass(frozen=True)
class ApplicationEvaluation:
    """An ``exportedApplicationEvaluation`` element; ``member`` is null for a candidate with no
    LinkedIn link (evaluated on the resume alone).
    """

    request_id: str
    integration_context: str
    hiring_project: str
    requisition_id: str
    candidate_id: str
    person_urn: str | None
    rank: str
    basis: str
    summary: str
    qualifications: list[dict]
    evaluated_at: datetime

    @classmethod
    def from_json(
        cls, obj: object, *, path: str = "exportedApplicationEvaluation"
    ) -> ApplicationEvaluation:
        reader = Reader(obj, path)
        return cls(
            request_id=reader.ident("requestId"),
            integration_context=reader.text("integrationContext"),
            hiring_project=reader.text("hiringProject"),
            requisition_id=reader.ident("externalJobRequisitionId"),
            candidate_id=reader.ident("externalCandidateId"),
            person_urn=reader.opt_str("member"),
            rank=reader.choice("rank", RANKS),
            basis=reader.choice("basis", BASES),
            summary=reader.text("summary"),
            qualifications=reader.obj_list("qualifications"),
            evaluated_at=reader.ms("evaluatedAt"),
        )


@dataclass(frozen=True)
class ProjectConnectionChange:
    """A ``hiringProjectConnections`` element (our contract, docs/architecture.md §5.1)."""

    hiring_project: str
    requisition_id: str
    owner_seat_urn: str
    state: str
    hiring_assistant_automation: bool
    changed_at: datetime

    @classmethod
    def from_json(
        cls, obj: object, *, path: str = "hiringProjectConnections"
    ) -> ProjectConnectionChange:
        reader = Reader(obj, path)
        return cls(
            hiring_project=reader.text("hiringProject"),
            requisition_id=reader.ident("externalJobRequisitionId"),
            owner_seat_urn=reader.text("owner"),
            state=reader.choice("state", CONNECTION_STATES),
            hiring_assistant_automation=reader.flag("hiringAssistantAutomation"),
            changed_at=reader.ms("changedAt"),
        )


@dataclass(frozen=True)
class IntegrationStatus:
    """An ``atsIntegrations?q=request`` element. ``requestId`` may be omitted by LinkedIn;
    the client then fills in the id it asked for.
    """

    request_id: str
    integration_context: str
    integration_type: str
    status: str

    @classmethod
    def from_json(
        cls, obj: object, *, path: str = "atsIntegrations", request_id: str = ""
    ) -> IntegrationStatus:
        reader = Reader(obj, path)
        if reader.has("requestId") or not request_id:
            request_id = reader.ident("requestId")
        return cls(
            request_id=request_id,
            integration_context=reader.text("integrationContext"),
            integration_type=reader.text("integrationType"),
            status=reader.text("status"),
        )


@dataclass(frozen=True)
class PurgedExport:
    """An ``atsPurgedExportedCandidates`` element (assumed shape)."""

    id: str
    person_urn: str
    purged_at: datetime

    @classmethod
    def from_json(cls, obj: object, *, path: str = "atsPurgedExportedCandidates") -> PurgedExport:
        reader = Reader(obj, path)
        return cls(
            id=reader.ident("id"),
            person_urn=reader.text("member"),
            purged_at=reader.ms("purgedAt"),
        )
