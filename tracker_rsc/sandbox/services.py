"""What LinkedIn users do in the sandbox: the control page's and the seed's workflows.

A person (or a test) acts here as a LinkedIn recruiter or member: adds members, exports a
member to an ATS job, sends InMails that members answer (stub profiles), writes notes,
connects jobs to hiring projects, runs Hiring Assistant evaluations, purges exported members.
Every function validates first and raises ``Refusal`` (a clear message, nothing changed) when
LinkedIn would refuse; pushes are queued for after the commit.
"""

from __future__ import annotations

import re
import secrets
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from tracker_rsc.sandbox import ats, evaluation, matching
from tracker_rsc.sandbox.models import (
    AccessToken,
    AclAssignee,
    ApiCall,
    Application,
    AtsCandidate,
    AtsIntegration,
    ConnectionChange,
    Contract,
    ConversationEvent,
    DeliveryAttempt,
    EntityAcl,
    Evaluation,
    ExportRecord,
    Fault,
    HiringProject,
    JobPosting,
    JobPostingTask,
    JobRequisition,
    MailStub,
    Member,
    ProjectConnection,
    ProspectNote,
    PurgedExport,
    Push,
    SandboxSettings,
    Seat,
)
from tracker_rsc.sandbox.pushes import push_queue

_URN_ALPHABET = string.ascii_letters + string.digits


