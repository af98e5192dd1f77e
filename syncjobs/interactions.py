"""InMails and Recruiter notes (docs/architecture.md §4.8): LinkedIn history becomes candidate
activities.

Every 30 minutes (beat: ``syncjobs.tasks.interaction_sync_all``), while the integration is
enabled, each active contract with contract-level access is synced as one ``inmail_sync`` and
one ``note_sync`` run. A run walks windows of at most 12 hours (LinkedIn's limit) from the
contract's watermark (``inmail_watermark`` / ``note_watermark``) towards ``now - SAFETY_LAG``:

- InMails are read per active seat of the contract (``conversationEvents`` with the seat as
  viewer), notes for all the contract's seats as owners (``prospectNotes``);
- each item becomes an activity (kind ``inmail`` / ``note``, external id = LinkedIn's id), on
  the candidate linked to the member, visible to everyone who can see the candidate —
  colleagues' InMails included (FAQ: no per-user opt-out; a user without a seat has nothing to
  sync). Re-running a window updates, never duplicates;
- a note LinkedIn reports inactive removes its activity;
- an item about a member linked to no candidate is stored with its ``person_urn`` and no
  candidate, and counted (``counters["unlinked_member"]``): it attaches to the candidate when
  the member is linked (``requisitions.services.attach_member_activities``);
- an item about an erased member (linked to no candidate, and the member URN matches an
  erasure tombstone) is not stored: it is counted as skipped (``skipped["erased"]``). LinkedIn
  keeps its Recruiter notes and InMails (RSC cannot delete them), so without this each run
  would bring the erased person back as activities. The tombstone's other hashes (email,
  profile URL) cannot match: InMails and notes carry only the member URN. Erasing a
  candidate also deletes the activities already waiting for that member
  (``erased_member_activities_delete``);
- the watermark moves to a window's end only after every seat's call of that window
  succeeded; a LinkedIn failure fails the run and leaves the watermark at that window's start,
  so the next run retries it;
- a run catches up: it walks window after window until it reaches now less ``SAFETY_LAG``
  (``counters["caught_up"]``), however far behind the watermark was (right after enabling,
  30 days). ``manage.py run_sync`` has no time budget; the periodic task gives each stream a
  share of a budget below the Celery soft time limit (``interaction_budget_seconds``), and a
  run that spends it stops after a whole window (``counters["budget_spent"]``, said in the
  log and the task's result): the next cycle continues from the watermark.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone

from candidates.models import ErasureTombstone, MemberLink, identifier_hash
from candidates.signals import candidate_deleted
from requisitions import services as requisition_services
from requisitions.models import Activity
from syncjobs.models import SyncRun
from syncjobs.runs import (
    sync_run_error,
    sync_run_finish,
    sync_run_progress,
    sync_run_start,
    sync_runner,
)
from tracker_rsc.linkedin import ConversationEvent, LinkedInAPI, ProspectNote, get_client
from tracker_rsc.linkedin.client import MAX_INTERACTION_WINDOW
from tracker_rsc.models import Contract, Integration, LinkedInSeat

logger = logging.getLogger(__name__)

# The first window starts this long before the integration was enabled: recent conversations
# are what recruiters look for on a candidate.
FIRST_RUN_LOOKBACK = timedelta(days=30)
# LinkedIn may list an item a little after its timestamp; a window ending a few minutes in the
# past cannot move the watermark over an item that is not listed yet.
SAFETY_LAG = timedelta(minutes=5)
# The share of the Celery soft time limit a periodic task spends walking windows; the rest is
# room for the window in flight when the budget runs out (one call per seat, each bounded by
# the client's timeout and retries) and for the limiter's waits.
TASK_BUDGET_SHARE = 0.6
# A run re-reads the clock after each window; a window shorter than this only holds what
# arrived while the run worked, and chasing it would never end.
MIN_CHASE = timedelta(minutes=1)
# Counters a run ends with: it reached now less SAFETY_LAG, or its time budget ran out first.
CAUGHT_UP = "caught_up"
BUDGET_SPENT = "budget_spent"
# Seats named in one prospectNotes call: keeps the query string short (seat URNs ~20 chars).
NOTE_OWNERS_PER_CALL = 50

INMAIL = SyncRun.Kind.INMAIL_SYNC
NOTE = SyncRun.Kind.NOTE_SYNC
# Why an item is not recorded (``SyncRun.skipped``): its member was erased from Tracker.
SKIP_ERASED = "erased"
_WATERMARK = {INMAIL: "inmail_watermark", NOTE: "note_watermark"}


def interaction_budget_seconds() -> float:
    """How long one periodic task may walk windows, for both streams together."""
    return max(30.0, settings.CELERY_TASK_SOFT_TIME_LIMIT * TASK_BUDGET_SHARE)


def interaction_window(
    *, watermark: datetime | None, integration: Integration, now: datetime
) -> tuple[datetime, datetime] | None:
    """The next window (at most 12 hours), or None when there is nothing to ask for yet."""
    if watermark is not None:
        start = watermark
    elif integration.enabled_at is not None:
        start = integration.enabled_at - FIRST_RUN_LOOKBACK
    else:
        return None
    end = min(start + MAX_INTERACTION_WINDOW, now - SAFETY_LAG)
    if end <= start:
        return None
    return start, end


def linked_candidates(person_urns: Iterable[str]) -> dict[str, int]:
    """Person URN → candidate id, for the members actively linked to a candidate."""
    urns = list(set(person_urns))
    if not urns:
        return {}
    return dict(
        MemberLink.objects.filter(person_urn__in=urns, unlinked_at__isnull=True).values_list(
            "person_urn", "candidate_id"
        )
    )


def erased_members(person_urns: Iterable[str]) -> set[str]:
    """The member URNs among these that match an erasure tombstone (one query)."""
    by_hash = {identifier_hash(urn): urn for urn in set(person_urns) if urn}
    if not by_hash:
        return set()
    found = ErasureTombstone.objects.filter(person_hash__in=list(by_hash)).values_list(
        "person_hash", flat=True
    )
    return {by_hash[value] for value in found}


@receiver(candidate_deleted, dispatch_uid="syncjobs.interactions.erased_member_activities")
def erased_member_activities_delete(
    sender: Any, candidate_id: int, snapshot: dict[str, Any], erased: bool = False, **_: Any
) -> int:
    """On erasure, delete the activities waiting for the erased member to be linked.

    InMails, notes and the like about a member linked to no candidate are kept with their
    ``person_urn`` only; the erased candidate's own activities went with the row. Runs in the
    erasure's transaction; a plain delete keeps them (the member may be linked again).
    Returns how many were deleted.
    """
    person_urn = snapshot.get("erased_person_urn", "")
    if not erased or not person_urn:
        return 0
    deleted, _ = Activity.objects.filter(candidate__isnull=True, person_urn=person_urn).delete()
    return deleted


def _seat_name(seat: LinkedInSeat) -> str:
    return seat.full_name or seat.seat_urn


def inmail_items(
    events: Sequence[ConversationEvent], *, seat: LinkedInSeat, contract: Contract
) -> list[dict[str, Any]]:
    links = linked_candidates(e.person_urn for e in events)
    items = []
    for event in events:
        outbound = event.direction == "OUTBOUND"
        default = f"InMail from {_seat_name(seat)}" if outbound else "InMail reply"
        items.append(
            {
                "external_id": event.id,
                "candidate_id": links.get(event.person_urn),
                "subject": event.subject or default,
                "body": event.body,
                "occurred_at": event.occurred_at,
                "data": {
                    "conversation": event.conversation,
                    "direction": event.direction,
                    "viewer_seat_urn": event.viewer_seat_urn,
                    "seat_name": _seat_name(seat),
                },
                "seat": seat,
                "contract": contract,
                "author": seat.user if outbound else None,
                "person_urn": event.person_urn,
            }
        )
    return items


def note_items(
    notes: Sequence[ProspectNote], *, seats: dict[str, LinkedInSeat], contract: Contract
) -> list[dict[str, Any]]:
    links = linked_candidates(n.person_urn for n in notes)
    items = []
    for note in notes:
        seat = seats.get(note.owner_seat_urn)
        owner = _seat_name(seat) if seat else note.owner_seat_urn
        items.append(
            {
                "external_id": note.id,
                "candidate_id": links.get(note.person_urn),
                "subject": f"Recruiter note by {owner}",
                "body": note.note,
                "occurred_at": note.last_modified_at,
                "data": {"owner_seat_urn": note.owner_seat_urn, "seat_name": owner},
                "seat": seat,
                "contract": contract,
                "author": seat.user if seat else None,
                "person_urn": note.person_urn,
            }
        )
    return items


def _record(kind: str, items: list[dict[str, Any]], counts: Counter) -> None:
    # A member linked to a candidate again (an admin imported the person anyway) is not
    # skipped: the items then belong to that candidate.
    erased = erased_members(item["person_urn"] for item in items if item["candidate_id"] is None)
    kept = [
        item
        for item in items
        if item["candidate_id"] is not None or item["person_urn"] not in erased
    ]
    counts["total"] += len(items)
    counts[SKIP_ERASED] += len(items) - len(kept)
    if not kept:
        return
    created, updated = requisition_services.activity_upsert_external_many(kind=kind, items=kept)
    counts["processed"] += len(kept)
    counts["created"] += created
    counts["updated"] += updated
    counts["unlinked_member"] += sum(1 for item in kept if item["candidate_id"] is None)


def _sync_inmail_window(
    client: LinkedInAPI,
    *,
    contract: Contract,
    seats: list[LinkedInSeat],
    start: datetime,
    end: datetime,
    counts: Counter,
) -> None:
    for seat in seats:
        events = list(client.iter_conversation_events(seat.seat_urn, start, end))
        if events:
            _record(
                Activity.Kind.INMAIL,
                inmail_items(events, seat=seat, contract=contract),
                counts,
            )


def _sync_note_window(
    client: LinkedInAPI,
    *,
    contract: Contract,
    seats: list[LinkedInSeat],
    start: datetime,
    end: datetime,
    counts: Counter,
) -> None:
    by_urn = {seat.seat_urn: seat for seat in seats}
    urns = list(by_urn)
    for index in range(0, len(urns), NOTE_OWNERS_PER_CALL):
        chunk = urns[index : index + NOTE_OWNERS_PER_CALL]
        notes = list(client.iter_prospect_notes(contract.urn, chunk, start, end))
        active = [note for note in notes if note.active]
        withdrawn = [note.id for note in notes if not note.active]
        if active:
            _record(Activity.Kind.NOTE, note_items(active, seats=by_urn, contract=contract), counts)
        if withdrawn:
            counts["total"] += len(withdrawn)
            counts["processed"] += len(withdrawn)
            counts["notes_removed"] += requisition_services.activity_delete_external_many(
                kind=Activity.Kind.NOTE, external_ids=withdrawn
            )


def _flush(run: SyncRun, counts: Counter) -> None:
    sync_run_progress(
        run,
        total=counts["total"],
        processed=counts["processed"],
        created=counts["created"],
        updated=counts["updated"],
        skipped={SKIP_ERASED: counts[SKIP_ERASED]} if counts[SKIP_ERASED] else None,
        counters={
            name: counts[name]
            for name in ("unlinked_member", "notes_removed", "windows", CAUGHT_UP, BUDGET_SPENT)
            if counts[name]
        },
    )
    counts.clear()


def interaction_sync_contract(
    *,
    kind: str,
    contract: Contract,
    actor: Any = None,
    now: datetime | None = None,
    client: LinkedInAPI | None = None,
    budget_seconds: float | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> SyncRun | None:
    """Sync the contract's InMails or notes as one run, window after window, until it reaches
    now less ``SAFETY_LAG``. None when skipped.

    ``now`` fixes the end (tests); by default it is read again after every window, so a long
    catch-up also takes in what arrived meanwhile. With ``budget_seconds`` the run stops after
    the first window that ends past the budget (``counters["budget_spent"]``); the next run
    continues from the watermark. Skipped (logged) when another run of the same kind and
    contract is active, when the contract has no active seat, or when there is no window yet.
    """
    if kind not in _WATERMARK:
        raise ValueError(f"kind must be {INMAIL} or {NOTE}, got {kind!r}")
    fixed_now = now

    def current_now() -> datetime:
        return fixed_now or timezone.now()

    integration = Integration.get()
    field = _WATERMARK[kind]
    window = interaction_window(
        watermark=getattr(contract, field), integration=integration, now=current_now()
    )
    if window is None:
        logger.info("%s for %s: no window to sync yet", kind, contract)
        return None
    seats = list(
        LinkedInSeat.objects.filter(contract=contract, active=True)
        .select_related("user")
        .order_by("seat_urn")
    )
    if not seats:
        logger.info("%s for %s: the contract has no active seat", kind, contract)
        return None
    run, _ = sync_run_start(kind=kind, contract=contract, window_start=window[0], actor=actor)
    if run is None:
        logger.warning("%s for %s skipped: another run is in progress", kind, contract)
        return None
    client = client or get_client()
    sync = _sync_inmail_window if kind == INMAIL else _sync_note_window
    counts: Counter = Counter()
    started = clock()
    while window is not None:
        start, end = window
        try:
            sync(client, contract=contract, seats=seats, start=start, end=end, counts=counts)
        except Exception as exc:
            # The adapter's errors (after its own retries), unreadable pages, a database
            # that refused a write: the window failed and is retried from the same watermark.
            logger.warning("%s for %s failed", kind, contract, exc_info=True)
            _flush(run, counts)
            message = f"{type(exc).__name__}: {exc}"
            sync_run_error(run, message)
            sync_run_finish(
                run,
                status=SyncRun.Status.FAILED,
                error=f"The window {start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC failed "
                f"and will be retried from the same watermark: {message}",
            )
            return run
        counts["windows"] += 1
        window = interaction_window(watermark=end, integration=integration, now=current_now())
        if window is not None and fixed_now is None and window[1] - window[0] < MIN_CHASE:
            window = None  # only what arrived while this run worked: the next run takes it
        if window is None:
            counts[CAUGHT_UP] = 1
        elif budget_seconds is not None and clock() - started >= budget_seconds:
            counts[BUDGET_SPENT] = 1
            logger.info(
                "%s for %s: time budget of %.0f s spent at %s; the next run continues there",
                kind,
                contract,
                budget_seconds,
                end.isoformat(),
            )
        with transaction.atomic():
            Contract.objects.filter(pk=contract.pk).update(**{field: end})
            SyncRun.objects.filter(pk=run.pk).update(window_end=end)
            _flush(run, counts)
        setattr(contract, field, end)
        if run.counters.get(BUDGET_SPENT):
            break
    sync_run_finish(run, status=SyncRun.Status.SUCCEEDED)
    return run


def _contracts() -> list[Contract]:
    return list(
        Contract.objects.filter(active=True, access_level=Contract.AccessLevel.CONTRACT).order_by(
            "urn"
        )
    )


def interaction_sync_runs(
    kind: str,
    *,
    actor: Any = None,
    now: datetime | None = None,
    budget_seconds: float | None = None,
) -> list[SyncRun]:
    """One run per active contract-level contract; [] when the integration is not enabled.

    ``budget_seconds`` (None: no limit) is shared by the contracts, in turn.
    """
    if not Integration.get().is_enabled:
        logger.info("%s: the integration is not enabled", kind)
        return []
    contracts = _contracts()
    if not contracts:
        return []
    client = get_client()
    runs = []
    deadline = None if budget_seconds is None else time.monotonic() + budget_seconds
    for contract in contracts:
        left = None if deadline is None else max(0.0, deadline - time.monotonic())
        run = interaction_sync_contract(
            kind=kind, contract=contract, actor=actor, now=now, client=client, budget_seconds=left
        )
        if run is not None:
            runs.append(run)
    return runs


@sync_runner("inmail_sync", help="Sync InMails of contract-level contracts (every 30 minutes).")
def inmail_sync_runs(
    *, actor: Any = None, now: datetime | None = None, budget_seconds: float | None = None
) -> list[SyncRun]:
    return interaction_sync_runs(INMAIL, actor=actor, now=now, budget_seconds=budget_seconds)


@sync_runner("note_sync", help="Sync Recruiter notes of contract-level contracts (every 30 min).")
def note_sync_runs(
    *, actor: Any = None, now: datetime | None = None, budget_seconds: float | None = None
) -> list[SyncRun]:
    return interaction_sync_runs(NOTE, actor=actor, now=now, budget_seconds=budget_seconds)


@shared_task(name="syncjobs.tasks.interaction_sync_all")
def interaction_sync_all() -> dict[str, Any]:
    """Every 30 minutes: InMails and notes of every contract-level contract, caught up.

    Each stream gets half of ``interaction_budget_seconds``; a stream that spends its share
    stops after a whole window and the next cycle goes on (``behind`` names those runs).
    """
    share = interaction_budget_seconds() / 2
    runs = inmail_sync_runs(budget_seconds=share) + note_sync_runs(budget_seconds=share)
    behind = [run for run in runs if (run.counters or {}).get(BUDGET_SPENT)]
    for run in behind:
        logger.warning(
            "%s #%s for %s is still behind: reached %s when its time budget ran out; the next "
            "cycle continues from there",
            run.kind,
            run.pk,
            run.contract,
            run.window_end.isoformat() if run.window_end else "-",
        )
    return {
        "runs": len(runs),
        "failed": sum(1 for run in runs if run.status == SyncRun.Status.FAILED),
        "created": sum(run.created for run in runs),
        "updated": sum(run.updated for run in runs),
        "behind": [
            f"{run.kind} #{run.pk}: reached {run.window_end:%Y-%m-%d %H:%M} UTC"
            for run in behind
            if run.window_end
        ],
    }
