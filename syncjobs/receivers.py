"""Receivers of the domain signals (docs/architecture.md §2): they write outbox events in the same
transaction.

Nothing is written while the integration is not enabled: what changed before enabling reaches
LinkedIn through the bulk sync. Placements become applications only on requisitions with an
active hiring project connection: data of jobs that are not connected never leaves Tracker.
"""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from candidates.models import Candidate, MemberLink
from candidates.signals import (
    candidate_deleted,
    candidate_saved,
    candidate_unlinked,
    candidates_imported,
    candidates_linked,
)
from requisitions.models import Placement, Requisition
from requisitions.services import requisition_is_connected
from requisitions.signals import (
    placement_deleted,
    placement_saved,
    requisition_connected,
    requisition_deleted,
    requisition_saved,
)
from syncjobs.models import OutboxEvent
from syncjobs.outbox import outbox_enqueue, outbox_enqueue_many
from syncjobs.selectors import integration_active
from tracker_rsc.signals import seat_access_changed

Kind = OutboxEvent.Kind

# Marks an application upsert the job sync settled without sending (its requisition was no
# longer connected when the event's turn came): nothing reached LinkedIn, nothing to delete.
NOT_SENT_MARK = "not_sent"


def application_was_sent(*, placement_id: int | str) -> bool:
    """Whether this placement ever reached LinkedIn as an application."""
    return (
        OutboxEvent.objects.filter(
            aggregate="application",
            object_id=str(placement_id),
            kind=OutboxEvent.Kind.APPLICATION_UPSERT,
            status=OutboxEvent.Status.SENT,
        )
        .exclude(payload__has_key=NOT_SENT_MARK)
        .exists()
    )


# Links LinkedIn made itself need no echo; links made in Tracker are told to LinkedIn.
_LINKS_TOLD_TO_LINKEDIN = {
    MemberLink.Method.MANUAL,
    MemberLink.Method.EXPORT,
    MemberLink.Method.STUB,
}


@receiver(candidate_saved, dispatch_uid="syncjobs.candidate_saved")
def on_candidate_saved(sender: Any, candidate: Candidate, **_: Any) -> None:
    if integration_active():
        outbox_enqueue(kind=Kind.CANDIDATE_UPSERT, aggregate="candidate", object_id=candidate.pk)


@receiver(candidates_imported, dispatch_uid="syncjobs.candidates_imported")
def on_candidates_imported(
    sender: Any, created_ids: list[int], updated_ids: list[int], **_: Any
) -> None:
    """A CSV import's chunk: queued in bulk, sent in batches (like any new or changed record)."""
    if integration_active():
        outbox_enqueue_many(
            kind=Kind.CANDIDATE_UPSERT,
            aggregate="candidate",
            object_ids=[*created_ids, *updated_ids],
        )


@receiver(candidate_deleted, dispatch_uid="syncjobs.candidate_deleted")
def on_candidate_deleted(
    sender: Any, candidate_id: int, snapshot: dict[str, Any], erased: bool = False, **_: Any
) -> None:
    if not integration_active():
        return
    for placement_id in snapshot.get("placement_ids", []):
        if application_was_sent(placement_id=placement_id):
            outbox_enqueue(
                kind=Kind.APPLICATION_DELETE,
                aggregate="application",
                object_id=placement_id,
                payload={"erased": erased},
            )
    outbox_enqueue(
        kind=Kind.CANDIDATE_DELETE,
        aggregate="candidate",
        object_id=candidate_id,
        payload={"erased": erased},
    )


@receiver(candidates_linked, dispatch_uid="syncjobs.candidate_linked")
def on_candidate_linked(sender: Any, links: list[MemberLink], **_: Any) -> None:
    # Links LinkedIn made itself (its matches) need not be told back: no query for those.
    told = [link for link in links if link.method in _LINKS_TOLD_TO_LINKEDIN]
    if told and integration_active():
        for link in told:
            outbox_enqueue(
                kind=Kind.CANDIDATE_MATCH,
                aggregate="candidate_match",
                object_id=link.candidate_id,
                payload={"person_urn": link.person_urn},
            )


@receiver(candidate_unlinked, dispatch_uid="syncjobs.candidate_unlinked")
def on_candidate_unlinked(sender: Any, candidate: Candidate, link: MemberLink, **_: Any) -> None:
    if integration_active() and link.method in _LINKS_TOLD_TO_LINKEDIN:
        outbox_enqueue(
            kind=Kind.CANDIDATE_MATCH,
            aggregate="candidate_match",
            object_id=candidate.pk,
            payload={"person_urn": None},
        )


@receiver(requisition_saved, dispatch_uid="syncjobs.requisition_saved")
def on_requisition_saved(sender: Any, requisition: Requisition, **_: Any) -> None:
    if integration_active():
        outbox_enqueue(
            kind=Kind.REQUISITION_UPSERT, aggregate="requisition", object_id=requisition.pk
        )


@receiver(seat_access_changed, dispatch_uid="syncjobs.seat_access_changed")
def on_seat_access_changed(sender: Any, user_ids: frozenset[int], **_: Any) -> None:
    """Re-send the open jobs these users own: their access lists name the users' seats."""
    if not integration_active():
        return
    requisition_ids = (
        Requisition.objects.filter(owners__in=user_ids, status=Requisition.Status.OPEN)
        .values_list("pk", flat=True)
        .distinct()
        .order_by("pk")
    )
    for requisition_id in requisition_ids:
        outbox_enqueue(
            kind=Kind.REQUISITION_UPSERT, aggregate="requisition", object_id=requisition_id
        )


@receiver(requisition_deleted, dispatch_uid="syncjobs.requisition_deleted")
def on_requisition_deleted(
    sender: Any, requisition_id: int, snapshot: dict[str, Any], **_: Any
) -> None:
    if not integration_active():
        return
    for placement_id in snapshot.get("placement_ids", []):
        if application_was_sent(placement_id=placement_id):
            outbox_enqueue(
                kind=Kind.APPLICATION_DELETE, aggregate="application", object_id=placement_id
            )
    outbox_enqueue(
        kind=Kind.REQUISITION_CLOSE,
        aggregate="requisition",
        object_id=requisition_id,
        payload=snapshot,
    )


@receiver(placement_saved, dispatch_uid="syncjobs.placement_saved")
def on_placement_saved(sender: Any, placement: Placement, **_: Any) -> None:
    if integration_active() and requisition_is_connected(requisition=placement.requisition):
        outbox_enqueue(
            kind=Kind.APPLICATION_UPSERT, aggregate="application", object_id=placement.pk
        )


@receiver(requisition_connected, dispatch_uid="syncjobs.requisition_connected")
def on_requisition_connected(sender: Any, requisition: Requisition, **_: Any) -> None:
    """A newly accepted connection: the requisition's existing placements go as applications."""
    if not integration_active():
        return
    for placement_id in requisition.placements.values_list("pk", flat=True):
        outbox_enqueue(
            kind=Kind.APPLICATION_UPSERT, aggregate="application", object_id=placement_id
        )


@receiver(placement_deleted, dispatch_uid="syncjobs.placement_deleted")
def on_placement_deleted(
    sender: Any, placement_id: int, snapshot: dict[str, Any], **_: Any
) -> None:
    if integration_active() and application_was_sent(placement_id=placement_id):
        outbox_enqueue(
            kind=Kind.APPLICATION_DELETE, aggregate="application", object_id=placement_id
        )