class Refusal(Exception):
    """LinkedIn refuses the action; ``status`` is the HTTP status the control API answers."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def _expiry(now: datetime) -> datetime:
    return now + timedelta(hours=SandboxSettings.get().request_id_ttl_hours)


def new_person_urn() -> str:
    return "urn:li:person:" + "".join(secrets.choice(_URN_ALPHABET) for _ in range(10))


def _next_urn(model: type[Any], prefix: str, first: int) -> str:
    numbers = [
        int(urn.rsplit(":", 1)[1])
        for urn in model.objects.filter(urn__startswith=prefix).values_list("urn", flat=True)
        if urn.rsplit(":", 1)[1].isdigit()
    ]
    return f"{prefix}{max(numbers, default=first - 1) + 1}"


def seat_get(seat_urn: str) -> Seat:
    seat = Seat.objects.select_related("contract").filter(urn=seat_urn).first()
    if seat is None:
        raise Refusal(f"seat: no seat {seat_urn!r}.", status=404)
    if not seat.active:
        raise Refusal(f"seat: {seat_urn} is not active.")
    return seat


def member_get(person_urn: str) -> Member:
    member = Member.objects.filter(person_urn=person_urn).first()
    if member is None:
        raise Refusal(f"member: no LinkedIn member {person_urn!r}.", status=404)
    return member


# --- Members, contracts, seats ---------------------------------------------------------------


def _string_list(name: str, values: object) -> list[str]:
    if values is None:
        return []
    if isinstance(values, str):
        values = [v.strip() for v in values.split(",")]
    if not isinstance(values, list | tuple) or not all(isinstance(v, str) for v in values):
        raise Refusal(f"{name}: must be a list of strings.")
    return [v.strip() for v in values if v.strip()]


def _member_fields(
    *,
    first_name: str,
    last_name: str,
    emails: Sequence[str] | str = (),
    phones: Sequence[str] | str = (),
    profile_url: str = "",
    headline: str = "",
    location: str = "",
    companies: Sequence[str] | str = (),
    years_of_experience: int | None = None,
    skills: Sequence[str] | str = (),
    positions: Sequence[Mapping[str, object]] = (),
    educations: Sequence[Mapping[str, object]] = (),
) -> dict[str, object]:
    if not first_name.strip() or not last_name.strip():
        raise Refusal("first_name and last_name: both are required.")
    email_list = _string_list("emails", emails)
    for email in email_list:
        if not ats.EMAIL.match(email):
            raise Refusal(f"emails: '{email}' is not an email address.")
    if profile_url and not matching.profile_key(profile_url):
        raise Refusal("profile_url: must be a LinkedIn profile URL (…linkedin.com/in/<slug>).")
    if not profile_url:
        # Every member has a public profile URL; LinkedIn makes one from the name.
        name = re.sub(r"[^a-z0-9]+", "-", matching.fold_spaced(f"{first_name} {last_name}"))
        suffix = "".join(secrets.choice(string.hexdigits.lower()[:16]) for _ in range(4))
        profile_url = f"https://www.linkedin.com/in/{name.strip('-')}-{suffix}"
    if years_of_experience is not None and (
        isinstance(years_of_experience, bool)
        or not isinstance(years_of_experience, int)
        or years_of_experience < 0
    ):
        raise Refusal("years_of_experience: must be a whole number of years.")
    for name, items in (("positions", positions), ("educations", educations)):
        if not isinstance(items, list | tuple) or not all(isinstance(i, Mapping) for i in items):
            raise Refusal(f"{name}: must be a list of objects.")
    return {
        "first_name": first_name.strip(),
        "last_name": last_name.strip(),
        "emails": email_list,
        "phones": _string_list("phones", phones),
        "profile_url": profile_url.strip(),
        "headline": headline.strip(),
        "location": location.strip(),
        "companies": _string_list("companies", companies),
        "years_of_experience": years_of_experience,
        "skills": _string_list("skills", skills),
        "positions": [dict(p) for p in positions],
        "educations": [dict(e) for e in educations],
    }


def member_create(*, person_urn: str = "", **fields: object) -> Member:
    """Add a LinkedIn member (fields as ``_member_fields``). Raises Refusal naming the field."""
    if person_urn and not ats.PERSON_URN.match(person_urn):
        raise Refusal("person_urn: must look like urn:li:person:X.")
    if person_urn and Member.objects.filter(person_urn=person_urn).exists():
        raise Refusal(f"person_urn: {person_urn} already exists.")
    values = _member_fields(**fields)  # type: ignore[arg-type]
    return Member.objects.create(person_urn=person_urn or new_person_urn(), **values)


def member_upsert(*, person_urn: str, **fields: object) -> Member:
    """Create or update the member with this URN (idempotent; the seed uses it)."""
    if not ats.PERSON_URN.match(person_urn):
        raise Refusal("person_urn: must look like urn:li:person:X.")
    values = _member_fields(**fields)  # type: ignore[arg-type]
    member, _ = Member.objects.update_or_create(person_urn=person_urn, defaults=values)
    return member


def contract_ensure(*, urn: str, organization_urn: str, name: str = "") -> Contract:
    if not ats.CONTRACT_URN.match(urn):
        raise Refusal("contract: must look like urn:li:contract:N.")
    if not ats.ORGANIZATION_URN.match(organization_urn):
        raise Refusal("organization: must look like urn:li:organization:N.")
    contract, _ = Contract.objects.update_or_create(
        urn=urn, defaults={"organization_urn": organization_urn, "name": name or urn}
    )
    return contract


def seat_ensure(
    *,
    contract: Contract,
    urn: str = "",
    person_urn: str = "",
    first_name: str = "",
    last_name: str = "",
    product: str = Seat.Product.RECRUITER,
    role: str = Seat.Role.RECRUITER_USER,
    permissions: Sequence[str] = (),
    hiring_assistant: bool = False,
    active: bool = True,
) -> Seat:
    """Create or update a seat (idempotent on its URN)."""
    if product not in Seat.Product.values:
        raise Refusal(f"product: must be one of {', '.join(Seat.Product.values)}.")
    if role not in Seat.Role.values:
        raise Refusal(f"role: must be one of {', '.join(Seat.Role.values)}.")
    unknown = set(permissions) - set(Seat.PERMISSIONS)
    if unknown:
        raise Refusal(f"permissions: unknown {sorted(unknown)[0]}.")
    if hiring_assistant and role == Seat.Role.CUSTOM and set(permissions) != set(Seat.PERMISSIONS):
        raise Refusal(
            "hiring_assistant: a custom role needs both Hiring Project Creator and "
            "Recruiter Searcher to hold a Hiring Assistant license."
        )
    urn = urn or _next_urn(Seat, "urn:li:seat:", 5001)
    if not re.match(r"^urn:li:seat:\d+$", urn):
        raise Refusal("seat: must look like urn:li:seat:N.")
    if person_urn and not ats.PERSON_URN.match(person_urn):
        raise Refusal("person_urn: must look like urn:li:person:X.")
    seat, _ = Seat.objects.update_or_create(
        urn=urn,
        defaults={
            "contract": contract,
            "person_urn": person_urn or new_person_urn(),
            "first_name": first_name,
            "last_name": last_name,
            "product": product,
            "role": role,
            "permissions": list(permissions),
            "hiring_assistant": hiring_assistant,
            "active": active,
        },
    )
    return seat


# --- Export to ATS -------------------------------------------------------------------------------


def exports_this_month(seat: Seat, now: datetime | None = None) -> int:
    now = now or timezone.now()
    month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return ExportRecord.objects.filter(seat=seat, created_at__gte=month_start).count()


def export_create(*, seat_urn: str, person_urn: str, job_id: str, email: str = "") -> ExportRecord:
    """A recruiter clicks "Export to ATS" on a member and picks an ATS job.

    Refused (nothing stored) when the seat used its 300 exports this calendar month (status
    429), when the job is not a listed job of the seat's organization, or when the job's ACLs
    hide it from the seat. Queues an EXPORT_CANDIDATE_PROFILE push.
    """
    seat = seat_get(seat_urn)
    member = member_get(person_urn)
    email = (email or "").strip()
    if email and not ats.EMAIL.match(email):
        raise Refusal(f"email: '{email}' is not an email address.")
    job_id = (job_id or "").strip()
    if not job_id:
        raise Refusal("job: choose the ATS job to export to.")
    context = seat.contract.organization_urn
    job = JobPosting.objects.filter(
        integration_context=context, external_job_posting_id=job_id
    ).first()
    if job is None:
        raise Refusal(
            f"job: {job_id} is not among the jobs the ATS synced for {context}.", status=404
        )
    if job.state != "LISTED":
        raise Refusal(f"job: {job_id} is closed; Export to ATS lists open jobs only.")
    viewers = AtsIntegration.objects.filter(
        integration_context=context, integration_type="ONE_CLICK_EXPORT"
    ).first()
    everyone = bool(
        viewers and viewers.configurations.get("JOB_POSTING_VIEWERS") == "ALL_PRODUCT_USERS"
    )
    if (
        not everyone
        and not seat.is_admin
        and ats.job_has_acls(integration_context=context, job_id=job_id)
        and seat.person_urn not in ats.job_access(integration_context=context, job_id=job_id)
    ):
        raise Refusal(f"job: {job_id} is not visible to {seat.urn} (the job's ACLs).")
    with transaction.atomic():
        # Lock the seat row so two concurrent exports cannot both take the 300th slot.
        Seat.objects.select_for_update().filter(pk=seat.pk).first()
        now = timezone.now()
        limit = SandboxSettings.get().exports_per_seat_per_month
        if exports_this_month(seat, now) >= limit:
            raise Refusal(
                f"Export limit reached: {limit} exports per seat per calendar month.", status=429
            )
        export = ExportRecord.objects.create(
            seat=seat,
            member=member,
            job_id=job_id,
            typed_email=email,
            integration_context=context,
            created_at=now,
            expires_at=_expiry(now),
        )
        push_queue(
            push_type=Push.Type.EXPORT_CANDIDATE_PROFILE,
            request_id=export.request_id,
            integration_context=context,
            expires_at=export.expires_at,
        )
    return export


# --- InMails, stub profiles, notes -----------------------------------------------------------


def inmail_send(
    *, seat_urn: str, person_urn: str, subject: str, body: str, at: datetime | None = None
) -> ConversationEvent:
    seat = seat_get(seat_urn)
    member = member_get(person_urn)
    if not subject.strip() or not body.strip():
        raise Refusal("subject and body: an InMail needs both.")
    return ConversationEvent.objects.create(
        conversation=f"urn:li:conversation:{seat.pk}-{member.pk}",
        seat=seat,
        member=member,
        direction=ConversationEvent.Direction.OUTBOUND,
        subject=subject.strip(),
        body=body.strip(),
        occurred_at=at or timezone.now(),
    )


def inmail_accept(
    *, seat_urn: str, person_urn: str, reply: str = "", at: datetime | None = None
) -> MailStub:
    """The member replies to the seat's InMail and agrees to share contact details."""
    seat = seat_get(seat_urn)
    member = member_get(person_urn)
    sent = (
        ConversationEvent.objects.filter(
            seat=seat, member=member, direction=ConversationEvent.Direction.OUTBOUND
        )
        .order_by("-occurred_at")
        .first()
    )
    if sent is None:
        raise Refusal(f"{member.full_name} has no InMail from {seat.urn} to answer.")
    at = at or timezone.now()
    with transaction.atomic():
        ConversationEvent.objects.create(
            conversation=sent.conversation,
            seat=seat,
            member=member,
            direction=ConversationEvent.Direction.INBOUND,
            subject=f"Re: {sent.subject}",
            body=reply.strip() or "Thanks for reaching out. Happy to share my contact details.",
            occurred_at=at,
        )
        return MailStub.objects.create(
            contract=seat.contract, owner=seat, member=member, created_at=at
        )


