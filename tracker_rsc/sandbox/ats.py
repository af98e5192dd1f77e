"""What the ATS writes to LinkedIn: integrations, candidates, jobs, ACLs, applications.

Each batch function takes parsed entries and answers per entity, the way Rest.li batch calls
do: an entity that fails validation gets its own 4xx in ``errors`` and changes nothing, while
the others are stored. ``atsCandidates`` ``batch_update`` is a full replace: the stored
record becomes exactly the record sent, so an omitted field is gone.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from tracker_rsc.sandbox import matching
from tracker_rsc.sandbox.models import (
    AclAssignee,
    Application,
    AtsCandidate,
    AtsIntegration,
    Attachment,
    EntityAcl,
    IntegrationStatusChange,
    JobPosting,
    JobPostingTask,
    JobRequisition,
    Member,
    ProjectConnection,
    Push,
    SandboxSettings,
)
from tracker_rsc.sandbox.pushes import callback_url_refusal, push_queue
from tracker_rsc.sandbox.restli import Key, bad_request, from_ms

ORGANIZATION_URN = re.compile(r"^urn:li:organization:\d+$")
CONTRACT_URN = re.compile(r"^urn:li:contract:\d+$")
PERSON_URN = re.compile(r"^urn:li:person:[A-Za-z0-9_-]+$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_BATCH = 100
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
INTEGRATION_TYPES = frozenset(
    {
        "APPLY_CONNECT",
        "APPLY_WITH_LINKEDIN",
        "CSA_API",
        "IN_ATS_INDICATOR",
        "ONE_CLICK_EXPORT",
        "PROFILE_PLUGIN",
        "RECOMMENDED_MATCHES",
        "UNIFIED_SEARCH",
    }
)
JOB_STATES = frozenset({"LISTED", "CLOSED"})
JOB_AVAILABILITY = frozenset({"PUBLIC", "PRIVATE_TO_ATS_INTEGRATION"})
REQUISITION_STATES = frozenset({"OPEN", "CLOSED"})


class EntityError(Exception):
    """One entity of a batch is refused; the others go on."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass
class BatchAnswer:
    results: dict[str, dict[str, object]] = field(default_factory=dict)
    errors: dict[str, dict[str, object]] = field(default_factory=dict)

    def ok(self, key: str, value: dict[str, object] | None = None, status: int = 204) -> None:
        self.results[key] = value if value is not None else {"status": status}

    def fail(self, key: str, error: EntityError) -> None:
        self.errors[key] = {"status": error.status, "message": error.message}

    def body(self) -> dict[str, object]:
        return {"results": self.results, "errors": self.errors}


@dataclass(frozen=True)
class Entry:
    """One entity of a batch write: the key as the client wrote it, parsed, and its value."""

    key_text: str
    key: Key
    value: object


def check_batch_size(count: int) -> None:
    if count > MAX_BATCH:
        raise bad_request(
            f"Batch size {count} exceeds the maximum of {MAX_BATCH} entities per request."
        )


def _key_fields(key: Key, names: Sequence[str], *, data_provider: bool) -> dict[str, str]:
    if not isinstance(key, dict):
        raise EntityError(f"The key must be a complex key with {', '.join(names)}.")
    missing = [name for name in names if not key.get(name)]
    if missing:
        raise EntityError(f"Key field {missing[0]} is required.")
    if data_provider and key.get("dataProvider", "ATS") != "ATS":
        raise EntityError("Key field dataProvider must be ATS.")
    context = key.get("integrationContext", "")
    if context and not ORGANIZATION_URN.match(context):
        raise EntityError(
            f"Key field integrationContext must be an organization URN, got '{context}'."
        )
    return key


def _epoch(record: Mapping[str, object], name: str) -> int:
    value = record.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise EntityError(f"{name}: required, epoch milliseconds greater than 0.")
    return value


def _text(record: Mapping[str, object], name: str, *, max_length: int | None = None) -> str:
    value = record.get(name)
    if not isinstance(value, str) or not value.strip():
        raise EntityError(f"{name}: required field is missing or empty.")
    if max_length is not None and len(value) > max_length:
        raise EntityError(f"{name}: must be at most {max_length} characters.")
    return value


