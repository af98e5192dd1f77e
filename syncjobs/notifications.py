"""LinkedIn's pushes: store, claim, process, sweep and replay (docs/architecture.md §4.5, §5, §8).

Life of a notification (``InboundNotification``):

- the callback stores every POST before answering: a genuine one as ``received`` (and enqueues
  ``notification_process`` after commit), a forged or malformed one as ``rejected`` for audit;
  a repeated delivery of the same ``(type, id)`` finds the stored row and is answered 200;
- a worker **claims** it with a conditional UPDATE (``received``/due ``failed``/stale
  ``processing`` → ``processing``), so two workers never process one notification;
- the handler registered for its type runs and the row is settled: ``processed`` (``result``
  holds links to what it created), ``ignored`` (with the reason), ``held`` (waits for an admin
  decision) or ``failed`` (``error``). A transient LinkedIn failure schedules a retry with
  exponential backoff and jitter (``next_attempt_at``); a permanent one stays failed until an
  admin replays it;
- the periodic sweeper processes what the broker never delivered (``received`` for over a
  minute), failed rows whose retry is due, and stale claims of dead workers.

Handlers are registered per push type with ``@notification_handler("TYPE")`` from the flow's own
module (exports, evaluations, connections). A handler is ``func(notification, *, override=False)
-> HandlerOutcome``; it must fetch from LinkedIn **outside** any transaction, write in one
transaction, and be idempotent: a worker killed after the handler committed but before the
outcome was recorded leaves a stale claim, and the sweeper runs the handler again. It returns
``processed(...)``, ``ignored(reason)`` or ``held(reason)``, and raises ``NotificationFailed``
(permanent: nothing it wrote may survive, so raise it inside its transaction) or lets the
adapter's ``TransientError`` / ``PermanentError`` / ``PayloadError`` through.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from celery import shared_task
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from syncjobs.enqueue import enqueue_on_commit, publish
from syncjobs.models import InboundNotification
from syncjobs.outbox import backoff_delay
from tracker_rsc.linkedin import PayloadError, PermanentError, TransientError, parse_push
from tracker_rsc.linkedin.signatures import SIGNATURE_HEADER, verify_signature
from tracker_rsc.models import Integration

if TYPE_CHECKING:
    from candidates.models import Candidate
    from requisitions.models import Placement

logger = logging.getLogger(__name__)

Status = InboundNotification.Status

# A received row older than this was never picked up by its task (broker down, enqueue lost).
SWEEP_RECEIVED_AFTER = timedelta(minutes=1)
# Transient failures are retried with backoff (30 s doubling, capped at 6 h): ten attempts
# span about four hours, well inside the 24 h for which LinkedIn serves a request id.
MAX_ATTEMPTS = 10
# One sweep processes at most this many rows inline (each costs one LinkedIn call and one
# transaction, well under a second), then re-queues itself, staying far below the task time
# limit whatever the backlog.
SWEEP_PASS_LIMIT = 200
# What a rejected body may cost us in storage: enough to audit any genuine push (a few hundred
# bytes), bounded so that a flood of forged posts cannot fill the database.
MAX_REJECTED_BODY = 16 * 1024
# Request headers never stored: credentials and session material.
_SECRET_HEADER_WORDS = ("authorization", "cookie", "token", "secret", "password", "api-key")


def stale_claim_age() -> timedelta:
    """A claim older than the hard task time limit belongs to a dead worker."""
    return timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)


# --- Handler registry -----------------------------------------------------------------------


@dataclass(frozen=True)
class HandlerOutcome:
    """What a handler made of a notification (build with ``processed``/``ignored``/``held``)."""

    status: str
    result: dict[str, Any] = field(default_factory=dict)
    reason: str = ""
    candidate: Candidate | None = None
    placement: Placement | None = None


def processed(
    result: Mapping[str, Any] | None = None,
    *,
    candidate: Candidate | None = None,
    placement: Placement | None = None,
) -> HandlerOutcome:
    """Done; ``result`` names what was created or changed (ids), shown in the admin."""
    return HandlerOutcome(
        status=Status.PROCESSED, result=dict(result or {}), candidate=candidate, placement=placement
    )


def ignored(reason: str, result: Mapping[str, Any] | None = None) -> HandlerOutcome:
    """Nothing to do, for a reason an admin can read (e.g. the requisition is not connected)."""
    return HandlerOutcome(status=Status.IGNORED, reason=reason, result=dict(result or {}))


def held(reason: str, result: Mapping[str, Any] | None = None) -> HandlerOutcome:
    """Needs an admin decision (replay with override, or discard); nothing was written."""
    return HandlerOutcome(status=Status.HELD, reason=reason, result=dict(result or {}))


class NotificationFailed(Exception):
    """A permanent failure with a reason for admins; not retried until replayed."""

    def __init__(self, message: str, *, result: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.result = dict(result or {})


Handler = Callable[..., HandlerOutcome]
HANDLERS: dict[str, Handler] = {}


def notification_handler(event_type: str) -> Callable[[Handler], Handler]:
    """Register ``func(notification, *, override=False) -> HandlerOutcome`` for a push type.

    A handler without an ``override`` parameter is accepted too (it never holds anything).
    """

    def register(func: Handler) -> Handler:
        accepts_override = "override" in inspect.signature(func).parameters

        def call(notification: InboundNotification, *, override: bool = False) -> HandlerOutcome:
            if accepts_override:
                return func(notification, override=override)
            return func(notification)

        call.__wrapped__ = func  # type: ignore[attr-defined]
        HANDLERS[event_type] = call
        return func

    return register


def _handler_for(event_type: str) -> Handler | None:
    if event_type not in HANDLERS:
        # The flows register their handlers when syncjobs.tasks imports them (worker start-up);
        # a process that has not imported them yet (a shell, a test) does it here once.
        import syncjobs.tasks  # noqa: F401

    return HANDLERS.get(event_type)


# --- Receiving (the callback's service) -----------------------------------------------------


@dataclass(frozen=True)
class Receipt:
    """The callback's answer: HTTP status, a short message, and the stored row if any."""

    status_code: int
    message: str
    notification: InboundNotification | None = None