def note_add(
    *, seat_urn: str, person_urn: str, note: str, at: datetime | None = None
) -> ProspectNote:
    seat = seat_get(seat_urn)
    member = member_get(person_urn)
    if not note.strip():
        raise Refusal("note: must not be empty.")
    at = at or timezone.now()
    return ProspectNote.objects.create(
        contract=seat.contract,
        owner=seat,
        member=member,
        note=note.strip(),
        created_at=at,
        last_modified_at=at,
    )


def note_deactivate(*, note_id: str) -> ProspectNote:
    note = ProspectNote.objects.filter(note_id=note_id).first()
    if note is None:
        raise Refusal(f"note: no note {note_id!r}.", status=404)
    if note.active:
        note.active = False
        note.last_modified_at = timezone.now()
        note.save(update_fields=["active", "last_modified_at"])
    return note


# --- Hiring projects ------------------------------------------------------------------------------


def project_create(*, seat_urn: str, name: str) -> HiringProject:
    """A new hiring project, owned by the seat that creates it."""
    seat = seat_get(seat_urn)
    if not name.strip():
        raise Refusal("project_name: a new project needs a name.")
    return HiringProject.objects.create(
        urn=_next_urn(HiringProject, "urn:li:hiringProject:", 77),
        name=name.strip(),
        contract=seat.contract,
        owner=seat,
    )