def _optional_text(record: Mapping[str, object], name: str) -> str:
    value = record.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise EntityError(f"{name}: must be a string.")
    return value


def _record(value: object) -> dict[str, object]:
    if not isinstance(value, dict):
        raise EntityError("The entity value must be a JSON object.")
    return value


# --- Members and matching ------------------------------------------------------------------------


def member_facts(member: Member) -> matching.MemberFacts:
    past = [p.get("companyName", "") for p in member.positions if isinstance(p, dict)]
    return matching.MemberFacts(
        person_urn=member.person_urn,
        first_name=member.first_name,
        last_name=member.last_name,
        emails=tuple(member.emails),
        phones=tuple(member.phones),
        profile_url=member.profile_url,
        companies=tuple(c for c in [*member.companies, *past] if c),
    )


def member_index() -> matching.MemberIndex:
    return matching.MemberIndex.build(member_facts(m) for m in Member.objects.all())


def candidate_match(
    candidate: AtsCandidate, index: matching.MemberIndex | None = None
) -> matching.MatchOutcome:
    index = index or member_index()
    return index.match(matching.CandidateFacts.from_record(candidate.record))


def candidate_person(candidate: AtsCandidate | None) -> str:
    """The member a candidate is linked to: the manual match, else a single algorithmic one."""
    if candidate is None:
        return ""
    if candidate.manual_matched_member:
        return candidate.manual_matched_member
    outcome = candidate_match(candidate)
    return outcome.members[0] if len(outcome.members) == 1 else ""


# --- Integrations --------------------------------------------------------------------------------


def _integration_key(key: Key) -> dict[str, str]:
    if not isinstance(key, dict):
        raise EntityError("The key must be a complex key with integrationContext and type.")
    context, kind = key.get("integrationContext", ""), key.get("integrationType", "")
    if not context or not kind:
        raise EntityError("Key fields integrationContext and integrationType are required.")
    if kind not in INTEGRATION_TYPES:
        raise EntityError(f"Key field integrationType '{kind}' is not an integration type.")
    if kind == "CSA_API" and not CONTRACT_URN.match(context):
        raise EntityError("CSA_API integrations take a contract URN as integrationContext.")
    if kind != "CSA_API" and not ORGANIZATION_URN.match(context):
        raise EntityError(f"{kind} integrations take an organization URN as integrationContext.")
    if key.get("tenantType", "RECRUITER") != "RECRUITER":
        raise EntityError("Key field tenantType must be RECRUITER.")
    if key.get("dataProvider", "ATS") != "ATS":
        raise EntityError("Key field dataProvider must be ATS.")
    return key


def integrations_update(entries: Iterable[Entry]) -> BatchAnswer:
    """batch_partial_update: create or rename integrations (``$set`` of integrationName)."""
    answer = BatchAnswer()
    now = timezone.now()
    for entry in entries:
        try:
            fields = _integration_key(entry.key)
            value = _record(entry.value)
            patch = value.get("patch", {})
            changes = patch.get("$set", {}) if isinstance(patch, dict) else None
            if not isinstance(changes, dict):
                raise EntityError("The value must be {'patch': {'$set': {...}}}.")
            name = changes.get("integrationName", None)
            if name is not None and not isinstance(name, str):
                raise EntityError("integrationName: must be a string.")
        except EntityError as error:
            answer.fail(entry.key_text, error)
            continue
        integration, _ = AtsIntegration.objects.get_or_create(
            integration_context=fields["integrationContext"],
            integration_type=fields["integrationType"],
            tenant_type=fields.get("tenantType", "RECRUITER"),
        )
        if name is not None:
            integration.integration_name = name
        integration.updated_at = now
        integration.save(update_fields=["integration_name", "updated_at"])
        answer.ok(entry.key_text)
    return answer