def safe_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """The request headers worth keeping for audit, without credentials or cookies."""
    kept = {}
    for name, value in headers.items():
        lowered = name.lower()
        if any(word in lowered for word in _SECRET_HEADER_WORDS):
            continue
        kept[name] = str(value)[:500]
    return kept


def _body_text(body: bytes, limit: int | None = None) -> str:
    text = body.decode("utf-8", errors="replace")
    if limit is not None and len(text) > limit:
        return text[:limit] + f"… [truncated, {len(body)} bytes]"
    return text


def _reject(*, body: bytes, headers: dict[str, str], signature_valid: bool, error: str) -> None:
    """Store a refused delivery for audit, within the hourly bound on unsigned ones.

    Only a delivery to the one valid callback token gets here (an unknown token is answered
    404 and stores nothing), so this bound is per token. A push signed with LinkedIn's secret
    but malformed is LinkedIn's and always stored: nothing LinkedIn sends is lost, and its
    valid pushes never come here at all. One whose signature fails is someone else's: up to
    ``CALLBACK_REJECTED_PER_HOUR`` of them are stored each clock hour; beyond that the callback
    still answers 401, but the delivery only adds to the hour's one summary row
    (``request_id`` "unsigned-beyond-limit:<hour>", its count in ``attempts`` and ``result``),
    so a flood of forged posts to a leaked URL cannot fill the database.
    """
    if not signature_valid:
        now = timezone.now()
        hour = now.replace(minute=0, second=0, microsecond=0)
        stored = InboundNotification.objects.filter(
            status=Status.REJECTED, signature_valid=False, received_at__gte=hour
        ).count()
        if stored >= settings.CALLBACK_REJECTED_PER_HOUR:
            _count_beyond_limit(hour=hour, error=error)
            return
    InboundNotification.objects.create(
        raw_body=_body_text(body, MAX_REJECTED_BODY),
        headers=headers,
        signature_valid=signature_valid,
        status=Status.REJECTED,
        error=error[:2000],
    )


