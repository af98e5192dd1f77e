"""Seat sync (docs/architecture.md §3, §5.1 ``seatsV2``): LinkedIn's Recruiter licenses into
``LinkedInSeat``.

Once at enabling and then daily (beat ``seat-sync-daily``), each active contract is one
``seat_sync`` SyncRun that pages through the contract's seats:

- a seat is created or updated by its URN (product, role, permissions, Hiring Assistant,
  names, person, contract, active); ``last_seen_at`` records the sync that saw it. The user an
  admin mapped it to is never touched: mapping happens in the admin, helped by the suggestion
  of a user with the same name;
- a seat LinkedIn lists with a product or role combination Tracker refuses (Sales Navigator,
  a Hiring Assistant on a role that may not hold one) is a run error naming the rule; an
  existing seat of that URN is left as it was;
- a seat of the contract that LinkedIn no longer lists is deactivated (``active=False``,
  ``deactivated_at``), never deleted: its activities, exports and project ownerships keep
  pointing at it. A seat that comes back is active again.

A LinkedIn failure (after the adapter's retries) fails the contract's run before anything is
deactivated, so a half-read list never deactivates seats that still exist.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from syncjobs.models import SyncRun
from syncjobs.runs import (
    sync_run_error,
    sync_run_finish,
    sync_run_progress,
    sync_run_start,
    sync_runner,
)
from tracker_rsc.linkedin import LinkedInAPI, Seat, get_client
from tracker_rsc.models import Contract, Integration, LinkedInSeat
from tracker_rsc.services import seat_access_changed

logger = logging.getLogger(__name__)

PRODUCTS = {
    "RECRUITER_PROFESSIONAL_SERVICES": LinkedInSeat.Product.RPS,
    "RPS": LinkedInSeat.Product.RPS,
    "RECRUITER": LinkedInSeat.Product.RECRUITER,
    "RPS_PLUS": LinkedInSeat.Product.RPS_PLUS,
}
ROLES = {
    "RECRUITER_USER": LinkedInSeat.Role.RECRUITER_USER,
    "RECRUITER_ADMIN": LinkedInSeat.Role.RECRUITER_ADMIN,
    "CUSTOM": LinkedInSeat.Role.CUSTOM,
}


def seat_values(seat: Seat, *, contract: Contract) -> dict[str, Any]:
    """The LinkedInSeat fields for a ``seatsV2`` element; ValidationError for what Tracker
    refuses (unsupported products and roles, the Hiring Assistant role rule)."""
    product = PRODUCTS.get(seat.product)
    if product is None:
        raise ValidationError(
            f"seat {seat.seat_urn}: product {seat.product}: "
            + LinkedInSeat.UNSUPPORTED_PRODUCT_MESSAGE
        )
    role = ROLES.get(seat.role)
    if role is None:
        raise ValidationError(f"seat {seat.seat_urn}: unknown role {seat.role}.")
    values = {
        "contract": contract,
        "person_urn": seat.person_urn,
        "first_name": seat.first_name[:100],
        "last_name": seat.last_name[:100],
        "product": product,
        "role": role,
        "hiring_project_creator": "HIRING_PROJECT_CREATOR" in seat.permissions,
        "recruiter_searcher": "RECRUITER_SEARCHER" in seat.permissions,
        "hiring_assistant": seat.hiring_assistant,
        "active": seat.active,
    }
    if seat.hiring_assistant and not (
        role in (LinkedInSeat.Role.RECRUITER_USER, LinkedInSeat.Role.RECRUITER_ADMIN)
        or (values["hiring_project_creator"] and values["recruiter_searcher"])
    ):
        raise ValidationError(
            f"seat {seat.seat_urn}: " + LinkedInSeat.HIRING_ASSISTANT_ROLE_MESSAGE
        )
    return values


def seat_store(*, seat: Seat, contract: Contract, seen_at: Any) -> str:
    """Create or update one seat by URN; returns "created", "updated" or "unchanged"."""
    values = seat_values(seat, contract=contract)
    with transaction.atomic():
        existing = LinkedInSeat.objects.select_for_update().filter(seat_urn=seat.seat_urn).first()
        if existing is None:
            LinkedInSeat.objects.create(
                seat_urn=seat.seat_urn,
                last_seen_at=seen_at,
                deactivated_at=None if seat.active else seen_at,
                **values,
            )
            return "created"
        changed = [name for name, value in values.items() if getattr(existing, name) != value]
        for name in changed:
            setattr(existing, name, values[name])
        if "active" in changed:
            existing.deactivated_at = None if seat.active else seen_at
            changed.append("deactivated_at")
        existing.last_seen_at = seen_at
        existing.save(update_fields=[*changed, "last_seen_at"])
        if {"person_urn", "active"} & set(changed):
            seat_access_changed(user_ids=[existing.user_id])
        return "updated" if changed else "unchanged"


def seat_sync_contract(
    *, contract: Contract, actor: Any = None, client: LinkedInAPI | None = None
) -> SyncRun | None:
    """Pull the contract's seats as one run. None when another seat sync of it is running."""
    run, _ = sync_run_start(kind=SyncRun.Kind.SEAT_SYNC, contract=contract, actor=actor)
    if run is None:
        logger.warning("seat sync for %s skipped: another run is in progress", contract)
        return None
    client = client or get_client()
    seen_at = timezone.now()
    seen: set[str] = set()
    counts = {"created": 0, "updated": 0, "unchanged": 0, "failed": 0}
    try:
        for seat in client.iter_seats(contract.urn):
            try:
                outcome = seat_store(seat=seat, contract=contract, seen_at=seen_at)
            except (ValidationError, IntegrityError) as exc:
                # A seat Tracker refuses (now Sales Navigator, say) is not counted as seen: a
                # stored one is deactivated below instead of keeping its old license's access.
                counts["failed"] += 1
                message = exc.messages[0] if isinstance(exc, ValidationError) else str(exc)
                sync_run_error(run, message)
                continue
            seen.add(seat.seat_urn)
            counts[outcome] += 1
    except Exception as exc:
        logger.warning("seat sync for %s failed", contract, exc_info=True)
        message = f"{type(exc).__name__}: {exc}"
        sync_run_error(run, message)
        sync_run_finish(
            run,
            status=SyncRun.Status.FAILED,
            error=f"Reading the seats failed; no seat was deactivated: {message}",
        )
        return run
    vanished = LinkedInSeat.objects.filter(contract=contract, active=True).exclude(
        seat_urn__in=seen
    )
    with transaction.atomic():
        users = list(vanished.select_for_update().values_list("user_id", flat=True))
        deactivated = vanished.update(active=False, deactivated_at=seen_at)
        seat_access_changed(user_ids=users)
    sync_run_progress(
        run,
        total=len(seen),
        processed=counts["created"] + counts["updated"] + counts["unchanged"],
        created=counts["created"],
        updated=counts["updated"],
        failed=counts["failed"],
        counters={"unchanged": counts["unchanged"], "deactivated": deactivated},
    )
    sync_run_finish(run, status=SyncRun.Status.SUCCEEDED)
    return run


@sync_runner("seat_sync", help="Pull every active contract's LinkedIn seats (daily in beat).")
def seat_sync_runs(*, actor: Any = None, client: LinkedInAPI | None = None) -> list[SyncRun]:
    """One run per active contract; [] when the integration is not enabled."""
    if not Integration.get().is_enabled:
        logger.info("seat sync: the integration is not enabled")
        return []
    client = client or get_client()
    runs = []
    for contract in Contract.objects.filter(active=True):
        run = seat_sync_contract(contract=contract, actor=actor, client=client)
        if run is not None:
            runs.append(run)
    return runs


@shared_task(name="syncjobs.tasks.seat_sync")
def seat_sync() -> dict[str, int]:
    """Daily: pull the seats of every active contract."""
    runs = seat_sync_runs()
    return {
        "runs": len(runs),
        "failed": sum(1 for run in runs if run.status == SyncRun.Status.FAILED),
    }