def integrations_get(keys: Iterable[tuple[str, Key]]) -> BatchAnswer:
    from tracker_rsc.sandbox import payloads

    answer = BatchAnswer()
    for key_text, key in keys:
        try:
            fields = _integration_key(key)
        except EntityError as error:
            answer.fail(key_text, error)
            continue
        integration = AtsIntegration.objects.filter(
            integration_context=fields["integrationContext"],
            integration_type=fields["integrationType"],
        ).first()
        if integration is None:
            answer.fail(key_text, EntityError("Integration not found.", status=404))
        else:
            answer.ok(key_text, payloads.integration(integration))
    return answer


def integration_configure(*, key: Key, entities: Mapping[str, object]) -> BatchAnswer:
    """batch_update of an integration's configurations (CALLBACK_URL, viewers)."""
    try:
        fields = _integration_key(key)
    except EntityError as error:
        raise bad_request(error.message) from None
    integration = AtsIntegration.objects.filter(
        integration_context=fields["integrationContext"],
        integration_type=fields["integrationType"],
    ).first()
    if integration is None:
        raise bad_request(
            "Integration not found: create it with batch_partial_update before configuring it."
        )
    answer = BatchAnswer()
    configurations = dict(integration.configurations)
    callback_set = False
    for name, value in entities.items():
        try:
            raw = value.get("configurationValue", {}) if isinstance(value, dict) else None
            text = raw.get("string") if isinstance(raw, dict) else None
            if not isinstance(text, str) or not text.strip():
                raise EntityError("configurationValue.string: required.")
            if name == "CALLBACK_URL":
                if not re.match(r"^https?://[^\s/]+", text):
                    raise EntityError("CALLBACK_URL: must be an http(s) URL.")
                if refusal := callback_url_refusal(text):
                    raise EntityError(refusal)
                integration.callback_url = text.strip()
                callback_set = True
            elif name in ("JOB_POSTING_VIEWERS", "APPLICATION_VIEWERS"):
                if text != "ALL_PRODUCT_USERS":
                    raise EntityError(f"{name}: the only valid value is ALL_PRODUCT_USERS.")
            else:
                raise EntityError(f"Unknown configuration '{name}'.")
        except EntityError as error:
            answer.fail(name, error)
            continue
        configurations[name] = text.strip()
        answer.ok(name)
    integration.configurations = configurations
    integration.updated_at = timezone.now()
    integration.save(update_fields=["configurations", "callback_url", "updated_at"])
    if callback_set and SandboxSettings.get().auto_enable_integrations:
        # The customer now switches the integration on in Recruiter.
        for pending in AtsIntegration.objects.filter(status="PENDING"):
            integration_set_status(integration=pending, status="ENABLED")
    return answer


def integration_deconfigure(*, key: Key, names: Iterable[str]) -> BatchAnswer:
    try:
        fields = _integration_key(key)
    except EntityError as error:
        raise bad_request(error.message) from None
    integration = AtsIntegration.objects.filter(
        integration_context=fields["integrationContext"],
        integration_type=fields["integrationType"],
    ).first()
    if integration is None:
        raise bad_request("Integration not found.")
    answer = BatchAnswer()
    configurations = dict(integration.configurations)
    for name in names:
        configurations.pop(name, None)
        if name == "CALLBACK_URL":
            integration.callback_url = ""
        answer.ok(name)
    integration.configurations = configurations
    integration.save(update_fields=["configurations", "callback_url"])
    return answer


def integration_set_status(*, integration: AtsIntegration, status: str) -> IntegrationStatusChange:
    """The customer changed an integration's status: record it and push the change."""
    if status not in ("ENABLED", "DISABLED", "PENDING"):
        raise ValueError("status: must be ENABLED, DISABLED or PENDING.")
    now = timezone.now()
    integration.status = status
    integration.updated_at = now
    integration.save(update_fields=["status", "updated_at"])
    ttl = SandboxSettings.get().request_id_ttl_hours
    change = IntegrationStatusChange.objects.create(
        integration=integration,
        status=status,
        integration_context=integration.integration_context,
        created_at=now,
        expires_at=now + timedelta(hours=ttl),
    )
    push_queue(
        push_type=Push.Type.INTEGRATION_STATUS_CHANGE,
        request_id=change.request_id,
        integration_context=integration.integration_context,
        expires_at=change.expires_at,
    )
    return change