def _count_beyond_limit(*, hour: Any, error: str) -> None:
    key = f"unsigned-beyond-limit:{hour:%Y-%m-%dT%H:%MZ}"
    limit = settings.CALLBACK_REJECTED_PER_HOUR
    with transaction.atomic():
        summary = (
            InboundNotification.objects.select_for_update()
            .filter(status=Status.REJECTED, request_id=key)
            .first()
        )
        count = (summary.attempts if summary else 0) + 1
        text = (
            f"{count} more deliveries with a failed signature in the hour from {hour:%H:%M} UTC "
            f"were not stored (over the limit of {limit} an hour, CALLBACK_REJECTED_PER_HOUR). "
            f"The last one: {error}"
        )[:2000]
        if summary is None:
            InboundNotification.objects.create(
                request_id=key,
                signature_valid=False,
                status=Status.REJECTED,
                attempts=count,
                result={"not_stored": count},
                error=text,
                received_at=hour,
            )
        else:
            InboundNotification.objects.filter(pk=summary.pk).update(
                attempts=count, result={"not_stored": count}, error=text
            )


def notification_receive(*, token: str, body: bytes, headers: Mapping[str, str]) -> Receipt:
    """Authenticate, store and enqueue one push; the callback answers with the receipt.

    - unknown token → 404, nothing stored (the request is not ours to keep);
    - missing or forged ``X-LI-Signature`` → 401, stored ``rejected`` (signature_valid=False);
    - a body that is not a push → 400, stored ``rejected`` with the parse error;
    - otherwise the row is stored ``received`` and ``notification_process`` is enqueued after
      commit (a broker outage is logged; the sweeper picks the row up) → 200. A repeated
      delivery of the same ``(type, id)`` is answered 200 and processed only once.
    """
    if not token or not Integration.objects.filter(callback_token=token).exists():
        return Receipt(404, "Unknown callback.")
    kept_headers = safe_headers(headers)
    signature = headers.get(SIGNATURE_HEADER)
    if not verify_signature(body, signature, settings.LINKEDIN_CLIENT_SECRET):
        error = (
            f"Missing {SIGNATURE_HEADER} header."
            if not signature
            else f"{SIGNATURE_HEADER} does not match the body (forged or wrong secret)."
        )
        _reject(body=body, headers=kept_headers, signature_valid=False, error=error)
        return Receipt(401, "Invalid signature.")
    try:
        push = parse_push(body)
    except PayloadError as exc:
        _reject(body=body, headers=kept_headers, signature_valid=True, error=exc.message)
        return Receipt(400, f"Malformed notification: {exc.message}")
    with transaction.atomic():
        try:
            with transaction.atomic():
                notification = InboundNotification.objects.create(
                    event_type=push.type[:64],
                    request_id=push.id[:128],
                    raw_body=_body_text(body),
                    headers=kept_headers,
                    signature_valid=True,
                    status=Status.RECEIVED,
                    expires_at=push.expires_at,
                )
        except IntegrityError:
            notification = (
                InboundNotification.objects.filter(
                    event_type=push.type[:64], request_id=push.id[:128]
                )
                .exclude(status=Status.REJECTED)
                .first()
            )
            if notification is None:  # pragma: no cover - the winner was deleted meanwhile
                raise
            if notification.status == Status.RECEIVED:
                # Its task may have been lost with the broker; the claim makes this harmless.
                enqueue_on_commit(notification_process_task, notification.pk)
            return Receipt(200, "Already received.", notification)
        enqueue_on_commit(notification_process_task, notification.pk)
    return Receipt(200, "Received.", notification)