def _project_get(project_urn: str) -> HiringProject:
    project = (
        HiringProject.objects.select_related("owner", "contract").filter(urn=project_urn).first()
    )
    if project is None:
        raise Refusal(f"project: no hiring project {project_urn!r}.", status=404)
    return project


def _may_manage(seat: Seat, project: HiringProject) -> None:
    if seat.pk != project.owner_id and not seat.is_admin:
        raise Refusal(
            f"Only the project's owner ({project.owner.urn}) or a Recruiter Admin can change "
            f"{project.urn}.",
            status=403,
        )


def _connection_changed(connection: ProjectConnection) -> ConnectionChange:
    project = connection.project
    now = timezone.now()
    change = ConnectionChange.objects.create(
        integration_context=connection.integration_context,
        project=project,
        requisition_id=connection.requisition_id,
        owner=project.owner,
        state=connection.state,
        hiring_assistant_automation=project.hiring_assistant_automation,
        changed_at=connection.changed_at,
        created_at=now,
        expires_at=_expiry(now),
    )
    push_queue(
        push_type=Push.Type.HIRING_PROJECT_CONNECTION_CHANGE,
        request_id=change.request_id,
        integration_context=connection.integration_context,
        expires_at=change.expires_at,
    )
    return change


def project_connect(
    *, seat_urn: str, requisition_id: str, project_urn: str = "", project_name: str = ""
) -> ProjectConnection:
    """Connect an ATS job requisition to a new project (owned by the seat) or an existing one.

    The rules LinkedIn applies: only the project's owner or a Recruiter Admin acts on a
    project; a non-admin owner must be on the job's access list (ACL assignees or requisition
    owners), while an admin sees every job; a project is connected to one job at a time and a
    job to one project. Queues a HIRING_PROJECT_CONNECTION_CHANGE push.
    """
    seat = seat_get(seat_urn)
    requisition_id = (requisition_id or "").strip()
    if not requisition_id:
        raise Refusal("requisition: choose the ATS job requisition to connect.")
    context = seat.contract.organization_urn
    requisition = JobRequisition.objects.filter(
        integration_context=context, external_job_requisition_id=requisition_id
    ).first()
    posting = JobPosting.objects.filter(
        integration_context=context, external_job_posting_id=requisition_id
    ).first()
    if requisition is None and posting is None:
        raise Refusal(
            f"requisition: {requisition_id} has not been synced to LinkedIn for {context}.",
            status=404,
        )
    if (requisition and requisition.state == "CLOSED") or (
        requisition is None and posting and posting.state == "CLOSED"
    ):
        raise Refusal(f"requisition: {requisition_id} is closed.")
    if project_urn:
        project = _project_get(project_urn)
        if project.contract_id != seat.contract_id:
            raise Refusal(f"project: {project.urn} belongs to another contract.")
        _may_manage(seat, project)
        owner = project.owner
    else:
        project = None
        owner = seat
        if not project_name.strip():
            raise Refusal("project_name: name the new project, or choose an existing one.")
    if not seat.is_admin and owner.person_urn not in ats.job_access(
        integration_context=context, job_id=requisition_id
    ):
        raise Refusal(
            f"{owner.urn} cannot see job {requisition_id}: only the job's owners in the ATS "
            "or a Recruiter Admin can connect it.",
            status=403,
        )
    if ats.job_is_connected(integration_context=context, job_id=requisition_id):
        raise Refusal(f"requisition: {requisition_id} is already connected to a project.")
    if project is not None and project.active_connection is not None:
        raise Refusal(f"project: {project.urn} is already connected to another job.")
    with transaction.atomic():
        if project is None:
            project = project_create(seat_urn=seat.urn, name=project_name)
        now = timezone.now()
        connection = ProjectConnection.objects.create(
            project=project,
            integration_context=context,
            requisition_id=requisition_id,
            connected_by=seat,
            connected_at=now,
            changed_at=now,
        )
        _connection_changed(connection)
    return connection