# --- Candidates ----------------------------------------------------------------------------------


def _candidate_key(key: Key) -> tuple[str, str]:
    fields = _key_fields(
        key, ["atsCandidateId", "dataProvider", "integrationContext"], data_provider=True
    )
    return fields["integrationContext"], fields["atsCandidateId"]


def _member_urn(value: object) -> str:
    if not isinstance(value, str) or not PERSON_URN.match(value):
        raise EntityError("manualMatchedMember: must be a person URN (urn:li:person:X).")
    if not Member.objects.filter(person_urn=value).exists():
        raise EntityError(f"manualMatchedMember: no LinkedIn member {value}.", status=404)
    return value


def validate_candidate_record(record: Mapping[str, object], *, manually_matched: bool) -> None:
    """Raise EntityError naming the first field LinkedIn would refuse."""
    _text(record, "firstName")
    _text(record, "lastName")
    created = _epoch(record, "atsCreatedAt")
    modified = _epoch(record, "atsLastModifiedAt")
    if modified < created:
        raise EntityError("atsLastModifiedAt: must not be earlier than atsCreatedAt.")
    url = _text(record, "externalProfileUrl")
    if not re.match(r"^https?://", url):
        raise EntityError("externalProfileUrl: must be an http(s) link to the candidate.")
    emails = record.get("emailAddresses")
    if emails is None or emails == []:
        if not manually_matched:
            raise EntityError(
                "emailAddresses: required unless the candidate is matched to a member."
            )
    elif not isinstance(emails, list) or not all(isinstance(e, str) for e in emails):
        raise EntityError("emailAddresses: must be a list of strings.")
    else:
        bad = [e for e in emails if not EMAIL.match(e)]
        if bad:
            raise EntityError(f"emailAddresses: '{bad[0]}' does not match the X@X.X pattern.")
    phones = record.get("phoneNumbers")
    if phones is not None and (
        not isinstance(phones, list)
        or not all(isinstance(p, dict) and isinstance(p.get("number"), str) for p in phones)
    ):
        raise EntityError("phoneNumbers: must be a list of {'number': string}.")
    addresses = record.get("addresses")
    if addresses is not None and not isinstance(addresses, list):
        raise EntityError("addresses: must be a list.")
    for name in ("linkedInProfileUrl", "currentCompanyName", "currentJobTitle"):
        _optional_text(record, name)


def candidates_upsert(entries: Sequence[Entry]) -> BatchAnswer:
    """batch_update (full replace) of ATS candidates."""
    answer = BatchAnswer()
    now = timezone.now()
    with transaction.atomic():
        for entry in entries:
            try:
                context, candidate_id = _candidate_key(entry.key)
                record = dict(_record(entry.value))
                existing = AtsCandidate.objects.filter(
                    integration_context=context, ats_candidate_id=candidate_id
                ).first()
                manual = existing.manual_matched_member if existing else ""
                if "manualMatchedMember" in record:
                    sent = record.pop("manualMatchedMember")
                    manual = _member_urn(sent) if sent else ""
                validate_candidate_record(record, manually_matched=bool(manual))
            except EntityError as error:
                answer.fail(entry.key_text, error)
                continue
            if existing is None:
                AtsCandidate.objects.create(
                    integration_context=context,
                    ats_candidate_id=candidate_id,
                    record=record,
                    manual_matched_member=manual,
                    created_at=now,
                    updated_at=now,
                )
            else:
                existing.record = record
                existing.manual_matched_member = manual
                existing.updated_at = now
                existing.save(update_fields=["record", "manual_matched_member", "updated_at"])
            answer.ok(entry.key_text)
    return answer