# --- Claiming and processing ----------------------------------------------------------------


def _due(now: Any) -> Q:
    return (
        Q(status=Status.RECEIVED)
        | Q(status=Status.FAILED, next_attempt_at__lte=now)
        | Q(status=Status.PROCESSING, claimed_at__lt=now - stale_claim_age())
    )


def notification_claim(*, notification_id: int) -> InboundNotification | None:
    """Take the row for processing if it is due; None when another worker has it or it is done."""
    now = timezone.now()
    won = InboundNotification.objects.filter(_due(now), pk=notification_id).update(
        status=Status.PROCESSING, claimed_at=now, attempts=F("attempts") + 1
    )
    if not won:
        return None
    return InboundNotification.objects.get(pk=notification_id)


def notification_due_ids(*, limit: int = SWEEP_PASS_LIMIT) -> list[int]:
    """What the sweeper should process now: lost, retry-due and abandoned notifications."""
    now = timezone.now()
    due = (
        Q(status=Status.RECEIVED, received_at__lte=now - SWEEP_RECEIVED_AFTER)
        | Q(status=Status.FAILED, next_attempt_at__lte=now)
        | Q(status=Status.PROCESSING, claimed_at__lt=now - stale_claim_age())
    )
    query = InboundNotification.objects.filter(due).order_by("received_at", "pk")
    return list(query.values_list("pk", flat=True)[:limit])


def _override_requested(notification: InboundNotification) -> bool:
    replays = (notification.result or {}).get("replays") or []
    return bool(replays and replays[-1].get("override"))


def _kept_result(notification: InboundNotification) -> dict[str, Any]:
    """The part of ``result`` that outlives a processing attempt: the replay history."""
    replays = (notification.result or {}).get("replays")
    return {"replays": replays} if replays else {}


def _settle(notification: InboundNotification, **values: Any) -> bool:
    """Record the outcome, only if this worker's claim still stands (not taken over as stale)."""
    updated = InboundNotification.objects.filter(
        pk=notification.pk, status=Status.PROCESSING, claimed_at=notification.claimed_at
    ).update(**values)
    if not updated:
        logger.warning("notification %s was settled by another worker", notification.pk)
    return bool(updated)


def _retry_at(notification: InboundNotification, retry_after: float | None) -> Any:
    """When to retry a transient failure, or None when retrying is pointless."""
    if notification.attempts >= MAX_ATTEMPTS:
        return None
    at = timezone.now() + backoff_delay(notification.attempts, retry_after)
    if notification.expires_at is not None and at >= notification.expires_at:
        return None
    return at


def notification_process(*, notification_id: int) -> str | None:
    """Claim and process one notification. Returns its new status, None if not claimed.

    Never raises for a handler's failure: the row records it (and its retry time).
    """
    notification = notification_claim(notification_id=notification_id)
    if notification is None:
        return None
    base = _kept_result(notification)
    handler = _handler_for(notification.event_type)
    if handler is None:
        reason = f"Tracker does not process {notification.event_type or 'untyped'} notifications."
        _settle(
            notification,
            status=Status.IGNORED,
            result={**base, "reason": reason},
            error="",
            next_attempt_at=None,
            processed_at=timezone.now(),
        )
        return Status.IGNORED
    try:
        outcome = handler(notification, override=_override_requested(notification))
    except TransientError as exc:
        retry_at = _retry_at(notification, exc.retry_after)
        error = f"LinkedIn is unavailable: {exc}"
        if retry_at is None:
            error += f" — gave up after {notification.attempts} attempts; replay to try again."
        else:
            error += f" — retrying at {retry_at:%Y-%m-%d %H:%M:%S} UTC."
        return _fail(notification, base, error, retry_at)
    except (PermanentError, PayloadError) as exc:
        return _fail(notification, base, f"LinkedIn: {exc}", None)
    except NotificationFailed as exc:
        return _fail(notification, {**base, **exc.result}, exc.message, None)
    except Exception as exc:
        # A bug or an infrastructure hiccup (a locked database): retried with backoff like a
        # transient error, so one bad notification cannot wedge the sweeper, then left failed.
        logger.exception("processing notification %s crashed", notification.pk)
        retry_at = _retry_at(notification, None)
        return _fail(notification, base, f"{type(exc).__name__}: {exc}", retry_at)
    values: dict[str, Any] = {
        "status": outcome.status,
        "result": {
            **base,
            **outcome.result,
            **({"reason": outcome.reason} if outcome.reason else {}),
        },
        "error": "",
        "next_attempt_at": None,
        "processed_at": timezone.now(),
    }
    if outcome.candidate is not None:
        values["candidate"] = outcome.candidate
    if outcome.placement is not None:
        values["placement"] = outcome.placement
    _settle(notification, **values)
    return outcome.status


