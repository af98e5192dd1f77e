"""Bulk sync (docs/architecture.md §4.3): once after enabling, every eligible candidate goes to
LinkedIn.

One ``bulk_sync`` SyncRun walks the candidates table by primary key (keyset: ``pk > cursor``,
batches of at most 100, LinkedIn's batch maximum) up to the highest id that existed when the run
began; candidates added later are live sync's. For each batch:

1. skip, counting each by reason: erased (matches an erasure tombstone), missing first or last
   name, missing email unless already linked to a member; candidates last updated before the
   history window (``Integration.history_cutoff``: ``history_years`` calendar years before the
   day the integration was enabled) are counted once, in SQL, when the run begins;
2. ``atsCandidates`` batch upsert; a record LinkedIn refuses is a run error and a failed count
   (on the candidate too), not a failure of the run;
3. LinkedIn's matches for the accepted candidates without a link: one member → ``MemberLink``
   (``method=bulk_sync``, ``matched_on=linkedin``, the reason saying which LinkedIn field
   matched, ``linked_at``); several → not linked, a ``MatchReview`` for admins;
4. the cursor and the counters are saved together, in one UPDATE, after every batch.

Resumable: a killed worker leaves a ``running`` run whose heartbeat goes stale; the next start
takes it over at its cursor (``sync_run_start(resume=True)``). A batch whose cursor was not saved
is sent again on resume, the only way a candidate reaches LinkedIn twice in one run (upserts are
full replaces, so that is harmless). A new run after a failed one continues from its cursor.

In Celery the run advances in time-boxed steps (``bulk_sync_continue``): each step releases the
run (``pending``) and queues the next, so no task outlives the time limit; a transient LinkedIn
failure (429, 5xx, after the adapter's own retries) releases it and retries later with backoff.
The adapter's limiter paces every call (10,000 records a minute, shared by all workers).
When the run succeeds, the outbox re-drive is kicked: candidate changes made meanwhile were
queued and held back (live_sync), and go to LinkedIn now.
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from candidates.models import Candidate, ErasureTombstone, MemberLink, identifier_hash
from syncjobs import enqueue
from syncjobs.live_sync import active_links, apply_matches, mark_synced
from syncjobs.models import SyncRun
from syncjobs.records import (
    SKIP_ERASED,
    SKIP_OUTSIDE_HISTORY,
    candidate_record,
    candidate_skip_reason,
)
from syncjobs.runs import (
    stale_after,
    sync_run_error,
    sync_run_finish,
    sync_run_progress,
    sync_run_release,
    sync_run_start,
    sync_runner,
)
from syncjobs.selectors import bulk_sync_completed
from tracker_rsc.linkedin import (
    MAX_BATCH_SIZE,
    AuthError,
    LinkedInAPI,
    LinkedInError,
    PermanentError,
    TransientError,
    get_client,
)
from tracker_rsc.models import Integration

logger = logging.getLogger(__name__)

# LinkedIn takes at most 100 records per batch call; one batch is one upsert and one match read.
BATCH_SIZE = MAX_BATCH_SIZE
# Only the columns a LinkedIn record and the skip rules need are read (flat memory per batch).
CANDIDATE_FIELDS = (
    "pk",
    "first_name",
    "last_name",
    "email",
    "email_key",
    "profile_key",
    "phone",
    "current_company",
    "current_title",
    "linkedin_profile_url",
    "created_at",
    "updated_at",
)
# Consecutive batches refused whole by LinkedIn (4xx) before the run gives up: one may be a
# bad record; several in a row mean a configuration problem an admin must look at.
MAX_REFUSED_BATCHES = 3
# Transient failures in a row before the in-process runner (manage.py run_sync) stops.
MAX_TRANSIENT_IN_A_ROW = 8
BASE_BACKOFF_SECONDS = 5.0
MAX_BACKOFF_SECONDS = 600.0
# A busy run whose heartbeat is older than this may belong to a killed worker: check again
# when it turns stale instead of dropping the continuation.
SUSPECT_HEARTBEAT = timedelta(minutes=3)

STEP_DONE = "done"
STEP_MORE = "more"


class BulkSyncRefused(Exception):
    """LinkedIn refused several batches in a row: the run fails with LinkedIn's message."""