def candidates_get(
    keys: Sequence[tuple[str, Key]], *, fields: Sequence[str] | None = None
) -> BatchAnswer:
    """batch_get: the stored records with ``matchedMembers`` and ``manualMatchedMember``."""
    answer = BatchAnswer()
    index = member_index()
    for key_text, key in keys:
        try:
            context, candidate_id = _candidate_key(key)
        except EntityError as error:
            answer.fail(key_text, error)
            continue
        candidate = AtsCandidate.objects.filter(
            integration_context=context, ats_candidate_id=candidate_id
        ).first()
        if candidate is None:
            answer.fail(key_text, EntityError("Candidate not found.", status=404))
            continue
        value: dict[str, object] = {
            **candidate.record,
            "matchedMembers": candidate_match(candidate, index).members,
            "manualMatchedMember": candidate.manual_matched_member or None,
        }
        if fields:
            value = {name: value.get(name) for name in fields}
        answer.ok(key_text, value)
    return answer


def candidates_patch(entries: Sequence[Entry]) -> BatchAnswer:
    """batch_partial_update: only ``manualMatchedMember`` can be set or removed."""
    answer = BatchAnswer()
    with transaction.atomic():
        for entry in entries:
            try:
                context, candidate_id = _candidate_key(entry.key)
                value = _record(entry.value)
                patch = value.get("patch")
                if not isinstance(patch, dict):
                    raise EntityError("The value must be {'patch': {...}}.")
                changes = patch.get("$set", {})
                removals = patch.get("$delete", [])
                if not isinstance(changes, dict) or not isinstance(removals, list):
                    raise EntityError("patch: '$set' must be an object and '$delete' a list.")
                unknown = (set(changes) | set(removals)) - {"manualMatchedMember"}
                if unknown:
                    raise EntityError(
                        f"{sorted(unknown)[0]}: only manualMatchedMember can be patched; "
                        "send the full record with batch_update instead."
                    )
                candidate = AtsCandidate.objects.filter(
                    integration_context=context, ats_candidate_id=candidate_id
                ).first()
                if candidate is None:
                    raise EntityError("Candidate not found.", status=404)
                if changes.get("manualMatchedMember"):
                    manual = _member_urn(changes["manualMatchedMember"])
                elif "manualMatchedMember" in changes or "manualMatchedMember" in removals:
                    manual = ""
                else:
                    manual = candidate.manual_matched_member
            except EntityError as error:
                answer.fail(entry.key_text, error)
                continue
            candidate.manual_matched_member = manual
            candidate.updated_at = timezone.now()
            candidate.save(update_fields=["manual_matched_member", "updated_at"])
            answer.ok(entry.key_text)
    return answer


def candidates_delete(keys: Sequence[tuple[str, Key]]) -> BatchAnswer:
    """batch_delete; deleting a candidate LinkedIn does not have is a success (idempotent)."""
    answer = BatchAnswer()
    for key_text, key in keys:
        try:
            context, candidate_id = _candidate_key(key)
        except EntityError as error:
            answer.fail(key_text, error)
            continue
        AtsCandidate.objects.filter(
            integration_context=context, ats_candidate_id=candidate_id
        ).delete()
        answer.ok(key_text)
    return answer


# --- Jobs ----------------------------------------------------------------------------------------


def job_postings_create(elements: Sequence[object]) -> list[str]:
    """batch_create of simpleJobPostings: one task per element, decided now, visible later.

    A task stays IN_PROGRESS for ``job_task_seconds``; an invalid element makes its task
    FAILED with a message naming the field, and changes nothing.
    """
    config = SandboxSettings.get()
    now = timezone.now()
    task_ids = []
    with transaction.atomic():
        for element in elements:
            task = JobPostingTask(
                task_id=uuid.uuid4().hex,
                created_at=now,
                completes_at=now + timedelta(seconds=config.job_task_seconds),
                outcome=JobPostingTask.Status.SUCCEEDED,
            )
            try:
                _job_posting_apply(_record(element), task, now)
            except EntityError as error:
                task.outcome = JobPostingTask.Status.FAILED
                task.message = error.message
            task.save()
            task_ids.append(task.task_id)
    return task_ids