def _fail(
    notification: InboundNotification, result: dict[str, Any], error: str, retry_at: Any
) -> str:
    _settle(
        notification,
        status=Status.FAILED,
        result=result,
        error=error[:5000],
        next_attempt_at=retry_at,
        processed_at=timezone.now(),
    )
    return Status.FAILED


def notification_sweep_pass(*, limit: int = SWEEP_PASS_LIMIT) -> dict[str, int]:
    """Process every due notification (up to ``limit``); returns counts by outcome."""
    ids = notification_due_ids(limit=limit)
    counts: dict[str, int] = {"due": len(ids)}
    for notification_id in ids:
        status = notification_process(notification_id=notification_id)
        key = status or "skipped"
        counts[key] = counts.get(key, 0) + 1
    return counts


# --- Admin operations -----------------------------------------------------------------------

REPLAYABLE = (Status.FAILED, Status.HELD, Status.IGNORED)


class ReplayRefused(Exception):
    """The notification cannot be replayed (rejected, queued, processing or processed)."""


def _actor_label(actor: Any) -> str:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return ""
    return actor.get_username()


def notification_replay(
    *, notification: InboundNotification, actor: Any, override: bool = False
) -> InboundNotification:
    """Process a failed, held or ignored notification again (enqueued after commit).

    ``override`` is the admin's "Import anyway" for a held notification (an erased person):
    the handler then imports despite the tombstone. Each replay is recorded in
    ``result["replays"]`` (who, when, override). Rejected notifications are never processed:
    their body was not signed by LinkedIn. Raises ReplayRefused otherwise.
    """
    if notification.status == Status.REJECTED:
        raise ReplayRefused(
            "A rejected notification was not signed by LinkedIn and is never processed."
        )
    now = timezone.now()
    with transaction.atomic():
        current = InboundNotification.objects.select_for_update().filter(pk=notification.pk).first()
        if current is None or current.status not in REPLAYABLE:
            status = current.get_status_display().lower() if current else "deleted"
            raise ReplayRefused(f"Notification {notification.pk} is {status}; nothing to replay.")
        replays = [
            *(current.result or {}).get("replays", []),
            {"at": now.isoformat(), "by": _actor_label(actor), "override": override},
        ]
        current.status = Status.RECEIVED
        current.result = {**(current.result or {}), "replays": replays}
        current.error = ""
        current.next_attempt_at = None
        current.save(update_fields=["status", "result", "error", "next_attempt_at"])
        enqueue_on_commit(notification_process_task, current.pk)
    notification.refresh_from_db()
    return notification


