"""Hiring Assistant evaluations (docs/architecture.md §4.10): one ``APPLICATION_EVALUATION`` push
each.

The handler fetches the evaluation (``exportedApplicationEvaluation?q=request``) and, only for
a placement on an **actively connected** requisition, stores it with
``requisitions.services.placement_record_evaluation``: the placement's rank (shown on the
shortlist card to every user) and an ``evaluation_summary`` activity on the placement (rank,
summary, qualifications met, and the basis — resume only when the candidate has no LinkedIn
link). A re-evaluation adds a new summary and moves the rank; earlier summaries stay.

Everything else is stored (the notification and its result keep the evaluation) and ignored
with the reason: another organization's evaluation, an unknown requisition or placement, a
requisition that is not connected (or connected to another project). Re-processing the same
notification updates the same activity: nothing is doubled.
"""

from __future__ import annotations

from typing import Any

from candidates.models import MemberLink
from requisitions import services as requisition_services
from requisitions.models import Placement, ProjectConnection
from syncjobs.models import InboundNotification
from syncjobs.notifications import HandlerOutcome, ignored, notification_handler, processed
from tracker_rsc.linkedin import PUSH_APPLICATION_EVALUATION, ApplicationEvaluation, get_client
from tracker_rsc.models import Integration

BASES = {
    "RESUME_ONLY": Placement.Basis.RESUME_ONLY,
    "RESUME_AND_PROFILE": Placement.Basis.RESUME_AND_PROFILE,
}


def _int(value: str) -> int | None:
    try:
        number = int(value.strip())
    except ValueError:
        return None
    return number if number > 0 else None


def _evaluation_json(evaluation: ApplicationEvaluation) -> dict[str, Any]:
    return {
        "hiring_project": evaluation.hiring_project,
        "requisition_id": evaluation.requisition_id,
        "candidate_id": evaluation.candidate_id,
        "member": evaluation.person_urn,
        "rank": evaluation.rank,
        "basis": evaluation.basis,
        "summary": evaluation.summary,
        "qualifications": evaluation.qualifications,
        "evaluated_at": evaluation.evaluated_at.isoformat(),
    }


def evaluation_intake(
    *, evaluation: ApplicationEvaluation, notification: InboundNotification | None = None
) -> HandlerOutcome:
    """Store one evaluation on its placement, or say why it is ignored (nothing written)."""
    result = _evaluation_json(evaluation)
    organization = Integration.get().organization_urn
    if evaluation.integration_context != organization:
        return ignored(
            f"The evaluation belongs to {evaluation.integration_context}, not to this "
            f"database's organization ({organization or 'none set'}).",
            result,
        )
    requisition_id = _int(evaluation.requisition_id)
    candidate_id = _int(evaluation.candidate_id)
    placement = (
        Placement.objects.select_related("candidate", "requisition")
        .filter(requisition_id=requisition_id, candidate_id=candidate_id)
        .first()
        if requisition_id and candidate_id
        else None
    )
    if placement is None:
        return ignored(
            f"Candidate “{evaluation.candidate_id}” is not on the shortlist of requisition "
            f"“{evaluation.requisition_id}” in Tracker (unknown placement); the evaluation was "
            "not applied.",
            result,
        )
    connection = ProjectConnection.objects.filter(
        requisition_id=placement.requisition_id, active=True
    ).first()
    if connection is None:
        return ignored(
            f"Requisition {placement.requisition_id} is not actively connected to a LinkedIn "
            "hiring project: Hiring Assistant ranks only candidates of connected jobs, so the "
            "evaluation was not applied.",
            result,
        )
    if connection.project_urn != evaluation.hiring_project:
        return ignored(
            f"Requisition {placement.requisition_id} is connected to {connection.project_urn}, "
            f"not to {evaluation.hiring_project}; the evaluation was not applied.",
            result,
        )
    linked = MemberLink.objects.filter(
        candidate_id=placement.candidate_id, unlinked_at__isnull=True
    ).exists()
    # Resume only when the candidate has no LinkedIn link in Tracker, or no member is behind
    # the evaluation: LinkedIn then saw the resume alone, whatever its basis says.
    basis = (
        BASES[evaluation.basis] if evaluation.person_urn and linked else Placement.Basis.RESUME_ONLY
    )
    activity, moved = requisition_services.placement_record_evaluation(
        placement=placement,
        request_id=evaluation.request_id,
        rank=evaluation.rank,
        basis=basis,
        summary=evaluation.summary,
        qualifications=evaluation.qualifications,
        evaluated_at=evaluation.evaluated_at,
        hiring_project=evaluation.hiring_project,
        person_urn=evaluation.person_urn or "",
        linked=linked,
    )
    placement.refresh_from_db()
    return processed(
        {
            **result,
            "placement_id": placement.pk,
            "activity_id": activity.pk,
            "placement_rank": placement.rank,
            "rank_moved": moved,
        },
        candidate=placement.candidate,
        placement=placement,
    )


@notification_handler(PUSH_APPLICATION_EVALUATION)
def handle_evaluation(notification: InboundNotification) -> HandlerOutcome:
    """Fetch the evaluation (outside any transaction) and take it in."""
    evaluation = get_client().get_evaluation(notification.request_id)
    return evaluation_intake(evaluation=evaluation, notification=notification)