def _job_posting_apply(element: Mapping[str, object], task: JobPostingTask, now: datetime) -> None:
    context = _text(element, "integrationContext")
    if not ORGANIZATION_URN.match(context):
        raise EntityError("integrationContext: must be an organization URN.")
    job_id = _text(element, "externalJobPostingId")
    task.integration_context, task.external_job_posting_id = context, job_id
    operation = element.get("jobPostingOperationType") or "UPSERT"
    task.operation = str(operation)[:10]
    existing = JobPosting.objects.filter(
        integration_context=context, external_job_posting_id=job_id
    ).first()
    if operation == "CLOSE":
        if existing is None:
            raise EntityError(f"externalJobPostingId: no job posting '{job_id}' to close.")
        existing.state = "CLOSED"
        existing.updated_at = now
        existing.save(update_fields=["state", "updated_at"])
        return
    if operation not in ("UPSERT", "CREATE", "UPDATE", "RENEW"):
        raise EntityError(f"jobPostingOperationType: unknown operation '{operation}'.")
    title = _text(element, "title", max_length=200)
    description = _text(element, "description")
    location = _text(element, "location")
    state = _text(element, "state")
    if state not in JOB_STATES:
        raise EntityError("state: must be LISTED or CLOSED.")
    apply_url = _text(element, "companyApplyUrl")
    listed_at = from_ms(_epoch(element, "listedAt"))
    availability = element.get("availability", "PUBLIC")
    if availability not in JOB_AVAILABILITY:
        raise EntityError("availability: must be PUBLIC or PRIVATE_TO_ATS_INTEGRATION.")
    JobPosting.objects.update_or_create(
        integration_context=context,
        external_job_posting_id=job_id,
        defaults={
            "title": title,
            "description": description,
            "location": location,
            "state": state,
            "availability": availability,
            "company_apply_url": apply_url,
            "listed_at": listed_at,
            "record": dict(element),
            "updated_at": now,
        },
    )


def job_posting_tasks(task_ids: Sequence[str]) -> BatchAnswer:
    answer = BatchAnswer()
    tasks = {t.task_id: t for t in JobPostingTask.objects.filter(task_id__in=task_ids)}
    for task_id in task_ids:
        task = tasks.get(task_id)
        if task is None:
            answer.fail(task_id, EntityError("Task not found.", status=404))
            continue
        value: dict[str, object] = {
            "status": task.status,
            "externalJobPostingId": task.external_job_posting_id,
        }
        if task.status == JobPostingTask.Status.FAILED:
            value["message"] = task.message
        answer.ok(task_id, value)
    return answer


def job_requisitions_upsert(entries: Sequence[Entry]) -> BatchAnswer:
    """batch_update of rest/jobRequisitions (body assumed, docs/architecture.md §5)."""
    answer = BatchAnswer()
    now = timezone.now()
    with transaction.atomic():
        for entry in entries:
            try:
                fields = _key_fields(
                    entry.key,
                    ["externalJobRequisitionId", "integrationContext"],
                    data_provider=False,
                )
                record = _record(entry.value)
                title = _text(record, "title", max_length=200)
                state = _text(record, "state")
                if state not in REQUISITION_STATES:
                    raise EntityError("state: must be OPEN or CLOSED.")
                owners = record.get("owners", [])
                if not isinstance(owners, list) or not all(
                    isinstance(o, str) and PERSON_URN.match(o) for o in owners
                ):
                    raise EntityError("owners: must be a list of person URNs.")
                description = _optional_text(record, "description")
                location = _optional_text(record, "location")
            except EntityError as error:
                answer.fail(entry.key_text, error)
                continue
            JobRequisition.objects.update_or_create(
                integration_context=fields["integrationContext"],
                external_job_requisition_id=fields["externalJobRequisitionId"],
                defaults={
                    "title": title,
                    "description": description,
                    "location": location,
                    "state": state,
                    "owners": owners,
                    "record": dict(record),
                    "updated_at": now,
                },
            )
            answer.ok(entry.key_text)
    return answer


