"""The JSON elements the sandbox serves, exactly as docs/architecture.md §5.1 lays them out
(times in ms)."""

from __future__ import annotations

from tracker_rsc.sandbox.models import (
    AtsIntegration,
    ConnectionChange,
    ConversationEvent,
    Evaluation,
    ExportRecord,
    IntegrationStatusChange,
    MailStub,
    Member,
    ProjectConnection,
    ProspectNote,
    PurgedExport,
    SandboxSettings,
    Seat,
)
from tracker_rsc.sandbox.restli import to_ms

Json = dict[str, object]


def stub_profile(member: Member, *, emails: list[str] | str) -> Json:
    """The exported ``candidate`` (LinkedIn's StubProfile); positions: the two most recent."""
    return {
        "member": member.person_urn,
        "profileUrl": member.profile_url,
        "firstName": member.first_name,
        "lastName": member.last_name,
        "emailAddresses": emails,
        "headline": member.headline,
        "location": member.location,
        "currentEmployerNames": list(member.companies),
        "yearsOfExperience": (
            str(member.years_of_experience) if member.years_of_experience is not None else None
        ),
        "skills": list(member.skills)[:3],
        "positions": list(member.positions)[:2],
        "educations": list(member.educations),
    }


def exported_candidate(export: ExportRecord, config: SandboxSettings) -> Json:
    # Only what the recruiter typed during the export: LinkedIn shares no contact details.
    typed = [export.typed_email] if export.typed_email else []
    emails: list[str] | str = typed
    if config.export_email_as_string:
        emails = export.typed_email
    return {
        "requestId": export.request_id,
        "integrationContext": export.integration_context,
        "exporter": export.seat.urn,
        "externalJobPostingId": export.job_id,
        "candidate": stub_profile(export.member, emails=emails),
    }


def mail_stub(stub: MailStub) -> Json:
    member = stub.member
    return {
        "id": stub.stub_id,
        "contract": stub.contract.urn,
        "owner": stub.owner.urn,
        "createdAt": to_ms(stub.created_at),
        "member": member.person_urn,
        "profileUrl": member.profile_url,
        "firstName": member.first_name,
        "lastName": member.last_name,
        "emailAddresses": list(member.emails),
        "phoneNumbers": [{"number": number} for number in member.phones],
        "headline": member.headline,
        "location": member.location,
    }


def conversation_event(event: ConversationEvent) -> Json:
    return {
        "id": event.event_id,
        "conversation": event.conversation,
        "viewer": event.seat.urn,
        "member": event.member.person_urn,
        "direction": event.direction,
        "subject": event.subject,
        "body": event.body,
        "occurredAt": to_ms(event.occurred_at),
    }


def prospect_note(note: ProspectNote) -> Json:
    return {
        "id": note.note_id,
        "contract": note.contract.urn,
        "owner": note.owner.urn,
        "member": note.member.person_urn,
        "note": note.note,
        "active": note.active,
        "lastModifiedAt": to_ms(note.last_modified_at),
    }


def seat(seat: Seat) -> Json:
    return {
        "id": seat.urn,
        "contract": seat.contract.urn,
        "person": seat.person_urn,
        "firstName": seat.first_name,
        "lastName": seat.last_name,
        "product": seat.product,
        "role": seat.role,
        "permissions": list(seat.permissions),
        "hiringAssistant": seat.hiring_assistant,
        "active": seat.active,
    }


def evaluation(item: Evaluation) -> Json:
    return {
        "requestId": item.request_id,
        "integrationContext": item.integration_context,
        "hiringProject": item.project.urn,
        "externalJobRequisitionId": item.requisition_id,
        "externalCandidateId": item.candidate_id,
        "member": item.member_urn or None,
        "rank": item.rank,
        "basis": item.basis,
        "summary": item.summary,
        "qualifications": item.qualifications,
        "evaluatedAt": to_ms(item.evaluated_at),
    }


def connection_change(change: ConnectionChange) -> Json:
    return {
        "requestId": change.request_id,
        "integrationContext": change.integration_context,
        "hiringProject": change.project.urn,
        "externalJobRequisitionId": change.requisition_id,
        "owner": change.owner.urn,
        "state": change.state,
        "hiringAssistantAutomation": change.hiring_assistant_automation,
        "changedAt": to_ms(change.changed_at),
    }


def connection(item: ProjectConnection) -> Json:
    """The current state of a project ↔ job pair (reconciliation finder)."""
    return {
        "integrationContext": item.integration_context,
        "hiringProject": item.project.urn,
        "externalJobRequisitionId": item.requisition_id,
        "owner": item.project.owner.urn,
        "state": item.state,
        "hiringAssistantAutomation": item.project.hiring_assistant_automation,
        "changedAt": to_ms(item.changed_at),
    }


def integration_status(change: IntegrationStatusChange) -> Json:
    integration = change.integration
    return {
        "requestId": change.request_id,
        "integrationContext": integration.integration_context,
        "integrationType": integration.integration_type,
        "tenantType": integration.tenant_type,
        "dataProvider": "ATS",
        "integrationName": integration.integration_name,
        "status": change.status,
        "changedAt": to_ms(change.created_at),
    }


def integration(item: AtsIntegration) -> Json:
    return {
        "integrationContext": item.integration_context,
        "integrationType": item.integration_type,
        "tenantType": item.tenant_type,
        "dataProvider": "ATS",
        "integrationName": item.integration_name,
        "status": item.status,
        "configurations": dict(item.configurations),
    }


def purged_export(item: PurgedExport) -> Json:
    return {"id": item.purge_id, "member": item.member_urn, "purgedAt": to_ms(item.purged_at)}