def project_disconnect(*, seat_urn: str, requisition_id: str) -> ProjectConnection:
    seat = seat_get(seat_urn)
    connection = (
        ProjectConnection.objects.select_related("project__owner")
        .filter(
            integration_context=seat.contract.organization_urn,
            requisition_id=(requisition_id or "").strip(),
            active=True,
        )
        .first()
    )
    if connection is None:
        raise Refusal(f"requisition: {requisition_id} is not connected to a project.", 404)
    _may_manage(seat, connection.project)
    with transaction.atomic():
        now = timezone.now()
        connection.active = False
        connection.state = ProjectConnection.State.DISCONNECTED
        connection.disconnected_at = now
        connection.changed_at = now
        connection.save(update_fields=["active", "state", "disconnected_at", "changed_at"])
        _connection_changed(connection)
    return connection


def project_set_automation(*, seat_urn: str, project_urn: str, enabled: bool) -> HiringProject:
    """Turn Hiring Assistant Automation on or off; pushes the change if the project is
    connected. Turning it on needs an RSC+ owner (RPS+ or Hiring Assistant)."""
    seat = seat_get(seat_urn)
    project = _project_get(project_urn)
    _may_manage(seat, project)
    if enabled and not project.owner.has_hiring_assistant:
        raise Refusal(
            f"Hiring Assistant Automation needs an RPS+ or Hiring Assistant seat; "
            f"the owner {project.owner.urn} has neither."
        )
    if project.hiring_assistant_automation == enabled:
        return project
    with transaction.atomic():
        project.hiring_assistant_automation = enabled
        project.save(update_fields=["hiring_assistant_automation"])
        connection = project.active_connection
        if connection is not None:
            connection.changed_at = timezone.now()
            connection.save(update_fields=["changed_at"])
            _connection_changed(connection)
    return project