def job_requisitions_delete(keys: Sequence[tuple[str, Key]]) -> BatchAnswer:
    answer = BatchAnswer()
    for key_text, key in keys:
        try:
            fields = _key_fields(
                key, ["externalJobRequisitionId", "integrationContext"], data_provider=False
            )
        except EntityError as error:
            answer.fail(key_text, error)
            continue
        JobRequisition.objects.filter(
            integration_context=fields["integrationContext"],
            external_job_requisition_id=fields["externalJobRequisitionId"],
        ).delete()
        answer.ok(key_text)
    return answer


ACL_KEY = ["atsEntityAclId", "integrationContext", "atsEntityType", "atsEntityId"]
ASSIGNEE_KEY = ["atsEntityAclId", "assignee", "integrationContext", "atsEntityType"]


def _acl_fields(key: Key, names: list[str]) -> dict[str, str]:
    fields = _key_fields(key, names, data_provider=True)
    if fields["atsEntityType"] != "JOB_POSTING":
        raise EntityError("Key field atsEntityType must be JOB_POSTING.")
    if "assignee" in names and not PERSON_URN.match(fields["assignee"]):
        raise EntityError("Key field assignee must be a person URN.")
    return fields


def acls_write(keys: Sequence[tuple[str, Key]], *, delete: bool) -> BatchAnswer:
    answer = BatchAnswer()
    for key_text, key in keys:
        try:
            fields = _acl_fields(key, ACL_KEY)
        except EntityError as error:
            answer.fail(key_text, error)
            continue
        lookup = {
            "integration_context": fields["integrationContext"],
            "acl_id": fields["atsEntityAclId"],
            "entity_type": fields["atsEntityType"],
            "entity_id": fields["atsEntityId"],
        }
        if delete:
            EntityAcl.objects.filter(**lookup).delete()
        else:
            EntityAcl.objects.get_or_create(**lookup)
        answer.ok(key_text)
    return answer


def assignees_write(keys: Sequence[tuple[str, Key]], *, delete: bool) -> BatchAnswer:
    answer = BatchAnswer()
    for key_text, key in keys:
        try:
            fields = _acl_fields(key, ASSIGNEE_KEY)
        except EntityError as error:
            answer.fail(key_text, error)
            continue
        lookup = {
            "integration_context": fields["integrationContext"],
            "acl_id": fields["atsEntityAclId"],
            "entity_type": fields["atsEntityType"],
            "assignee": fields["assignee"],
        }
        if delete:
            AclAssignee.objects.filter(**lookup).delete()
        else:
            AclAssignee.objects.get_or_create(**lookup)
        answer.ok(key_text)
    return answer


def job_access(*, integration_context: str, job_id: str) -> set[str]:
    """Person URNs allowed to see a job: its ACL groups' assignees and its requisition owners."""
    acl_ids = EntityAcl.objects.filter(
        integration_context=integration_context, entity_type="JOB_POSTING", entity_id=job_id
    ).values_list("acl_id", flat=True)
    people = set(
        AclAssignee.objects.filter(
            integration_context=integration_context,
            entity_type="JOB_POSTING",
            acl_id__in=list(acl_ids),
        ).values_list("assignee", flat=True)
    )
    requisition = JobRequisition.objects.filter(
        integration_context=integration_context, external_job_requisition_id=job_id
    ).first()
    if requisition is not None:
        people |= set(requisition.owners)
    return people


def job_has_acls(*, integration_context: str, job_id: str) -> bool:
    return EntityAcl.objects.filter(
        integration_context=integration_context, entity_type="JOB_POSTING", entity_id=job_id
    ).exists()


# --- Applications and attachments ------------------------------------------------------------


def _application_key(key: Key) -> tuple[str, str]:
    fields = _key_fields(key, ["atsJobApplicationId", "integrationContext"], data_provider=True)
    return fields["integrationContext"], fields["atsJobApplicationId"]


def job_is_connected(*, integration_context: str, job_id: str) -> bool:
    return ProjectConnection.objects.filter(
        integration_context=integration_context, requisition_id=job_id, active=True
    ).exists()


