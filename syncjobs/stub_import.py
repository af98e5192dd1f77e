"""InMail stub profiles (docs/architecture.md §4.7): members who shared their details after an
InMail.

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
- a stub whose data Tracker cannot store (ValidationError, DataError: the same stub would fail
  every time) is **held**, not lost: its element, in LinkedIn's shape, is kept as a
  ``HeldRecord`` with the reason (committed before the window goes on), counted as failed, and
  the window goes on, so one bad record never blocks the stream. An admin retries it from the
  admin once the cause is fixed (``stub_held_retry``: a Quick Skills or data fix, a code fix)
  or dismisses it; the dashboard counts the open ones. Reading the window again (after a failed
  window) updates the held row, never adds a second one;
- anything else is not the stub's fault: a LinkedIn failure (after the adapter's own retries),
  an unreadable page, an unavailable or locked database (also while holding a stub) fails the
  run with the error and leaves the watermark where it was, so the next run retries the window;
- the watermark moves to the window's end only when every stub of the window was stored, skipped
  or held, in the same transaction that marks the run succeeded;
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
from django.db.models import F
from django.dispatch import receiver
from django.utils import timezone

from candidates import normalize
from candidates.models import Candidate, MemberLink
from candidates.signals import candidate_deleted
from requisitions import services as requisition_services
from requisitions.models import Activity
from syncjobs.models import HeldRecord, SyncRun
from syncjobs.profile_intake import identity_locks_acquire, profile_apply, profile_tombstone
from syncjobs.runs import (
    sync_run_error,
    sync_run_finish,
    sync_run_progress,
    sync_run_start,
    sync_runner,
)
from tracker_rsc.linkedin import (
    LinkedInAPI,
    MailStub,
    PayloadError,
    Unreadable,
    datetime_to_ms,
    get_client,
)
from tracker_rsc.models import Contract, Integration, LinkedInSeat

logger = logging.getLogger(__name__)

FIRST_RUN_LOOKBACK = timedelta(days=30)
# LinkedIn may make a stub visible a little after its createdAt; a window that ends a few
# minutes in the past cannot move the watermark over a stub that is not listed yet.
SAFETY_LAG = timedelta(minutes=5)
# Counters are written to the run every this many stubs (one UPDATE), so the admin's progress
# moves during a long window without a write per stub.
PROGRESS_EVERY = 50

# A held stub named on the run's error, at most this many (the rest are in the admin list).
HELD_NAMED_ON_RUN = 10

CREATED = "created"
UPDATED = "updated"
SKIP_ERASED = "erased"
SKIP_ALREADY_IMPORTED = "already_imported"
STILL_HELD = "held"

# What one stub's data can raise and raise again on every try: the stub is held, the window
# goes on. Everything else (an unreachable or locked database, a LinkedIn error) fails the
# window, which is then read again from the same watermark.
UNSTORABLE = (ValidationError, DataError)


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


def stub_payload(stub: MailStub) -> dict[str, Any]:
    """The stub as a ``mailStubs`` element (docs/architecture.md §5.1): what ``MailStub.from_json``
    reads.

    Pure. Every field Tracker reads is kept, so a held stub parses again to the same stub.
    """
    profile = stub.profile
    element: dict[str, Any] = {
        "id": stub.id,
        "contract": stub.contract_urn,
        "owner": stub.owner_seat_urn,
        "createdAt": datetime_to_ms(stub.created_at),
        "member": profile.person_urn,
        "profileUrl": profile.profile_url,
        "firstName": profile.first_name,
        "lastName": profile.last_name,
        "emailAddresses": list(profile.emails),
        "phoneNumbers": [{"number": number} for number in profile.phones],
        "headline": profile.headline,
        "location": profile.location,
        "currentEmployerNames": list(profile.current_employer_names),
        "skills": list(profile.skills),
        "positions": list(profile.positions),
        "educations": list(profile.educations),
    }
    if profile.years_of_experience is not None:
        element["yearsOfExperience"] = profile.years_of_experience
    return element


def unstorable_reason(exc: Exception) -> str:
    """A one-line reason an admin can act on, naming the fields a ValidationError names."""
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            return "; ".join(
                f"{field}: {' '.join(messages)}" for field, messages in exc.message_dict.items()
            )
        return " ".join(exc.messages)
    if isinstance(exc, PayloadError):
        return f"LinkedIn sent a stub profile Tracker cannot read: {exc}"
    return f"{type(exc).__name__}: {exc}"


def stub_hold(
    *, stub: MailStub | Unreadable, contract: Contract, run: SyncRun | None, reason: str
) -> HeldRecord:
    """Keep a stub Tracker could not store, with the reason (one transaction). Idempotent.

    The first failure creates the ``HeldRecord``; a later one (the window read again) updates
    it: attempts, reason, last failure and LinkedIn's latest element. A record an admin already
    resolved (dismissed) stays resolved. Database errors propagate: the caller's window fails.
    """
    now = timezone.now()
    # An element the adapter could not read is kept as LinkedIn sent it.
    payload = stub.element if isinstance(stub, Unreadable) else stub_payload(stub)
    with transaction.atomic(durable=True):
        record, created = HeldRecord.objects.get_or_create(
            kind=HeldRecord.Kind.STUB_PROFILE,
            external_id=stub.id,
            defaults={
                "contract": contract,
                "payload": payload,
                "reason": reason,
                "first_failed_at": now,
                "last_failed_at": now,
                "last_run": run,
            },
        )
        if not created:
            HeldRecord.objects.filter(pk=record.pk).update(
                contract=contract,
                payload=payload,
                reason=reason,
                attempts=F("attempts") + 1,
                last_failed_at=now,
                last_run=run,
            )
            record.refresh_from_db()
    return record


def _held_stub_keys(payload: object) -> tuple[str, str, set[str]]:
    """(member URN, profile key, email keys) of a held element, whatever shape it has."""
    if not isinstance(payload, dict):
        return "", "", set()
    member = payload.get("member")
    url = payload.get("profileUrl")
    emails = payload.get("emailAddresses")
    return (
        member if isinstance(member, str) else "",
        normalize.profile_slug(url) if isinstance(url, str) else "",
        {
            key
            for email in (emails if isinstance(emails, list) else [])
            if isinstance(email, str) and (key := normalize.normalize_email(email))
        },
    )


@receiver(candidate_deleted, dispatch_uid="syncjobs.held_stubs_of_erased")
def held_stubs_erase(
    sender: Any, candidate_id: int, snapshot: dict[str, Any], erased: bool = False, **_: Any
) -> None:
    """An erasure deletes the held stubs about that person (by member, profile URL or email):
    they hold the personal data the erasure removes. A plain deletion keeps them."""
    if not erased:
        return
    members = {snapshot.get("person_urn"), snapshot.get("erased_person_urn")} - {None, ""}
    profile_key, email_key = snapshot.get("profile_key") or "", snapshot.get("email_key") or ""
    doomed = []
    for pk, payload in HeldRecord.objects.filter(kind=HeldRecord.Kind.STUB_PROFILE).values_list(
        "pk", "payload"
    ):
        member, profile, emails = _held_stub_keys(payload)
        if (
            (member and member in members)
            or (profile_key and profile == profile_key)
            or (email_key and email_key in emails)
        ):
            doomed.append(pk)
    if doomed:
        HeldRecord.objects.filter(pk__in=doomed).delete()
        logger.info("erasure of candidate %s deleted %d held stub(s)", candidate_id, len(doomed))


class HeldRecordNotOpen(Exception):
    """The held record is resolved already, or is not a stub profile: nothing to retry."""


def _still_held(record: HeldRecord, reason: str) -> str:
    HeldRecord.objects.filter(pk=record.pk).update(
        reason=reason, attempts=F("attempts") + 1, last_failed_at=timezone.now()
    )
    record.refresh_from_db()
    return STILL_HELD


def stub_held_retry(*, record: HeldRecord, actor: Any = None) -> str:
    """Take a held stub into Tracker again, from its kept element (after the cause was fixed).

    Returns ``created``, ``updated``, ``erased`` or ``already_imported``, and the record is
    resolved (by ``actor``, with the candidate it went to); or ``held`` when it still cannot
    be stored: the new reason and attempt are recorded and it stays open. Safe to run twice:
    a stub stored meanwhile is ``already_imported``. Raises HeldRecordNotOpen for a resolved
    record or another kind; database errors propagate with nothing recorded.
    """
    if record.kind != HeldRecord.Kind.STUB_PROFILE or record.resolved_at is not None:
        raise HeldRecordNotOpen(f"{record} is not an open held stub profile.")
    try:
        stub = MailStub.from_json(record.payload, path="held mailStubs")
    except PayloadError as exc:
        return _still_held(record, f"The kept element cannot be read: {exc}")
    contract = record.contract or Contract.objects.filter(urn=stub.contract_urn).first()
    if contract is None:
        return _still_held(record, f"The contract {stub.contract_urn} is not in Tracker.")
    seats = {
        seat.seat_urn: seat
        for seat in LinkedInSeat.objects.filter(contract=contract).select_related("user")
    }
    try:
        outcome, _ = stub_intake(stub=stub, contract=contract, seats=seats)
    except UNSTORABLE as exc:
        logger.warning("held stub %s still cannot be stored", stub.id, exc_info=True)
        return _still_held(record, unstorable_reason(exc))
    candidate_id = (
        Activity.objects.filter(kind=Activity.Kind.STUB_PROFILE, external_id=stub.id)
        .values_list("candidate_id", flat=True)
        .first()
    )
    resolution = {
        CREATED: f"Stored on retry: created candidate {candidate_id}.",
        UPDATED: f"Stored on retry: updated candidate {candidate_id}.",
        SKIP_ALREADY_IMPORTED: f"Already imported (candidate {candidate_id}).",
        SKIP_ERASED: "Not imported: the person was erased (tombstone).",
    }[outcome]
    by = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    # Conditional: a second retry that raced this one leaves the first resolution.
    HeldRecord.objects.filter(pk=record.pk, resolved_at__isnull=True).update(
        resolved_at=timezone.now(),
        resolved_by=by,
        resolution=resolution,
        candidate_id=candidate_id,
    )
    record.refresh_from_db()
    return outcome


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
    client: LinkedInAPI | None = None,
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
    held = 0
    held_named: list[str] = []
    try:
        stubs = client.iter_mail_stubs(contract.urn, start, end, tolerate_malformed=True)
        for stub in stubs:
            counts["total"] += 1
            try:
                if isinstance(stub, Unreadable):
                    raise PayloadError(stub.error)
                outcome, linked = stub_intake(stub=stub, contract=contract, seats=seats)
            except (*UNSTORABLE, PayloadError) as exc:
                # Kept for an admin to retry, committed before the window goes on: the
                # watermark may then move past it. A failure to keep it fails the window.
                logger.warning("stub %s could not be imported: held", stub.id, exc_info=True)
                reason = unstorable_reason(exc)
                stub_hold(stub=stub, contract=contract, run=run, reason=reason)
                held += 1
                if len(held_named) < HELD_NAMED_ON_RUN:
                    held_named.append(stub.id)
                counts["failed"] += 1
                sync_run_error(run, f"stub {stub.id} held for an admin to retry: {reason}")
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
    note = ""
    if held:
        named = ", ".join(held_named) + (" …" if held > len(held_named) else "")
        note = (
            f"{held} stub(s) Tracker could not store are held for an admin to retry "
            f"(Held LinkedIn records): {named}"
        )
    with transaction.atomic():
        Contract.objects.filter(pk=contract.pk).update(stub_watermark=end)
        sync_run_finish(run, status=SyncRun.Status.SUCCEEDED, error=note)
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