# --- Hiring Assistant evaluations ---------------------------------------------------------------


@dataclass
class EvaluationRun:
    evaluated: list[Evaluation] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)


def _evidence(application: Application, candidate: AtsCandidate | None) -> str:
    parts = [str(v) for v in application.record.values() if isinstance(v, str)]
    if candidate is not None:
        parts += [str(v) for v in candidate.record.values() if isinstance(v, str)]
    for attachment in application.attachments.all():
        content = bytes(attachment.content)
        if attachment.content_type.startswith("text/") or b"\x00" not in content[:1024]:
            parts.append(content.decode("utf-8", errors="ignore"))
    return "\n".join(parts)


def _profile_evidence(member: Member) -> str:
    parts = [member.headline, " ".join(member.skills), " ".join(member.companies)]
    for position in member.positions:
        parts += [str(position.get("title", "")), str(position.get("companyName", ""))]
    for education in member.educations:
        parts += [str(education.get("degreeName", "")), str(education.get("fieldOfStudy", ""))]
    return "\n".join(parts)


def evaluation_run(*, project_urn: str, ranks: Mapping[str, str] | None = None) -> EvaluationRun:
    """Evaluate the applicants of a connected project and push each evaluation.

    An applicant evaluated before for this project is re-evaluated only while Hiring
    Assistant Automation is on. The basis is RESUME_ONLY when the application's candidate is
    not matched to a member. ``ranks`` (application id -> rank) overrides the computed rank.
    """
    project = _project_get(project_urn)
    ranks = dict(ranks or {})
    bad = [r for r in ranks.values() if r not in Evaluation.Rank.values]
    if bad:
        raise Refusal(f"ranks: '{bad[0]}' is not one of {', '.join(Evaluation.Rank.values)}.")
    if not project.owner.has_hiring_assistant:
        raise Refusal(
            f"Hiring Assistant is not available: the owner {project.owner.urn} has no RPS+ "
            "or Hiring Assistant license."
        )
    connection = project.active_connection
    if connection is None:
        raise Refusal(f"project: {project.urn} is not connected to an ATS job.")
    context, job_id = connection.integration_context, connection.requisition_id
    requisition = JobRequisition.objects.filter(
        integration_context=context, external_job_requisition_id=job_id
    ).first()
    posting = JobPosting.objects.filter(
        integration_context=context, external_job_posting_id=job_id
    ).first()
    job = requisition or posting
    qualifications = evaluation.qualifications_for(
        title=job.title if job else "", description=job.description if job else ""
    )
    applications = list(
        Application.objects.filter(integration_context=context, ats_job_posting_id=job_id)
        .prefetch_related("attachments")
        .order_by("id")
    )
    unknown = set(ranks) - {a.ats_job_application_id for a in applications}
    if unknown:
        raise Refusal(f"ranks: {sorted(unknown)[0]} is not an application of this project.")
    run = EvaluationRun()
    index = ats.member_index()
    with transaction.atomic():
        for application in applications:
            app_id = application.ats_job_application_id
            evaluated_before = Evaluation.objects.filter(
                project=project, application=application
            ).exists()
            if evaluated_before and not project.hiring_assistant_automation:
                run.skipped[app_id] = (
                    "already evaluated; re-evaluation needs Hiring Assistant Automation"
                )
                continue
            candidate = AtsCandidate.objects.filter(
                integration_context=context, ats_candidate_id=application.ats_candidate_id
            ).first()
            person = ""
            if candidate is not None:
                outcome = ats.candidate_match(candidate, index)
                person = candidate.manual_matched_member or (
                    outcome.members[0] if len(outcome.members) == 1 else ""
                )
            member = Member.objects.filter(person_urn=person).first() if person else None
            evidence = _evidence(application, candidate)
            if member is not None:
                evidence += "\n" + _profile_evidence(member)
            result = evaluation.evaluate(
                qualifications=qualifications,
                evidence=evidence,
                with_profile=member is not None,
                rank_override=ranks.get(app_id),
            )
            now = timezone.now()
            item = Evaluation.objects.create(
                integration_context=context,
                project=project,
                application=application,
                requisition_id=job_id,
                candidate_id=application.ats_candidate_id,
                member_urn=person if member is not None else "",
                rank=result.rank,
                basis=(
                    Evaluation.Basis.RESUME_AND_PROFILE
                    if member is not None
                    else Evaluation.Basis.RESUME_ONLY
                ),
                summary=result.summary,
                qualifications=result.qualifications,
                evaluated_at=now,
                created_at=now,
                expires_at=_expiry(now),
            )
            push_queue(
                push_type=Push.Type.APPLICATION_EVALUATION,
                request_id=item.request_id,
                integration_context=context,
                expires_at=item.expires_at,
            )
            run.evaluated.append(item)
    return run


