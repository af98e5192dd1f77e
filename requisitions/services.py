"""Writes for requisitions, placements and activities (the only writers of these models)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.dispatch import receiver
from django.utils import timezone

from candidates.models import Candidate
from candidates.signals import candidate_unlinked, candidates_linked
from requisitions import signals
from requisitions.models import Activity, Placement, ProjectConnection, Requisition
from tracker_rsc.models import LinkedInSeat

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from candidates.models import MemberLink
    from tracker_rsc.models import Contract

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
        # Only what this update changes: the LinkedIn sync state on the row (written by the
        # job sync meanwhile) must not be overwritten by a stale in-memory copy.
        requisition.save(update_fields=[*fields, "updated_at", "closed_at"])
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
        # What LinkedIn needs to close the job after the row is gone (docs/architecture.md §5: a
        # close re-posts the job with operation CLOSE).
        snapshot = {
            "id": requisition.pk,
            "title": requisition.title,
            "description": requisition.description,
            "location": requisition.location,
            "availability": requisition.availability,
            "created_at": requisition.created_at.isoformat(),
            "was_synced": Requisition.objects.filter(
                pk=requisition.pk, linkedin_synced_at__isnull=False
            ).exists(),
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


def requisition_mark_synced(
    *, requisition_id: int, access: Sequence[str] | None = None, error: str = ""
) -> None:
    """Record LinkedIn's answer for the job (no domain signal: nothing changed in Tracker).

    Without ``error`` the job counts as synced now and ``access`` (when given) becomes the
    access list LinkedIn holds; with ``error`` only the message is stored, for the page and
    the admin.
    """
    if error:
        Requisition.objects.filter(pk=requisition_id).update(linkedin_sync_error=error[:2000])
        return
    values: dict[str, Any] = {"linkedin_synced_at": timezone.now(), "linkedin_sync_error": ""}
    if access is not None:
        values["linkedin_access"] = list(access)
    Requisition.objects.filter(pk=requisition_id).update(**values)


# --- LinkedIn hiring project connections (docs/architecture.md §4.9, §5.1) ----------------------


@dataclass(frozen=True)
class ConnectionDecision:
    """What Tracker made of one connection state LinkedIn reported.

    ``action``: connected (became active), updated (owner or automation changed), refused,
    disconnected, unchanged (Tracker already had it) or stale (older than what Tracker has).
    """

    action: str
    connection: ProjectConnection | None
    reason: str = ""


def _seat_label(seat: LinkedInSeat | None, seat_urn: str) -> str:
    if seat is not None and seat.full_name:
        return f"{seat.full_name} ({seat_urn})"
    return seat_urn or "an unknown seat"


def connection_refusal_reason(
    *, requisition: Requisition, seat: LinkedInSeat | None, seat_urn: str
) -> str:
    """Why the project owner's seat may not connect this requisition; "" when it may.

    The rule (FAQ, docs/architecture.md §4.9): the owner seat belongs to one of the requisition's
    Tracker owners, or is a Recruiter Admin seat (admins see every job).
    """
    label = _seat_label(seat, seat_urn)
    if seat is None:
        return (
            f"The project's owner seat {label} is not known to Tracker, so it cannot be "
            "checked against the requisition's owners; sync or add the seat, then reconcile."
        )
    if not seat.active:
        return f"The project's owner seat {label} is inactive in Tracker."
    if seat.is_admin_seat:
        return ""
    if seat.user_id is None:
        return (
            f"The project's owner seat {label} is not mapped to a Tracker user and is not a "
            "Recruiter Admin seat; only the requisition's owners or an admin may connect it."
        )
    if requisition.owners.filter(pk=seat.user_id).exists():
        return ""
    user = seat.user.get_full_name() or seat.user.get_username()
    return (
        f"The project's owner seat {label} belongs to {user}, who is not an owner of this "
        "requisition in Tracker, and is not a Recruiter Admin seat."
    )[:300]


def project_connection_apply(
    *,
    requisition: Requisition,
    project_urn: str,
    owner_seat_urn: str,
    connected: bool,
    hiring_assistant_automation: bool,
    changed_at: datetime,
) -> ConnectionDecision:
    """Apply one connection state reported by LinkedIn (push or reconciliation). Idempotent.

    One row is kept per (requisition, project): it is updated in place, so applying the same
    state twice changes nothing. A state older than the row's ``changed_at`` is stale and
    ignored; an equal one is re-decided (so reconciliation picks up owners or seat mappings
    that changed in Tracker since). An accepted connection deactivates any other active
    connection of the same requisition or project (a job has one project, a project one job)
    and, when it becomes active, sends ``requisition_connected`` (its placements then go to
    LinkedIn). Connecting never adds placements. A refusal keeps the reason for admins.
    """
    project_urn = project_urn.strip()
    if not project_urn:
        raise ValidationError({"project_urn": "A connection names its hiring project."})
    with transaction.atomic():
        # Changes of one requisition are applied one at a time.
        Requisition.objects.select_for_update().filter(pk=requisition.pk).first()
        latest = (
            ProjectConnection.objects.select_for_update()
            .filter(requisition=requisition, project_urn=project_urn)
            .order_by("-changed_at", "-id")
            .first()
        )
        if latest is not None and latest.changed_at > changed_at:
            return ConnectionDecision(
                "stale",
                latest,
                f"LinkedIn's state of {changed_at:%Y-%m-%d %H:%M:%S} UTC is older than the one "
                f"Tracker has ({latest.changed_at:%Y-%m-%d %H:%M:%S} UTC).",
            )
        seat = LinkedInSeat.objects.select_related("user").filter(seat_urn=owner_seat_urn).first()
        if not connected:
            if latest is None or not latest.active:
                return ConnectionDecision(
                    "unchanged", latest, "The requisition was not connected to this project."
                )
            latest.active = False
            latest.state = ProjectConnection.State.DISCONNECTED
            latest.disconnected_at = changed_at
            latest.changed_at = changed_at
            latest.hiring_assistant_automation = hiring_assistant_automation
            latest.save()
            return ConnectionDecision("disconnected", latest)
        reason = connection_refusal_reason(
            requisition=requisition, seat=seat, seat_urn=owner_seat_urn
        )
        row = latest or ProjectConnection(requisition=requisition, project_urn=project_urn)
        if reason:
            if (
                latest is not None
                and latest.state == ProjectConnection.State.REFUSED
                and latest.refusal_reason == reason
                and latest.changed_at == changed_at
            ):
                return ConnectionDecision("unchanged", latest, reason)
            if row.active:
                row.disconnected_at = changed_at
            row.state = ProjectConnection.State.REFUSED
            row.active = False
            row.refusal_reason = reason
            row.owner_seat = seat
            row.owner_seat_urn = owner_seat_urn
            row.hiring_assistant_automation = hiring_assistant_automation
            row.changed_at = changed_at
            row.save()
            return ConnectionDecision("refused", row, reason)
        others = ProjectConnection.objects.select_for_update().filter(
            Q(requisition=requisition) | Q(project_urn=project_urn), active=True
        )
        if row.pk is not None:
            others = others.exclude(pk=row.pk)
        for other in others:
            other.active = False
            other.state = ProjectConnection.State.DISCONNECTED
            other.disconnected_at = changed_at
            other.save(update_fields=["active", "state", "disconnected_at"])
        became_active = not row.active
        same = (
            not became_active
            and row.owner_seat_urn == owner_seat_urn
            and row.owner_seat_id == (seat.pk if seat else None)
            and row.hiring_assistant_automation == hiring_assistant_automation
        )
        if same and row.changed_at == changed_at:
            return ConnectionDecision("unchanged", row)
        if became_active:
            row.connected_at = changed_at
            row.disconnected_at = None
        row.state = ProjectConnection.State.CONNECTED
        row.active = True
        row.refusal_reason = ""
        row.owner_seat = seat
        row.owner_seat_urn = owner_seat_urn
        row.hiring_assistant_automation = hiring_assistant_automation
        row.changed_at = changed_at
        row.save()
        if became_active:
            signals.requisition_connected.send(
                sender=Requisition, requisition=requisition, connection=row
            )
    return ConnectionDecision("connected" if became_active else "updated", row)


def project_connection_disconnect(*, connection: ProjectConnection, reason: str) -> None:
    """Deactivate a connection LinkedIn no longer reports (reconciliation). Idempotent."""
    now = timezone.now()
    ProjectConnection.objects.filter(pk=connection.pk, active=True).update(
        active=False,
        state=ProjectConnection.State.DISCONNECTED,
        disconnected_at=now,
        changed_at=now,
        refusal_reason=reason[:300],
    )


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


def activity_delete_external_many(*, kind: str, external_ids: Sequence[str]) -> int:
    """Remove the activities of several withdrawn LinkedIn items. Idempotent; returns count."""
    if not external_ids:
        return 0
    deleted, _ = Activity.objects.filter(kind=kind, external_id__in=list(external_ids)).delete()
    return deleted


# Fields a re-delivered LinkedIn item may change on its activity.
_EXTERNAL_FIELDS = (
    "subject",
    "body",
    "occurred_at",
    "data",
    "seat",
    "contract",
    "author",
    "person_urn",
)


def activity_upsert_external_many(*, kind: str, items: Sequence[dict[str, Any]]) -> tuple[int, int]:
    """Record many LinkedIn items (InMails, notes) as activities keyed by ``external_id``.

    Each item holds ``external_id`` and the activity's fields (``candidate`` or
    ``candidate_id``, subject, body, occurred_at, data, seat, contract, author, person_urn).
    Idempotent: an item already recorded is updated only where it changed, never duplicated;
    an activity already attached to a candidate keeps its candidate. Returns
    ``(created, updated)``. Batched (a few queries per call): one window can carry thousands.
    """
    if kind not in Activity.Kind.values:
        raise ValidationError({"kind": f"“{kind}” is not an activity kind."})
    by_id: dict[str, dict[str, Any]] = {}
    for item in items:
        external_id = str(item.get("external_id") or "").strip()
        if not external_id:
            raise ValidationError({"external_id": "Every LinkedIn item needs its id."})
        by_id[external_id] = item
    if not by_id:
        return 0, 0
    existing = {
        activity.external_id: activity
        for activity in Activity.objects.filter(kind=kind, external_id__in=list(by_id))
    }
    new: list[Activity] = []
    changed: list[Activity] = []
    for external_id, item in by_id.items():
        values = {
            "subject": str(item.get("subject", ""))[:300],
            "body": item.get("body", ""),
            "occurred_at": item.get("occurred_at") or timezone.now(),
            "data": item.get("data") or {},
            "seat": item.get("seat"),
            "contract": item.get("contract"),
            "author": _user(item.get("author")),
            "person_urn": item.get("person_urn", ""),
        }
        candidate = item.get("candidate")
        candidate_id = candidate.pk if candidate is not None else item.get("candidate_id")
        activity = existing.get(external_id)
        if activity is None:
            new.append(
                Activity(kind=kind, external_id=external_id, candidate_id=candidate_id, **values)
            )
            continue
        dirty = False
        for name, value in values.items():
            current = getattr(
                activity, f"{name}_id" if name in ("seat", "contract", "author") else name
            )
            wanted = value.pk if name in ("seat", "contract", "author") and value else value
            if current != wanted:
                setattr(activity, name, value)
                dirty = True
        if activity.candidate_id is None and candidate_id is not None:
            activity.candidate_id = candidate_id
            dirty = True
        if dirty:
            changed.append(activity)
    with transaction.atomic():
        # A concurrent run may have created some meanwhile: those are skipped, not doubled.
        Activity.objects.bulk_create(new, batch_size=500, ignore_conflicts=True)
        if changed:
            Activity.objects.bulk_update(changed, [*_EXTERNAL_FIELDS, "candidate"], batch_size=500)
    return len(new), len(changed)


# --- Hiring Assistant evaluations (docs/architecture.md §4.10) ----------------------------------


def _evaluation_body(
    *,
    rank_label: str,
    summary: str,
    qualifications: Sequence[dict[str, Any]],
    basis: str,
    linked: bool,
) -> str:
    lines = [f"Rank: {rank_label}", "", summary.strip()]
    if qualifications:
        met = sum(1 for q in qualifications if q.get("met"))
        required = [q for q in qualifications if q.get("required")]
        required_met = sum(1 for q in required if q.get("met"))
        lines += [
            "",
            f"Qualifications met: {met} of {len(qualifications)}"
            + (f" (required: {required_met} of {len(required)})" if required else ""),
        ]
        for item in qualifications:
            mark = "✓" if item.get("met") else "✗"
            label = str(item.get("name") or "").strip() or "(unnamed)"
            lines.append(f"{mark} {label}" + (" (required)" if item.get("required") else ""))
    lines.append("")
    if basis == Placement.Basis.RESUME_ONLY:
        lines.append(
            "Evaluated on the resume only: this candidate is not linked to a LinkedIn profile."
            if not linked
            else "Evaluated on the resume only."
        )
    else:
        lines.append("Evaluated on the resume and the LinkedIn profile.")
    return "\n".join(lines).strip()


def placement_record_evaluation(
    *,
    placement: Placement,
    request_id: str,
    rank: str,
    basis: str,
    summary: str,
    qualifications: Sequence[dict[str, Any]],
    evaluated_at: datetime,
    hiring_project: str = "",
    person_urn: str = "",
    linked: bool = False,
) -> tuple[Activity, bool]:
    """Store a Hiring Assistant evaluation: the placement's rank and an evaluation summary.

    Idempotent on ``request_id`` (the summary activity's external id). Every evaluation adds
    its own summary (history stays); the placement's rank, basis and time follow the most
    recent evaluation, so a late re-delivery of an older one never moves the rank back.
    Returns ``(activity, rank_moved)``. Sends no domain signal: the rank came from LinkedIn.
    """
    if rank not in Placement.Rank.values:
        raise ValidationError({"rank": f"“{rank}” is not a Hiring Assistant rank."})
    if basis not in Placement.Basis.values:
        raise ValidationError({"basis": f"“{basis}” is not an evaluation basis."})
    with transaction.atomic():
        placement = (
            Placement.objects.select_for_update()
            .select_related("candidate", "requisition")
            .get(pk=placement.pk)
        )
        moved = False
        if placement.evaluated_at is None or evaluated_at >= placement.evaluated_at:
            moved = placement.rank != rank
            placement.rank = rank
            placement.evaluation_basis = basis
            placement.evaluated_at = evaluated_at
            placement.save(update_fields=["rank", "evaluation_basis", "evaluated_at"])
        label = Placement.Rank(rank).label
        activity, _ = activity_record(
            kind=Activity.Kind.EVALUATION_SUMMARY,
            placement=placement,
            subject=f"Hiring Assistant evaluation: {label}",
            body=_evaluation_body(
                rank_label=label,
                summary=summary,
                qualifications=qualifications,
                basis=basis,
                linked=linked,
            ),
            occurred_at=evaluated_at,
            external_id=request_id,
            data={
                "request_id": request_id,
                "rank": rank,
                "rank_label": label,
                "basis": basis,
                "summary": summary,
                "qualifications": list(qualifications),
                "hiring_project": hiring_project,
                "member": person_urn or None,
                "evaluated_at": evaluated_at.isoformat(),
            },
            person_urn=person_urn,
        )
    return activity, moved


@receiver(candidates_linked, dispatch_uid="requisitions.attach_member_activities")
def attach_member_activities(sender: Any, links: list[MemberLink], **_: Any) -> None:
    """InMails and notes that arrived before the member was linked attach to the candidate."""
    if len(links) == 1:
        Activity.objects.filter(candidate__isnull=True, person_urn=links[0].person_urn).update(
            candidate=links[0].candidate
        )
        return
    by_member = {link.person_urn: link.candidate for link in links}
    waiting = set(
        Activity.objects.filter(candidate__isnull=True, person_urn__in=list(by_member))
        .values_list("person_urn", flat=True)
        .distinct()
    )
    for person_urn in waiting:  # rare: one update per member something waited for
        Activity.objects.filter(candidate__isnull=True, person_urn=person_urn).update(
            candidate=by_member[person_urn]
        )


def _link_activity_values(link: MemberLink) -> dict[str, Any]:
    return {
        "kind": Activity.Kind.LINK,
        "candidate": link.candidate,
        "subject": (f"Linked to LinkedIn member {link.person_urn} ({link.get_method_display()})")[
            :300
        ],
        "body": link.reason,
        "occurred_at": link.linked_at,
        "external_id": f"link:{link.pk}",
        "data": {"method": link.method, "matched_on": link.matched_on, "score": link.score},
        "author": _user(link.linked_by),
    }


@receiver(candidates_linked, dispatch_uid="requisitions.record_link")
def record_link(sender: Any, links: list[MemberLink], **_: Any) -> None:
    """A member link made — by a sync's match, an export, a stub import or a person — is a
    sync event on the candidate's timeline, with the reason the match was taken.

    A batch of new links is one INSERT; a link whose event exists already (a link sent again)
    updates it, as ``activity_record`` does.
    """
    values = [_link_activity_values(link) for link in links]
    existing = set(
        Activity.objects.filter(
            kind=Activity.Kind.LINK, external_id__in=[v["external_id"] for v in values]
        ).values_list("external_id", flat=True)
    )
    fresh = [Activity(**v) for v in values if v["external_id"] not in existing]
    if fresh:
        try:
            with transaction.atomic():
                Activity.objects.bulk_create(fresh)
        except IntegrityError:  # a concurrent writer recorded one: record them one by one
            fresh = []
    recorded = {activity.external_id for activity in fresh}
    for v in values:
        if v["external_id"] not in recorded:
            activity_record(**v)


@receiver(candidate_unlinked, dispatch_uid="requisitions.record_unlink")
def record_unlink(sender: Any, candidate: Candidate, link: MemberLink, **_: Any) -> None:
    """A member link ended (by a person, or replaced by another match) is a sync event too."""
    activity_record(
        kind=Activity.Kind.LINK,
        candidate=candidate,
        subject=f"Unlinked from LinkedIn member {link.person_urn}",
        body=link.unlink_reason,
        occurred_at=link.unlinked_at,
        external_id=f"unlink:{link.pk}",
        data={"method": link.method},
        author=link.unlinked_by,
    )
