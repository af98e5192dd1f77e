"""Writes for requisitions, placements and activities (the only writers of these models)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.dispatch import receiver
from django.utils import timezone

from candidates.models import Candidate
from candidates.signals import candidate_linked
from requisitions import signals
from requisitions.models import Activity, Placement, Requisition

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from candidates.models import MemberLink
    from tracker_rsc.models import Contract, LinkedInSeat

    User = AbstractBaseUser

REQUISITION_FIELDS = (
    "title",
    "description",
    "location",
    "client_name",
    "status",
    "kind",
    "availability",
)


def _user(actor: User | None) -> User | None:
    return actor if actor is not None and actor.is_authenticated else None


def _check_fields(fields: dict[str, Any]) -> None:
    unknown = set(fields) - set(REQUISITION_FIELDS)
    if unknown:
        raise TypeError(f"unknown requisition fields: {', '.join(sorted(unknown))}")


def _set_owners(requisition: Requisition, owners: Iterable[User]) -> None:
    owners = list(owners)
    if not owners:
        raise ValidationError({"owners": "A requisition needs at least one owner."})
    requisition.owners.set(owners)


def requisition_create(
    *, owners: Iterable[User], actor: User | None = None, **fields: Any
) -> Requisition:
    """Create a requisition with at least one owner; sends ``requisition_saved(created=True)``."""
    _check_fields(fields)
    now = timezone.now()
    requisition = Requisition(**fields, created_at=now, updated_at=now, created_by=_user(actor))
    if requisition.status != Requisition.Status.OPEN:
        requisition.closed_at = now
    requisition.full_clean(exclude=["created_by"])
    owners = list(owners)
    with transaction.atomic():
        requisition.save()
        _set_owners(requisition, owners)
        signals.requisition_saved.send(sender=Requisition, requisition=requisition, created=True)
    return requisition


def requisition_update(
    *,
    requisition: Requisition,
    owners: Iterable[User] | None = None,
    actor: User | None = None,
    **fields: Any,
) -> Requisition:
    """Update fields and/or owners (owners form the job's LinkedIn access list)."""
    _check_fields(fields)
    was_open = requisition.is_open
    for name, value in fields.items():
        setattr(requisition, name, value)
    now = timezone.now()
    requisition.updated_at = now
    if was_open and not requisition.is_open:
        requisition.closed_at = now
    elif requisition.is_open:
        requisition.closed_at = None
    requisition.full_clean(exclude=["created_by"])
    with transaction.atomic():
        requisition.save()
        if owners is not None:
            _set_owners(requisition, owners)
        signals.requisition_saved.send(sender=Requisition, requisition=requisition, created=False)
    return requisition


def requisition_close(
    *, requisition: Requisition, status: str = Requisition.Status.CLOSED, actor: User | None = None
) -> Requisition:
    """Close (or mark filled) a requisition; LinkedIn closes the job posting."""
    if status not in (Requisition.Status.CLOSED, Requisition.Status.FILLED):
        raise ValidationError({"status": "A requisition closes as closed or filled."})
    return requisition_update(requisition=requisition, status=status, actor=actor)


def requisition_delete(*, requisition: Requisition, actor: User | None = None) -> None:
    with transaction.atomic():
        snapshot = {
            "id": requisition.pk,
            "title": requisition.title,
            "placement_ids": list(requisition.placements.values_list("pk", flat=True)),
        }
        requisition_id = requisition.pk
        requisition.delete()
        signals.requisition_deleted.send(
            sender=Requisition, requisition_id=requisition_id, snapshot=snapshot
        )


def requisition_is_connected(*, requisition: Requisition) -> bool:
    """True when the requisition has an active LinkedIn hiring project connection."""
    return requisition.connections.filter(active=True).exists()


# --- Placements -----------------------------------------------------------------------------


def placement_create(
    *,
    candidate: Candidate,
    requisition: Requisition,
    stage: str = Placement.Stage.SHORTLISTED,
    source: str = Placement.Source.MANUAL,
    actor: User | None = None,
) -> Placement:
    """Shortlist a candidate on an open requisition; sends ``placement_saved(created=True)``.

    Raises ValidationError when the requisition is not open or the candidate is already on it.
    """
    if not requisition.is_open:
        raise ValidationError(
            {
                "requisition": (
                    f"“{requisition.title}” is {requisition.get_status_display().lower()}; "
                    "only open requisitions take new candidates."
                )
            }
        )
    now = timezone.now()
    placement = Placement(
        candidate=candidate,
        requisition=requisition,
        stage=stage,
        source=source,
        added_by=_user(actor),
        created_at=now,
        updated_at=now,
    )
    placement.full_clean(exclude=["added_by", "candidate", "requisition"], validate_unique=False)
    try:
        with transaction.atomic():
            placement.save()
            signals.placement_saved.send(sender=Placement, placement=placement, created=True)
    except IntegrityError as exc:
        raise ValidationError(
            {"candidate": "This candidate is already on this requisition's shortlist."}
        ) from exc
    return placement


def placement_get_or_create(
    *,
    candidate: Candidate,
    requisition: Requisition,
    source: str = Placement.Source.MANUAL,
    actor: User | None = None,
) -> tuple[Placement, bool]:
    """The candidate's placement on the requisition, shortlisting them if needed."""
    existing = Placement.objects.filter(candidate=candidate, requisition=requisition).first()
    if existing:
        return existing, False
    return placement_create(
        candidate=candidate, requisition=requisition, source=source, actor=actor
    ), True


def placement_set_stage(
    *, placement: Placement, stage: str, actor: User | None = None
) -> Placement:
    if stage not in Placement.Stage.values:
        raise ValidationError({"stage": f"“{stage}” is not a stage."})
    with transaction.atomic():
        placement.stage = stage
        placement.updated_at = timezone.now()
        placement.save(update_fields=["stage", "updated_at"])
        signals.placement_saved.send(sender=Placement, placement=placement, created=False)
    return placement


def placement_delete(*, placement: Placement, actor: User | None = None) -> None:
    with transaction.atomic():
        snapshot = {
            "id": placement.pk,
            "candidate_id": placement.candidate_id,
            "requisition_id": placement.requisition_id,
        }
        placement_id = placement.pk
        placement.delete()
        signals.placement_deleted.send(
            sender=Placement, placement_id=placement_id, snapshot=snapshot
        )


# --- Activities -----------------------------------------------------------------------------


def activity_record(
    *,
    kind: str,
    candidate: Candidate | None = None,
    placement: Placement | None = None,
    requisition: Requisition | None = None,
    subject: str = "",
    body: str = "",
    occurred_at: datetime | None = None,
    external_id: str | None = None,
    data: dict[str, Any] | None = None,
    author: User | None = None,
    seat: LinkedInSeat | None = None,
    contract: Contract | None = None,
    person_urn: str = "",
) -> tuple[Activity, bool]:
    """Record an activity; with ``external_id`` it is idempotent (updated, never duplicated).

    Returns ``(activity, created)``.
    """
    if kind not in Activity.Kind.values:
        raise ValidationError({"kind": f"“{kind}” is not an activity kind."})
    if placement is not None:
        candidate = candidate or placement.candidate
        requisition = requisition or placement.requisition
    values = {
        "candidate": candidate,
        "placement": placement,
        "requisition": requisition,
        "subject": subject[:300],
        "body": body,
        "occurred_at": occurred_at or timezone.now(),
        "data": data or {},
        "author": _user(author),
        "seat": seat,
        "contract": contract,
        "person_urn": person_urn,
    }
    if external_id is None:
        return Activity.objects.create(kind=kind, **values), True
    try:
        with transaction.atomic():
            return Activity.objects.update_or_create(
                kind=kind, external_id=external_id, defaults=values
            )
    except IntegrityError:  # a concurrent writer created it first: update that one
        return Activity.objects.update_or_create(
            kind=kind, external_id=external_id, defaults=values
        )


def activity_delete_external(*, kind: str, external_id: str) -> int:
    """Remove the activity LinkedIn withdrew (an inactive note). Idempotent; returns count."""
    deleted, _ = Activity.objects.filter(kind=kind, external_id=external_id).delete()
    return deleted


@receiver(candidate_linked, dispatch_uid="requisitions.attach_member_activities")
def attach_member_activities(sender: Any, candidate: Candidate, link: MemberLink, **_: Any) -> None:
    """InMails and notes that arrived before the member was linked attach to the candidate."""
    Activity.objects.filter(candidate__isnull=True, person_urn=link.person_urn).update(
        candidate=candidate
    )
