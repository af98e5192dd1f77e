"""InMail stub profiles (DESIGN §4.7): members who shared their details after an InMail.

Hourly (beat: ``syncjobs.tasks.stub_import_all``), while the integration is enabled and
``Integration.stub_profiles_enabled`` is on, each active contract with contract-level access is
imported as one ``stub_import`` SyncRun over the window ``[watermark, now - SAFETY_LAG)``:

- the first window starts ``FIRST_RUN_LOOKBACK`` before the integration was enabled (members
  who replied to InMails just before enabling are still of interest; LinkedIn keeps stubs far
  longer than that);
- every stub goes through the same duplicate check as Export to ATS and updates or creates a
  candidate (source stub_profile, member link method stub) with a ``stub_profile`` activity
  whose external id is the stub id: a stub already imported is skipped (``already_imported``),
  so re-running a window never duplicates anything nor overwrites later edits with old data;
- an erased person (tombstone) is skipped and counted (``erased``), never re-created;
- one stub whose data Tracker cannot store is counted as failed with its error and the window
  goes on; a LinkedIn failure (after the adapter's own retries) or an unreadable page fails the run
  with the error and leaves the watermark where it was, so the next run retries the window;
- the watermark moves to the window's end only when the whole window succeeded, in the same
  transaction that marks the run succeeded;
- an overlapping run of the same contract cannot start (``sync_run_start`` returns None): it
  is skipped and logged.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from celery import shared_task
from django.core.exceptions import ValidationError
from django.db import DataError, transaction
from django.utils import timezone

from candidates.models import Candidate, MemberLink
from requisitions import services as requisition_services
from requisitions.models import Activity
from syncjobs.models import SyncRun
from syncjobs.profile_intake import identity_locks_acquire, profile_apply, profile_tombstone
from syncjobs.runs import (
    sync_run_error,
    sync_run_finish,
    sync_run_progress,
    sync_run_start,
    sync_runner,
)
from tracker_rsc.linkedin import LinkedInClient, MailStub, get_client
from tracker_rsc.models import Contract, Integration, LinkedInSeat

logger = logging.getLogger(__name__)

FIRST_RUN_LOOKBACK = timedelta(days=30)
# LinkedIn may make a stub visible a little after its createdAt; a window that ends a few
# minutes in the past cannot move the watermark over a stub that is not listed yet.
SAFETY_LAG = timedelta(minutes=5)
# Counters are written to the run every this many stubs (one UPDATE), so the admin's progress
# moves during a long window without a write per stub.
PROGRESS_EVERY = 50

CREATED = "created"
UPDATED = "updated"
SKIP_ERASED = "erased"
SKIP_ALREADY_IMPORTED = "already_imported"


def stub_window(
    *, contract: Contract, integration: Integration, now: datetime
) -> tuple[datetime, datetime] | None:
    """The next window to import for the contract, or None when there is nothing to ask for."""
    if contract.stub_watermark is not None:
        start = contract.stub_watermark
    elif integration.enabled_at is not None:
        start = integration.enabled_at - FIRST_RUN_LOOKBACK
    else:
        return None
    end = now - SAFETY_LAG
    if end <= start:
        return None
    return start, end


def stub_intake(
    *, stub: MailStub, contract: Contract, seats: dict[str, LinkedInSeat]
) -> tuple[str, bool]:
    """Take one stub into Tracker (one transaction). Returns ``(outcome, newly_linked)``.

    ``outcome`` is created, updated, erased or already_imported. Raises ValidationError (or a
    database error) for a stub Tracker cannot store; nothing of it is then written.
    """
    profile = stub.profile
    seat = seats.get(stub.owner_seat_urn)
    actor = seat.user if seat is not None else None
    with transaction.atomic(durable=True):
        if Activity.objects.filter(kind=Activity.Kind.STUB_PROFILE, external_id=stub.id).exists():
            return SKIP_ALREADY_IMPORTED, False
        if profile_tombstone(profile) is not None:
            return SKIP_ERASED, False
        identity_locks_acquire(profile)
        intake = profile_apply(
            profile=profile,
            source=Candidate.Source.STUB_PROFILE,
            link_method=MemberLink.Method.STUB,
            actor=actor,
        )
        owner = (seat.full_name or seat.seat_urn) if seat else stub.owner_seat_urn
        lines = [f"{profile.first_name} {profile.last_name} shared their details after an InMail."]
        if intake.created:
            lines.append("No existing candidate matched: a new candidate was created.")
        else:
            lines.append(
                f"Matched an existing candidate on {intake.decision.rule}; updated "
                + (", ".join(intake.changed_fields) or "nothing")
                + "."
            )
        if intake.possible_duplicate_of is not None:
            lines.append(
                f"Flagged as a possible duplicate of candidate {intake.possible_duplicate_of.pk}."
            )
        if intake.link_conflict:
            lines.append(f"Not linked to the LinkedIn member: {intake.link_conflict}")
        requisition_services.activity_record(
            kind=Activity.Kind.STUB_PROFILE,
            candidate=intake.candidate,
            subject=f"InMail stub profile shared with {owner}",
            body="\n".join(lines),
            occurred_at=stub.created_at,
            external_id=stub.id,
            data={
                **intake.summary(),
                "stub_id": stub.id,
                "owner_seat_urn": stub.owner_seat_urn,
                "contract_urn": stub.contract_urn,
            },
            author=actor,
            seat=seat,
            contract=contract,
            person_urn=profile.person_urn,
        )
    return (CREATED if intake.created else UPDATED), intake.newly_linked


def _flush(run: SyncRun, counts: Counter) -> None:
    if not counts:
        return
    sync_run_progress(
        run,
        skipped={
            reason: counts[reason]
            for reason in (SKIP_ERASED, SKIP_ALREADY_IMPORTED)
            if counts[reason]
        },
        total=counts["total"],
        processed=counts["processed"],
        created=counts[CREATED],
        updated=counts[UPDATED],
        linked=counts["linked"],
        failed=counts["failed"],
    )
    counts.clear()


def stub_import_contract(
    *,
    contract: Contract,
    actor: Any = None,
    now: datetime | None = None,
    client: LinkedInClient | None = None,
) -> SyncRun | None:
    """Import the contract's next window of stubs as one run. None when skipped.

    Skipped (None, logged) when another stub import of this contract is running, or when there
    is no window yet (integration never enabled, or the window is empty).
    """
    integration = Integration.get()
    window = stub_window(contract=contract, integration=integration, now=now or timezone.now())
    if window is None:
        logger.info("stub import for %s: no window to import yet", contract)
        return None
    start, end = window
    run, _ = sync_run_start(
        kind=SyncRun.Kind.STUB_IMPORT,
        contract=contract,
        window_start=start,
        window_end=end,
        actor=actor,
    )
    if run is None:
        logger.warning("stub import for %s skipped: another run is in progress", contract)
        return None
    client = client or get_client()
    seats = {
        seat.seat_urn: seat
        for seat in LinkedInSeat.objects.filter(contract=contract).select_related("user")
    }
    counts: Counter = Counter()
    try:
        for stub in client.iter_mail_stubs(contract.urn, start, end):
            counts["total"] += 1
            try:
                outcome, linked = stub_intake(stub=stub, contract=contract, seats=seats)
            except (ValidationError, DataError) as exc:
                # Data Tracker cannot store must not block the window forever; anything else
                # (a locked or unreachable database) fails the window, which is then retried.
                logger.warning("stub %s could not be imported", stub.id, exc_info=True)
                counts["failed"] += 1
                sync_run_error(run, f"stub {stub.id}: {type(exc).__name__}: {exc}")
            else:
                counts[outcome] += 1
                if outcome in (CREATED, UPDATED):
                    counts["processed"] += 1
                counts["linked"] += int(linked)
            if counts["total"] >= PROGRESS_EVERY:
                _flush(run, counts)
    except Exception as exc:
        # The adapter's errors (after its own retries) and unreadable pages: the window failed.
        _flush(run, counts)
        logger.warning("stub import for %s failed", contract, exc_info=True)
        message = f"{type(exc).__name__}: {exc}"
        sync_run_error(run, message)
        sync_run_finish(
            run,
            status=SyncRun.Status.FAILED,
            error=f"The window {start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC failed and "
            f"will be retried from the same watermark: {message}",
        )
        return run
    _flush(run, counts)
    with transaction.atomic():
        Contract.objects.filter(pk=contract.pk).update(stub_watermark=end)
        sync_run_finish(run, status=SyncRun.Status.SUCCEEDED)
    contract.stub_watermark = end
    return run


@sync_runner(
    "stub_import",
    help="Import InMail stub profiles of every contract-level contract (hourly in beat).",
)
def stub_import_runs(*, actor: Any = None, now: datetime | None = None) -> list[SyncRun]:
    """One run per active contract-level contract; [] when stub profiles are off."""
    integration = Integration.get()
    if not integration.is_enabled:
        logger.info("stub import: the integration is not enabled")
        return []
    if not integration.stub_profiles_enabled:
        logger.info("stub import: stub profiles are switched off")
        return []
    contracts = Contract.objects.filter(active=True, access_level=Contract.AccessLevel.CONTRACT)
    client = get_client()
    runs = []
    for contract in contracts:
        run = stub_import_contract(contract=contract, actor=actor, now=now, client=client)
        if run is not None:
            runs.append(run)
    return runs


@shared_task(name="syncjobs.tasks.stub_import_all")
def stub_import_all() -> dict[str, int]:
    """Hourly: import the stub profiles of every contract-level contract."""
    runs = stub_import_runs()
    return {
        "runs": len(runs),
        "failed": sum(1 for run in runs if run.status == SyncRun.Status.FAILED),
        "created": sum(run.created for run in runs),
        "updated": sum(run.updated for run in runs),
    }