def notification_discard(
    *, notification: InboundNotification, actor: Any, reason: str = ""
) -> InboundNotification:
    """Admin decision on a held notification: do not import; it becomes ``ignored``."""
    with transaction.atomic():
        current = InboundNotification.objects.select_for_update().filter(pk=notification.pk).first()
        if current is None or current.status != Status.HELD:
            raise ReplayRefused(f"Notification {notification.pk} is not held for a decision.")
        who = _actor_label(actor) or "an admin"
        current.status = Status.IGNORED
        current.result = {
            **(current.result or {}),
            "reason": f"Discarded by {who}" + (f": {reason}" if reason else "."),
            "discarded_by": who,
            "discarded_at": timezone.now().isoformat(),
        }
        current.save(update_fields=["status", "result"])
    notification.refresh_from_db()
    return notification


# --- INTEGRATION_STATUS_CHANGE --------------------------------------------------------------

# LinkedIn's statuses that mean the customer (or LinkedIn) switched the integration off.
# The public documentation names no list; these are the ones that mean "not serving".
_OFF_STATUSES = frozenset({"DISABLED", "DEACTIVATED", "REVOKED", "INACTIVE", "SUSPENDED"})
_STATUS_ERROR_MARK = "LinkedIn reports"


@notification_handler("INTEGRATION_STATUS_CHANGE")
def handle_integration_status(notification: InboundNotification) -> HandlerOutcome:
    """Record LinkedIn's integration status (docs/architecture.md §5: read with
    ``atsIntegrations?q=request``).

    Decisions: a status for another organization or contract is ignored (with the reason). A
    disabling status (DISABLED and the like) puts an enabled integration in ``error`` with a
    message saying which LinkedIn integration is off, so admins see it on the integration page;
    an enabling status clears such an error again (only one this handler set, never an error
    from a failed registration). Anything else is recorded in ``result`` and changes nothing.
    """
    from tracker_rsc.linkedin import get_client
    from tracker_rsc.models import Contract

    status = get_client().get_integration_status(notification.request_id)
    integration = Integration.get()
    ours = status.integration_context == integration.organization_urn or (
        Contract.objects.filter(urn=status.integration_context).exists()
    )
    result = {
        "integration_context": status.integration_context,
        "integration_type": status.integration_type,
        "linkedin_status": status.status,
    }
    if not ours:
        return ignored(
            f"The status is for {status.integration_context}, which is not this database's "
            f"organization ({integration.organization_urn or 'none set'}) nor one of its "
            "contracts.",
            result,
        )
    reported = status.status.strip().upper()
    label = f"{status.integration_type} ({status.integration_context})"
    with transaction.atomic():
        integration = Integration.objects.select_for_update().get(pk=integration.pk)
        if reported in _OFF_STATUSES and integration.status == Integration.Status.ENABLED:
            integration.status = Integration.Status.ERROR
            integration.last_error = (
                f"{_STATUS_ERROR_MARK} the {label} integration is {reported} "
                f"(notification {notification.request_id}). Exports and syncs through it stop "
                "until a LinkedIn Recruiter admin switches it on again."
            )
            integration.save(update_fields=["status", "last_error", "updated_at"])
            result["action"] = "integration set to error"
        elif (
            reported not in _OFF_STATUSES
            and integration.status == Integration.Status.ERROR
            and integration.last_error.startswith(_STATUS_ERROR_MARK)
            and label in integration.last_error
        ):
            integration.status = Integration.Status.ENABLED
            integration.last_error = ""
            integration.save(update_fields=["status", "last_error", "updated_at"])
            result["action"] = "error cleared, integration enabled"
        else:
            result["action"] = "recorded"
    return processed(result)


# --- Tasks ----------------------------------------------------------------------------------


@shared_task(name="syncjobs.tasks.notification_process")
def notification_process_task(notification_id: int) -> str | None:
    """Process one stored notification (enqueued on commit by the callback and by replays)."""
    return notification_process(notification_id=notification_id)


@shared_task(name="syncjobs.tasks.notification_sweep")
def notification_sweep() -> dict[str, int]:
    """Periodic: notifications whose task was lost, failures due for retry, stale claims."""
    counts = notification_sweep_pass()
    if counts["due"] == SWEEP_PASS_LIMIT:
        publish(notification_sweep)
    return counts