def history_cutoff(integration: Integration) -> datetime:
    """Candidates last updated at or after this moment are in the bulk sync (docs/architecture.md
    §4.3): ``Integration.history_cutoff``, calendar years before the day of enabling."""
    return integration.history_cutoff


def backoff_seconds(attempt: int, retry_after: float | None = None) -> float:
    """Exponential backoff with jitter, capped; LinkedIn's Retry-After is a floor."""
    ceiling = min(MAX_BACKOFF_SECONDS, BASE_BACKOFF_SECONDS * (2 ** max(0, attempt - 1)))
    seconds = random.uniform(ceiling / 2, ceiling)
    return max(seconds, retry_after or 0.0)


def step_budget_seconds() -> float:
    """How long one Celery step may work: well inside the soft time limit, leaving room for
    the limiter's longest wait (90 s) and one more batch."""
    return max(30.0, settings.CELERY_TASK_SOFT_TIME_LIMIT * 0.6 - 90)


def bulk_sync_needed() -> bool:
    """The integration is enabled and no bulk sync has succeeded for its organization."""
    integration = Integration.get()
    return integration.is_enabled and not bulk_sync_completed(integration.organization_urn)


def _initialise(run: SyncRun, integration: Integration) -> None:
    """Fix the run's scope (organization, window, last id) and count what it will not send.

    Continues from the cursor and counters of the last failed run of the same scope, if any.
    """
    cutoff = history_cutoff(integration)
    previous = (
        SyncRun.objects.filter(kind=SyncRun.Kind.BULK_SYNC, status=SyncRun.Status.FAILED)
        .exclude(pk=run.pk)
        .order_by("-created_at", "-id")
        .first()
    )
    if (
        previous is not None
        and previous.cursor.get("organization_urn") == integration.organization_urn
        and previous.cursor.get("cutoff") == cutoff.isoformat()
        and "max_pk" in previous.cursor
    ):
        SyncRun.objects.filter(pk=run.pk).update(
            cursor={**previous.cursor, "resumed_from_run": previous.pk},
            total=previous.total,
            processed=previous.processed,
            linked=previous.linked,
            failed=previous.failed,
            skipped=previous.skipped,
            counters=previous.counters,
            window_start=cutoff,
            window_end=integration.enabled_at,
        )
        run.refresh_from_db()
        logger.info("bulk sync run %s continues run %s at its cursor", run.pk, previous.pk)
        return
    max_pk = Candidate.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    in_scope = Candidate.objects.filter(pk__lte=max_pk)
    too_old = in_scope.filter(updated_at__lt=cutoff).count()
    SyncRun.objects.filter(pk=run.pk).update(
        cursor={
            "organization_urn": integration.organization_urn,
            "cutoff": cutoff.isoformat(),
            "max_pk": max_pk,
            "last_pk": 0,
        },
        total=in_scope.count(),
        skipped={SKIP_OUTSIDE_HISTORY: too_old} if too_old else {},
        window_start=cutoff,
        window_end=integration.enabled_at,
    )
    run.refresh_from_db()


def bulk_sync_claim(*, actor: Any = None) -> SyncRun | None:
    """Start the bulk sync, or take over its unfinished run. None when there is nothing to do
    (not enabled, already completed for this organization) or another worker holds the run.
    """
    integration = Integration.get()
    if not integration.is_enabled:
        logger.info("bulk sync: the integration is not enabled")
        return None
    if bulk_sync_completed(integration.organization_urn):
        logger.info("bulk sync: already completed for %s", integration.organization_urn)
        return None
    run, _ = sync_run_start(kind=SyncRun.Kind.BULK_SYNC, actor=actor, resume=True)
    if run is None:
        return None
    if "max_pk" not in (run.cursor or {}):
        _initialise(run, integration)
    return run


# --- One batch ------------------------------------------------------------------------------


@dataclass
class BatchOutcome:
    last_pk: int
    processed: int = 0
    linked: int = 0
    failed: int = 0
    skipped: Counter = field(default_factory=Counter)
    counters: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)