# --- Purges, integration status, settings, reset -----------------------------------------------


def member_purge(*, person_urn: str) -> list[PurgedExport]:
    """The member had LinkedIn delete their data: each organization that received an export
    of them gets a purge notice to act on."""
    member = member_get(person_urn)
    contexts = sorted(set(member.exports.values_list("integration_context", flat=True)))
    if not contexts:
        raise Refusal(f"{member.full_name} was never exported to an ATS: nothing to purge.")
    now = timezone.now()
    return [
        PurgedExport.objects.create(integration_context=c, member_urn=person_urn, purged_at=now)
        for c in contexts
    ]


def integration_status_set(*, integration_id: int, status: str) -> AtsIntegration:
    integration = AtsIntegration.objects.filter(pk=integration_id).first()
    if integration is None:
        raise Refusal("integration: not found.", status=404)
    try:
        with transaction.atomic():
            ats.integration_set_status(integration=integration, status=status)
    except ValueError as error:
        raise Refusal(str(error)) from None
    return integration


SETTINGS_FIELDS = {
    "rate_limits_enabled": bool,
    "records_per_minute": int,
    "requests_per_day": int,
    "exports_per_seat_per_month": int,
    "token_lifetime_seconds": int,
    "request_id_ttl_hours": int,
    "push_max_retries": int,
    "push_backoff_seconds": int,
    "push_timeout_seconds": float,
    "job_task_seconds": int,
    "auto_enable_integrations": bool,
    "export_email_as_string": bool,
}


def settings_update(**changes: object) -> SandboxSettings:
    config = SandboxSettings.get()
    for name, value in changes.items():
        kind = SETTINGS_FIELDS.get(name)
        if kind is None:
            raise Refusal(f"{name}: not a sandbox setting.")
        if kind is bool:
            if not isinstance(value, bool):
                raise Refusal(f"{name}: must be true or false.")
        else:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise Refusal(f"{name}: must be a number.")
            if value < 0 or (kind is int and value != int(value)):
                raise Refusal(f"{name}: must be a non-negative {kind.__name__}.")
            value = kind(value)
        setattr(config, name, value)
    config.save()
    return config


def sandbox_reset(*, keep_directory: bool = True) -> None:
    """Forget what the ATS sent and what happened; with ``keep_directory`` the members,
    contracts, seats and hiring projects stay (as after ``seed_sandbox``)."""
    model: type[Any]
    with transaction.atomic():
        for model in (
            Evaluation,
            ConnectionChange,
            ExportRecord,
            PurgedExport,
            DeliveryAttempt,
            Push,
            AccessToken,
            ApiCall,
            Fault,
            ProjectConnection,
            Application,
            AtsCandidate,
            JobPostingTask,
            JobPosting,
            JobRequisition,
            EntityAcl,
            AclAssignee,
            AtsIntegration,
        ):
            model.objects.all().delete()
        if not keep_directory:
            for model in (
                ConversationEvent,
                MailStub,
                ProspectNote,
                HiringProject,
                Seat,
                Member,
                Contract,
            ):
                model.objects.all().delete()
            SandboxSettings.objects.all().delete()


def export_counts_by_seat() -> dict[int, int]:
    now = timezone.now()
    month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return dict(
        ExportRecord.objects.filter(created_at__gte=month_start)
        .values_list("seat")
        .annotate(n=Count("id"))
        .values_list("seat", "n")
    )
