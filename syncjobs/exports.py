"""Export to ATS (docs/architecture.md §4.5, §4.6): one LinkedIn profile per
EXPORT_CANDIDATE_PROFILE push.

The handler fetches the exported profile (outside any transaction), then ``export_intake``
checks everything that can refuse the export *before* writing anything, and does all the
writing in one transaction:

1. the export's ``integrationContext`` must be this database's organization, else it fails
   (it was meant for another customer) and nothing is created;
2. it must name a requisition (``externalJobPostingId``; there is no requisition-less export:
   proactive candidates go to a placeholder or evergreen requisition) that exists and is open,
   else it fails with that reason and nothing is created;
3. a person erased from Tracker (a tombstone matches the member, profile URL or an email) is
   not silently re-created: the notification is ``held`` until an admin replays it with
   "Import anyway" or discards it;
4. the identity locks are taken and the duplicate check decides (member / profile URL >
   email > name); the candidate is updated (merge rules in ``profile_intake``) or created
   (source export_to_ats, flagged as a possible duplicate after a name-only near miss), linked
   to the member (method export), shortlisted on the requisition (source export_to_ats);
5. the top three LinkedIn skills go through Skills Search (``candidates.selectors``, the same
   matching as ``GET /api/v1/skills/search/``): matches add the existing Quick Skill, the rest
   are discarded and named; no Quick Skill is ever created here;
6. an ``export`` activity (external id = LinkedIn's request id, so a re-run updates it) records
   the exporter's seat, the rule and score, created vs updated, and the skills.

Re-processing the same notification (a replay, a stale claim) finds the same candidate by its
member link and the same placement and activity: it changes nothing twice.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from candidates import services as candidate_services
from candidates.models import Candidate, CandidateSkill, MemberLink
from candidates.selectors import skill_dictionary
from requisitions import services as requisition_services
from requisitions.models import Activity, Placement, Requisition
from syncjobs.models import InboundNotification
from syncjobs.notifications import (
    HandlerOutcome,
    NotificationFailed,
    held,
    notification_handler,
    processed,
)
from syncjobs.profile_intake import (
    IntakeResult,
    identity_locks_acquire,
    profile_apply,
    profile_tombstone,
)
from tracker_rsc.linkedin import (
    PUSH_EXPORT_CANDIDATE,
    ExportedCandidate,
    PayloadError,
    get_client,
)
from tracker_rsc.models import Integration, LinkedInSeat

logger = logging.getLogger(__name__)

# LinkedIn sends the member's top three skills (FAQ); anything beyond is not part of the deal.
TOP_SKILLS = 3


@notification_handler(PUSH_EXPORT_CANDIDATE)
def handle_export(notification: InboundNotification, *, override: bool = False) -> HandlerOutcome:
    """Fetch the exported profile and take it in (see the module docstring)."""
    try:
        exported = get_client().get_exported_candidate(notification.request_id)
    except PayloadError as exc:
        if exc.field.endswith("externalJobPostingId"):
            raise NotificationFailed(
                "The export names no requisition (externalJobPostingId). Tracker has no "
                "requisition-less export: export the member to a requisition, such as a "
                "placeholder or evergreen one for a proactive candidate. Nothing was imported."
            ) from exc
        raise
    try:
        return export_intake(exported=exported, notification=notification, override=override)
    except ValidationError as exc:
        # Data Tracker cannot store: retrying would fail the same way (the transaction rolled
        # back, nothing was written); an admin can replay once the cause is fixed.
        raise NotificationFailed(
            "Tracker could not store the exported profile: "
            + "; ".join(exc.messages)
            + " Nothing was imported."
        ) from exc


def _requisition_id(job_id: str) -> int:
    try:
        value = int(job_id.strip())
    except ValueError:
        value = 0
    if value <= 0:
        raise NotificationFailed(
            f"The export names requisition “{job_id}”, which is not a Tracker requisition id. "
            "Nothing was imported."
        )
    return value


def _open_requisition(requisition_id: int) -> Requisition:
    """The requisition, locked for the transaction; NotificationFailed when it cannot take one."""
    requisition = Requisition.objects.select_for_update().filter(pk=requisition_id).first()
    if requisition is None:
        raise NotificationFailed(
            f"Requisition {requisition_id} does not exist in Tracker (it may have been deleted). "
            "Nothing was imported; export the member again to an open requisition."
        )
    if not requisition.is_open:
        raise NotificationFailed(
            f"Requisition {requisition_id} “{requisition.title}” is "
            f"{requisition.get_status_display().lower()}; only open requisitions take exported "
            "candidates. Nothing was imported; reopen it and replay, or export again elsewhere."
        )
    return requisition


def skills_apply(*, candidate: Candidate, names: list[str]) -> tuple[list[dict], list[dict]]:
    """Map LinkedIn skill names to existing Quick Skills and add them. Never creates one.

    Returns ``(applied, discarded)``: applied entries name the LinkedIn skill, the Quick Skill
    and how it matched; discarded ones say why (not found, ambiguous, blank).
    """
    applied: list[dict] = []
    discarded: list[dict] = []
    if not names:
        return applied, discarded
    dictionary = skill_dictionary()
    for name in names:
        result = dictionary.search(name)
        if result.skill_id is None:
            discarded.append({"linkedin": name, "reason": str(result.reason or "not_found")})
            continue
        skill = dictionary.skills[result.skill_id]
        candidate_services.candidate_skill_add(
            candidate=candidate, skill=skill, source=CandidateSkill.Source.LINKEDIN
        )
        applied.append(
            {
                "linkedin": name,
                "skill_id": skill.pk,
                "skill": skill.name,
                "method": str(result.method),
                "score": result.score,
            }
        )
    return applied, discarded


def _describe(
    *,
    intake: IntakeResult,
    exporter: str,
    requisition: Requisition,
    placement_created: bool,
    applied: list[dict],
    discarded: list[dict],
    override: bool,
) -> str:
    lines = [f"Exported from LinkedIn Recruiter by {exporter} to “{requisition.title}”."]
    if intake.created:
        lines.append("No existing candidate matched: a new candidate was created.")
    else:
        score = f", score {intake.decision.score:.2f}" if intake.decision.score is not None else ""
        lines.append(
            f"Matched an existing candidate on {intake.decision.rule}{score}; updated "
            + (", ".join(intake.changed_fields) if intake.changed_fields else "nothing")
            + "."
        )
    if intake.possible_duplicate_of is not None:
        lines.append(
            f"Flagged as a possible duplicate of candidate {intake.possible_duplicate_of.pk}."
        )
    if intake.link_conflict:
        lines.append(f"Not linked to the LinkedIn member: {intake.link_conflict}")
    lines.append(
        "Shortlisted on the requisition."
        if placement_created
        else "Already on the requisition's shortlist."
    )
    if applied:
        lines.append("Skills applied: " + ", ".join(item["skill"] for item in applied) + ".")
    if discarded:
        lines.append(
            "Skills discarded (no Quick Skill matches): "
            + ", ".join(item["linkedin"] for item in discarded)
            + "."
        )
    if intake.emails_not_applied:
        lines.append("Email addresses not applied: " + ", ".join(intake.emails_not_applied) + ".")
    if override:
        lines.append("Imported although this person had been erased (an admin chose to).")
    return "\n".join(lines)


def export_intake(
    *, exported: ExportedCandidate, notification: InboundNotification, override: bool = False
) -> HandlerOutcome:
    """Take one exported profile into Tracker (one transaction). See the module docstring.

    Raises NotificationFailed (nothing written) for another organization's export or a
    requisition that is unknown, closed or deleted; returns ``held`` for an erased person
    unless ``override``; otherwise ``processed`` with the ids of what it created or updated.
    """
    integration = Integration.get()
    if exported.integration_context != integration.organization_urn:
        raise NotificationFailed(
            f"The export belongs to {exported.integration_context}, not to this database's "
            f"organization ({integration.organization_urn or 'none set'}). Nothing was imported."
        )
    requisition_id = _requisition_id(exported.job_id)
    profile = exported.profile
    seat = (
        LinkedInSeat.objects.select_related("user")
        .filter(seat_urn=exported.exporter_seat_urn or "")
        .first()
    )
    actor = seat.user if seat is not None else None
    exporter = (seat.full_name or seat.seat_urn) if seat else (exported.exporter_seat_urn or "")
    with transaction.atomic(durable=True):
        requisition = _open_requisition(requisition_id)
        tombstone = profile_tombstone(profile)
        if tombstone is not None and not override:
            return held(
                f"{profile.first_name} {profile.last_name} ({profile.person_urn}) was erased "
                f"from Tracker on {tombstone.erased_at:%Y-%m-%d} (tombstone {tombstone.pk}). "
                "Import anyway only if the person agreed to be on file again; otherwise discard.",
                {"tombstone_id": tombstone.pk, "requisition_id": requisition.pk},
            )
        identity_locks_acquire(profile)
        intake = profile_apply(
            profile=profile,
            source=Candidate.Source.EXPORT_TO_ATS,
            link_method=MemberLink.Method.EXPORT,
            actor=actor,
        )
        candidate = intake.candidate
        placement, placement_created = requisition_services.placement_get_or_create(
            candidate=candidate,
            requisition=requisition,
            source=Placement.Source.EXPORT_TO_ATS,
            actor=actor,
        )
        applied, discarded = skills_apply(candidate=candidate, names=profile.skills[:TOP_SKILLS])
        data: dict[str, Any] = {
            **intake.summary(),
            "request_id": exported.request_id,
            "notification_id": notification.pk,
            "exporter_seat_urn": exported.exporter_seat_urn,
            "exporter": exporter,
            "requisition_id": requisition.pk,
            "placement_id": placement.pk,
            "placement_created": placement_created,
            "skills_applied": applied,
            "skills_discarded": discarded,
            "override": override,
        }
        activity, _ = requisition_services.activity_record(
            kind=Activity.Kind.EXPORT,
            candidate=candidate,
            placement=placement,
            requisition=requisition,
            subject=f"Exported from LinkedIn to “{requisition.title}”",
            body=_describe(
                intake=intake,
                exporter=exporter or "an unknown seat",
                requisition=requisition,
                placement_created=placement_created,
                applied=applied,
                discarded=discarded,
                override=override,
            ),
            occurred_at=notification.received_at,
            external_id=exported.request_id,
            data=data,
            author=actor,
            seat=seat,
            contract=seat.contract if seat else None,
            person_urn=profile.person_urn,
        )
    return processed(
        {
            "candidate_id": candidate.pk,
            "placement_id": placement.pk,
            "activity_id": activity.pk,
            "created": intake.created,
            "placement_created": placement_created,
            "rule": intake.decision.rule,
            "score": intake.decision.score,
            "link_conflict": intake.link_conflict,
            "possible_duplicate_of": data["possible_duplicate_of"],
            "skills_applied": [item["skill"] for item in applied],
            "skills_discarded": [item["linkedin"] for item in discarded],
        },
        candidate=candidate,
        placement=placement,
    )