def applications_upsert(entries: Sequence[Entry]) -> BatchAnswer:
    """batch_update of atsApplications (full replace). Stored whatever the job's connection,
    with ``job_connected_when_received`` saying whether the job was connected then."""
    answer = BatchAnswer()
    now = timezone.now()
    with transaction.atomic():
        for entry in entries:
            try:
                context, application_id = _application_key(entry.key)
                record = dict(_record(entry.value))
                job_id = _text(record, "atsJobPostingId")
                created = _epoch(record, "atsCreatedAt")
                if _epoch(record, "atsLastModifiedAt") < created:
                    raise EntityError("atsLastModifiedAt: must not be earlier than atsCreatedAt.")
                candidate_id = _optional_text(record, "atsCandidateId")
                email = _optional_text(record, "candidateEmail")
                if email and not EMAIL.match(email):
                    raise EntityError(f"candidateEmail: '{email}' does not match X@X.X.")
            except EntityError as error:
                answer.fail(entry.key_text, error)
                continue
            Application.objects.update_or_create(
                integration_context=context,
                ats_job_application_id=application_id,
                defaults={
                    "ats_candidate_id": candidate_id,
                    "ats_job_posting_id": job_id,
                    "record": record,
                    "job_connected_when_received": job_is_connected(
                        integration_context=context, job_id=job_id
                    ),
                    "updated_at": now,
                },
            )
            answer.ok(entry.key_text)
    return answer


def applications_delete(keys: Sequence[tuple[str, Key]]) -> BatchAnswer:
    answer = BatchAnswer()
    for key_text, key in keys:
        try:
            context, application_id = _application_key(key)
        except EntityError as error:
            answer.fail(key_text, error)
            continue
        Application.objects.filter(
            integration_context=context, ats_job_application_id=application_id
        ).delete()
        answer.ok(key_text)
    return answer


def _attachment_key(key: Key) -> tuple[str, str, str]:
    fields = _key_fields(
        key,
        ["externalJobApplicationId", "externalAttachmentId", "integrationContext"],
        data_provider=False,
    )
    return (
        fields["integrationContext"],
        fields["externalJobApplicationId"],
        fields["externalAttachmentId"],
    )


def attachments_upsert(entries: Sequence[Entry]) -> BatchAnswer:
    answer = BatchAnswer()
    now = timezone.now()
    for entry in entries:
        try:
            context, application_id, attachment_id = _attachment_key(entry.key)
            record = _record(entry.value)
            file_name = _text(record, "fileName", max_length=255)
            content_type = _text(record, "contentType", max_length=120)
            encoded = _text(record, "content")
            try:
                content = base64.b64decode(encoded, validate=True)
            except (binascii.Error, ValueError):
                raise EntityError("content: must be base64.") from None
            if len(content) > MAX_ATTACHMENT_BYTES:
                raise EntityError(f"content: larger than {MAX_ATTACHMENT_BYTES} bytes.")
            application = Application.objects.filter(
                integration_context=context, ats_job_application_id=application_id
            ).first()
            if application is None:
                raise EntityError(
                    f"Application {application_id} not found: send it first.", status=404
                )
        except EntityError as error:
            answer.fail(entry.key_text, error)
            continue
        Attachment.objects.update_or_create(
            application=application,
            external_attachment_id=attachment_id,
            defaults={
                "file_name": file_name,
                "content_type": content_type,
                "content": content,
                "size": len(content),
                "sha256": hashlib.sha256(content).hexdigest(),
                "updated_at": now,
            },
        )
        answer.ok(entry.key_text)
    return answer


def attachments_delete(keys: Sequence[tuple[str, Key]]) -> BatchAnswer:
    answer = BatchAnswer()
    for key_text, key in keys:
        try:
            context, application_id, attachment_id = _attachment_key(key)
        except EntityError as error:
            answer.fail(key_text, error)
            continue
        Attachment.objects.filter(
            application__integration_context=context,
            application__ats_job_application_id=application_id,
            external_attachment_id=attachment_id,
        ).delete()
        answer.ok(key_text)
    return answer