def _erased_ids(candidates: Sequence[Candidate], links: dict[int, str]) -> set[int]:
    """Candidates whose email, profile or linked member matches an erasure tombstone."""
    hashes: dict[str, set[int]] = {}
    for candidate in candidates:
        for value in (candidate.email_key, candidate.profile_key, links.get(candidate.pk, "")):
            if value:
                hashes.setdefault(identifier_hash(value), set()).add(candidate.pk)
    if not hashes:
        return set()
    keys = list(hashes)
    found = ErasureTombstone.objects.filter(
        Q(email_hash__in=keys) | Q(profile_hash__in=keys) | Q(person_hash__in=keys)
    ).values_list("email_hash", "profile_hash", "person_hash")
    erased: set[int] = set()
    for row in found:
        for value in row:
            erased |= hashes.get(value, set())
    return erased


def next_batch(cursor: dict[str, Any]) -> list[Candidate]:
    """The next ≤100 candidates in scope after the cursor, in id order (keyset, no OFFSET)."""
    cutoff = parse_datetime(cursor["cutoff"])
    return list(
        Candidate.objects.filter(
            pk__gt=cursor.get("last_pk", 0), pk__lte=cursor["max_pk"], updated_at__gte=cutoff
        )
        .order_by("pk")
        .only(*CANDIDATE_FIELDS)[:BATCH_SIZE]
    )


def process_batch(candidates: list[Candidate], *, client: LinkedInAPI) -> BatchOutcome:
    """Send one batch and store LinkedIn's matches. Raises TransientError (retry the batch),
    AuthError, or PermanentError when LinkedIn refused the whole call.
    """
    outcome = BatchOutcome(last_pk=candidates[-1].pk)
    links = active_links(c.pk for c in candidates)
    erased = _erased_ids(candidates, links)
    to_send = []
    records = []
    for candidate in candidates:
        reason = (
            SKIP_ERASED
            if candidate.pk in erased
            else candidate_skip_reason(candidate, linked=candidate.pk in links)
        )
        if reason:
            outcome.skipped[reason] += 1
            continue
        try:
            records.append(candidate_record(candidate))
        except ValueError as exc:  # e.g. a creation date LinkedIn cannot take
            outcome.failed += 1
            outcome.processed += 1
            outcome.errors.append(f"candidate {candidate.pk}: not sendable: {exc}")
            continue
        to_send.append(candidate)
    if not to_send:
        return outcome
    result = client.upsert_candidates(records)
    transient = [
        key
        for key, status in result.failed_statuses.items()
        if key in result.failed and (status == 429 or status >= 500)
    ]
    if transient:
        # LinkedIn could not take some records right now: the whole batch is retried.
        raise TransientError(
            f"LinkedIn could not process {len(transient)} records of the batch now: "
            + "; ".join(f"{key}: {result.failed[key]}" for key in transient[:3]),
            status=result.failed_statuses[transient[0]],
        )
    refused = {int(key): message for key, message in result.failed.items()}
    accepted = [c for c in to_send if c.pk not in refused]
    outcome.counters["sent"] += len(to_send)
    outcome.counters["accepted"] += len(accepted)
    outcome.processed += len(to_send)
    outcome.failed += len(refused)
    for pk, message in refused.items():
        outcome.errors.append(f"candidate {pk}: LinkedIn refused it: {message}")
    mark_synced([c.pk for c in accepted], {pk: f"LinkedIn: {m}" for pk, m in refused.items()})
    unlinked = [c for c in accepted if c.pk not in links]
    outcome.counters["already_linked"] += len(accepted) - len(unlinked)
    if not unlinked:
        return outcome
    matches = client.get_candidate_matches([str(c.pk) for c in unlinked])
    verdicts = apply_matches(
        candidates=unlinked, matches=matches.matches, method=MemberLink.Method.BULK_SYNC
    )
    for candidate in unlinked:
        verdict = verdicts.get(candidate.pk)
        if verdict is None:
            outcome.counters["match_unreadable"] += 1
            outcome.errors.append(
                f"candidate {candidate.pk}: LinkedIn's match could not be read: "
                f"{matches.failed.get(str(candidate.pk), 'no answer')}"
            )
        elif verdict == "linked":
            outcome.linked += 1
        else:
            outcome.counters["ambiguous" if verdict == "ambiguous" else "no_match"] += 1
    return outcome


def _save(run: SyncRun, outcome: BatchOutcome) -> None:
    for message in outcome.errors:
        sync_run_error(run, message)
    outcome.counters["batches"] += 1
    sync_run_progress(
        run,
        cursor={**run.cursor, "last_pk": outcome.last_pk, "transient_in_a_row": 0},
        skipped=dict(outcome.skipped),
        counters=dict(outcome.counters),
        processed=outcome.processed,
        linked=outcome.linked,
        failed=outcome.failed,
    )


def bulk_sync_step(
    run: SyncRun,
    *,
    client: LinkedInAPI,
    deadline: float | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> str:
    """Process batches until the table is done (``"done"``, run succeeded) or ``deadline``
    (a ``clock()`` value) passes (``"more"``). LinkedIn errors propagate (see the callers).
    """
    refused_in_a_row = 0
    while True:
        if deadline is not None and clock() >= deadline:
            return STEP_MORE
        batch = next_batch(run.cursor)
        if not batch:
            _complete(run)
            return STEP_DONE
        try:
            outcome = process_batch(batch, client=client)
        except AuthError:
            raise
        except PermanentError as exc:
            refused_in_a_row += 1
            outcome = BatchOutcome(last_pk=batch[-1].pk, processed=len(batch), failed=len(batch))
            outcome.errors.append(
                f"candidates {batch[0].pk} to {batch[-1].pk}: LinkedIn refused the batch: {exc}"
            )
            if refused_in_a_row >= MAX_REFUSED_BATCHES:
                raise BulkSyncRefused(str(exc)) from exc
        else:
            refused_in_a_row = 0
        _save(run, outcome)


def _complete(run: SyncRun) -> None:
    sync_run_finish(run, status=SyncRun.Status.SUCCEEDED)
    logger.info("bulk sync run %s completed; live sync starts", run.pk)
    from syncjobs.tasks import outbox_redrive

    # The candidate changes held back during the bulk sync go out now, not a minute later.
    enqueue.enqueue_on_commit(outbox_redrive)


def _fail(run: SyncRun, message: str) -> None:
    sync_run_error(run, message)
    sync_run_finish(
        run,
        status=SyncRun.Status.FAILED,
        error=f"{message} The next bulk sync continues from this run's cursor.",
    )


def _refused_credentials(run: SyncRun, exc: AuthError) -> None:
    from tracker_rsc.services import integration_set_error

    _fail(run, f"LinkedIn refused the credentials: {exc}")
    integration_set_error(
        message=f"The bulk sync stopped: LinkedIn refused the credentials: {exc.message}"
    )


# --- Entry points ---------------------------------------------------------------------------


def bulk_sync_run(
    *,
    actor: Any = None,
    client: LinkedInAPI | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> SyncRun | None:
    """Run (or resume) the bulk sync to the end in this process (``manage.py run_sync``).

    Transient failures back off (``sleep``) and retry the batch, at most
    MAX_TRANSIENT_IN_A_ROW times in a row; then the run is released (``pending``) for a later
    resume. LinkedIn refusing the credentials or several batches in a row fails the run.
    """
    run = bulk_sync_claim(actor=actor)
    if run is None:
        return None
    client = client or get_client()
    attempts = 0
    while True:
        try:
            bulk_sync_step(run, client=client)
            return run
        except AuthError as exc:
            _refused_credentials(run, exc)
            return run
        except LinkedInError as exc:  # transient, or an answer that could not be read
            attempts += 1
            sync_run_error(run, f"transient failure (attempt {attempts}): {exc}")
            if attempts >= MAX_TRANSIENT_IN_A_ROW:
                sync_run_release(
                    run, error=f"Paused after {attempts} transient failures in a row: {exc}"
                )
                return run
            sleep(backoff_seconds(attempts, getattr(exc, "retry_after", None)))
        except BulkSyncRefused as exc:
            _fail(run, f"LinkedIn refused {MAX_REFUSED_BATCHES} batches in a row: {exc}")
            return run


@sync_runner("bulk_sync", help="Send every eligible candidate to LinkedIn once, and link matches.")
def bulk_sync_runs(*, actor: Any = None) -> list[SyncRun]:
    run = bulk_sync_run(actor=actor)
    return [run] if run is not None else []


def bulk_sync_schedule(*, countdown: float = 0) -> bool:
    """Queue a bulk sync step (now or after ``countdown`` seconds); False if the broker refused.

    A lost step is not lost work: the run keeps its cursor, and the housekeeping (every five
    minutes in beat, ``enablement.integration_housekeeping``) or ``manage.py run_sync
    bulk_sync`` resumes it.
    """
    # The newest scheduled step owns the run: an older continuation that arrives later (a
    # housekeeping re-queue raced a queued step) sees another token and stops, so there is
    # never more than one chain of steps.
    token = uuid.uuid4().hex
    with transaction.atomic():
        run = (
            SyncRun.objects.select_for_update()
            .filter(kind=SyncRun.Kind.BULK_SYNC, status__in=SyncRun.ACTIVE_STATUSES)
            .first()
        )
        if run is not None:
            SyncRun.objects.filter(pk=run.pk).update(cursor={**run.cursor, "step_token": token})
    return enqueue.publish(bulk_sync_continue, token=token, countdown=countdown)


@shared_task(name="syncjobs.tasks.bulk_sync_continue", acks_late=True)
def bulk_sync_continue(token: str = "") -> dict[str, Any]:
    """One time-boxed step of the bulk sync; queues the next one until the run is done."""
    run = bulk_sync_claim()
    if run is not None and token and run.cursor.get("step_token") not in (None, token):
        sync_run_release(run)  # a newer step was scheduled; that one continues
        return {"status": "superseded"}
    if run is None:
        busy = (
            SyncRun.objects.filter(kind=SyncRun.Kind.BULK_SYNC, status__in=SyncRun.ACTIVE_STATUSES)
            .only("heartbeat_at")
            .first()
        )
        if busy is not None and busy.heartbeat_at is not None:
            age = timezone.now() - busy.heartbeat_at
            if age > SUSPECT_HEARTBEAT:  # maybe a killed worker: look again once it is stale
                bulk_sync_schedule(countdown=(stale_after() - age).total_seconds() + 5)
        return {"status": "nothing to do" if busy is None else "busy"}
    deadline = time.monotonic() + step_budget_seconds()
    try:
        state = bulk_sync_step(run, client=get_client(), deadline=deadline)
    except AuthError as exc:
        _refused_credentials(run, exc)
        return {"status": "failed"}
    except BulkSyncRefused as exc:
        _fail(run, f"LinkedIn refused {MAX_REFUSED_BATCHES} batches in a row: {exc}")
        return {"status": "failed"}
    except SoftTimeLimitExceeded:
        sync_run_release(run)
        bulk_sync_schedule()
        return {"status": "continuing"}
    except Exception as exc:
        # Transient LinkedIn failures and unreadable answers, and the unexpected (the cache or
        # the database gone for a moment): the run is handed back with its cursor and retried
        # after a back-off, rather than left "running" until its claim goes stale.
        if not isinstance(exc, LinkedInError):
            logger.exception("bulk sync step failed")
        attempt = int(run.cursor.get("transient_in_a_row", 0)) + 1
        sync_run_progress(
            run,
            cursor={**run.cursor, "transient_in_a_row": attempt},
            counters={"transient_failures": 1},
        )
        kind = "transient failure" if isinstance(exc, LinkedInError) else type(exc).__name__
        sync_run_error(run, f"{kind}: {exc}")
        sync_run_release(run)
        delay = backoff_seconds(attempt, getattr(exc, "retry_after", None))
        bulk_sync_schedule(countdown=delay)
        return {"status": "retrying", "in_seconds": round(delay)}
    if state == STEP_MORE:
        sync_run_release(run)
        bulk_sync_schedule()
        return {"status": "continuing", "processed": run.processed}
    return {"status": "succeeded", "processed": run.processed, "linked": run.linked}
