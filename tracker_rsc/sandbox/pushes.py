"""LinkedIn's push notifications to the ATS: signed, recorded, delivered at least once.

A push is a row first (``Push``), queued for a Celery task after the transaction commits, so
the HTTP request that caused it never waits for the callback. Each delivery attempt is one
signed POST, logged as a ``DeliveryAttempt``. A non-2xx answer, a timeout or a refused
connection schedules the next attempt with doubling backoff; after the first attempt and
``push_max_retries`` re-sends (LinkedIn: 6) the push is marked failed.

The sandbox is LinkedIn, not a client of it: it signs with its own code (it must not import
``tracker_rsc.linkedin``) and calls the callback with ``requests`` directly, which is what
``responses`` intercepts in tests.

Signature: ``X-LI-Signature: hmacsha256=<hex HMAC-SHA256(raw body, client secret)>``; the
challenge: ``GET <callback>?challengeCode=X`` must answer ``{"challengeCode": X,
"challengeResponse": hex(HMAC-SHA256(X, client secret))}`` within 3 seconds. The client secret
is the sandbox's own registered application's (``LINKEDIN_SANDBOX_CLIENT_SECRET``).

The sandbox only ever calls a CALLBACK_URL registered through its API, and only under an
allowed origin (``LINKEDIN_SANDBOX_CALLBACK_ORIGINS``, by default ``SITE_URL``'s), without
following redirects: a caller cannot make it fetch an address of their choosing (SSRF).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from tracker_rsc.sandbox.models import AtsIntegration, DeliveryAttempt, Push, SandboxSettings
from tracker_rsc.sandbox.restli import to_ms

logger = logging.getLogger(__name__)

CHALLENGE_TIMEOUT_SECONDS = 3.0
# A claim outlives the slowest attempt, so a crashed deliverer's push is picked up again.
CLAIM_MARGIN = timedelta(seconds=30)


def _origin(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an http(s) URL, or None when it is not one."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        return None
    return scheme, parts.hostname.lower(), port or (443 if scheme == "https" else 80)


def allowed_callback_origins() -> list[str]:
    """Origins the sandbox may call back: the setting, or SITE_URL's origin when it is empty."""
    return list(settings.LINKEDIN_SANDBOX_CALLBACK_ORIGINS) or [settings.SITE_URL]


def callback_url_allowed(url: str) -> bool:
    """True when ``url`` is http(s) and under one of the allowed callback origins."""
    origin = _origin(url)
    if origin is None or any(ord(c) <= 32 or ord(c) == 127 for c in url.strip()):
        return False
    return any(origin == _origin(allowed) for allowed in allowed_callback_origins())


def callback_url_refusal(url: str) -> str:
    """Why the sandbox will not call ``url`` ('' when it may)."""
    if callback_url_allowed(url):
        return ""
    origins = ", ".join(allowed_callback_origins())
    return (
        f"CALLBACK_URL {url[:200]!r} is not under an allowed origin ({origins}); "
        "set LINKEDIN_SANDBOX_CALLBACK_ORIGINS to allow another."
    )


def push_secret() -> str:
    """The key of the sandbox's signatures: its own registered app's secret, never Tracker's."""
    return settings.LINKEDIN_SANDBOX_CLIENT_SECRET


def sign(body: bytes, secret: str) -> str:
    return "hmacsha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def challenge_answer(code: str, secret: str) -> str:
    return hmac.new(secret.encode(), code.encode(), hashlib.sha256).hexdigest()


def push_body(*, push_type: str, request_id: str, expires_at: datetime | None) -> str:
    payload: dict[str, object] = {"type": push_type, "id": request_id}
    if expires_at is not None:
        payload["expiresAt"] = to_ms(expires_at)
    return json.dumps(payload, separators=(",", ":"))


def push_queue(
    *, push_type: str, request_id: str, integration_context: str, expires_at: datetime | None
) -> Push:
    """Store a push and enqueue its delivery after the current transaction commits."""
    push = Push.objects.create(
        push_type=push_type,
        request_id=request_id,
        integration_context=integration_context,
        body=push_body(push_type=push_type, request_id=request_id, expires_at=expires_at),
    )
    from tracker_rsc.sandbox.tasks import enqueue_delivery

    transaction.on_commit(lambda: enqueue_delivery(push.pk), robust=True)
    return push


def callback_url_for(integration_context: str) -> str:
    """The CALLBACK_URL the customer registered ('' if none).

    The sandbox serves one customer application, so a contract-scoped push (CSA_API) goes to
    the callback of the organization's One-Click Export integration like every other push.
    """
    registered = AtsIntegration.objects.exclude(callback_url="")
    exact = registered.filter(integration_context=integration_context).first()
    chosen = exact or registered.order_by("-updated_at").first()
    return chosen.callback_url if chosen else ""


@dataclass(frozen=True)
class AttemptOutcome:
    ok: bool
    status_code: int | None
    error: str
    duration_ms: int


def _post(url: str, body: bytes, timeout: float) -> AttemptOutcome:
    started = time.monotonic()
    headers = {
        "Content-Type": "application/json",
        "X-LI-Signature": sign(body, push_secret()),
        "User-Agent": "LinkedIn-Sandbox-Push/1.0",
    }
    try:
        response = requests.post(
            url, data=body, headers=headers, timeout=timeout, allow_redirects=False
        )
    except requests.RequestException as exc:
        elapsed = int((time.monotonic() - started) * 1000)
        return AttemptOutcome(False, None, f"{type(exc).__name__}: {exc}"[:500], elapsed)
    elapsed = int((time.monotonic() - started) * 1000)
    ok = 200 <= response.status_code < 300
    error = "" if ok else f"HTTP {response.status_code}: {response.text[:200]}"
    return AttemptOutcome(ok, response.status_code, error, elapsed)


def _claim(push_id: int, *, now: datetime, force: bool, timeout: float) -> bool:
    due = Push.objects.filter(pk=push_id, status=Push.Status.PENDING).filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    )
    if not force:
        due = due.filter(next_attempt_at__lte=now)
    return due.update(claimed_until=now + timedelta(seconds=timeout) + CLAIM_MARGIN) == 1


def push_attempt(*, push_id: int, force: bool = False) -> Push | None:
    """Make one delivery attempt of a pending push if it is due (any time with ``force``).

    Returns the updated push, or None when it was not due, not pending, or claimed by
    another deliverer. Safe to call concurrently: the claim is a conditional UPDATE.
    """
    config = SandboxSettings.get()
    now = timezone.now()
    if not _claim(push_id, now=now, force=force, timeout=config.push_timeout_seconds):
        return None
    push = Push.objects.get(pk=push_id)
    url = callback_url_for(push.integration_context)
    if not url:
        outcome = AttemptOutcome(
            False, None, "No CALLBACK_URL is registered for this integration.", 0
        )
    elif refusal := callback_url_refusal(url):  # stored before the origin rule, or changed
        outcome = AttemptOutcome(False, None, refusal, 0)
    else:
        outcome = _post(url, push.body.encode(), config.push_timeout_seconds)
    finished = timezone.now()
    DeliveryAttempt.objects.create(
        push=push,
        kind=DeliveryAttempt.Kind.PUSH,
        url=url,
        attempted_at=finished,
        status_code=outcome.status_code,
        ok=outcome.ok,
        error=outcome.error,
        duration_ms=outcome.duration_ms,
    )
    push.attempts += 1
    push.claimed_until = None
    push.last_status_code = outcome.status_code
    push.last_error = outcome.error
    if outcome.ok:
        push.status = Push.Status.DELIVERED
        push.delivered_at = finished
    elif push.attempts > config.push_max_retries:
        push.status = Push.Status.FAILED
    else:
        delay = config.push_backoff_seconds * 2 ** (push.attempts - 1)
        push.next_attempt_at = finished + timedelta(seconds=delay)
    push.save(
        update_fields=[
            "attempts",
            "claimed_until",
            "last_status_code",
            "last_error",
            "status",
            "delivered_at",
            "next_attempt_at",
        ]
    )
    return push


def deliver_pending_pushes(*, force: bool = False) -> dict[str, int]:
    """One attempt for every pending push that is due (every pending one with ``force``).

    Synchronous: what tests and the control page's "Deliver now" call. Returns counts.
    """
    counts = {"attempted": 0, "delivered": 0, "retrying": 0, "failed": 0}
    pending = Push.objects.filter(status=Push.Status.PENDING)
    if not force:
        pending = pending.filter(next_attempt_at__lte=timezone.now())
    for push_id in pending.order_by("created_at", "id").values_list("id", flat=True):
        push = push_attempt(push_id=push_id, force=force)
        if push is None:
            continue
        counts["attempted"] += 1
        if push.status == Push.Status.DELIVERED:
            counts["delivered"] += 1
        elif push.status == Push.Status.FAILED:
            counts["failed"] += 1
        else:
            counts["retrying"] += 1
    return counts


def push_redeliver(*, push_id: int) -> Push:
    """Put a failed (or delivered) push back in the queue for a fresh round of attempts."""
    push = Push.objects.get(pk=push_id)
    push.status = Push.Status.PENDING
    push.attempts = 0
    push.next_attempt_at = timezone.now()
    push.claimed_until = None
    push.save(update_fields=["status", "attempts", "next_attempt_at", "claimed_until"])
    from tracker_rsc.sandbox.tasks import enqueue_delivery

    transaction.on_commit(lambda: enqueue_delivery(push.pk), robust=True)
    return push


def callback_validate(*, url: str = "", integration_context: str = "") -> DeliveryAttempt:
    """LinkedIn's validation of a callback: GET ?challengeCode=… and check the HMAC answer.

    ``url`` defaults to the registered CALLBACK_URL; either way it must be under an allowed
    origin, or the attempt is recorded as failed without any request.
    """
    url = url or callback_url_for(integration_context)
    code = str(uuid.uuid4())
    started = time.monotonic()
    status_code: int | None = None
    error = ""
    ok = False
    if not url:
        error = "No CALLBACK_URL is registered."
    elif refusal := callback_url_refusal(url):
        error = refusal
    else:
        try:
            response = requests.get(
                url,
                params={"challengeCode": code},
                timeout=CHALLENGE_TIMEOUT_SECONDS,
                allow_redirects=False,
            )
            status_code = response.status_code
            answer = response.json() if response.ok else {}
            expected = challenge_answer(code, push_secret())
            if not response.ok:
                error = f"HTTP {response.status_code}"
            elif not isinstance(answer, dict) or answer.get("challengeCode") != code:
                error = "The answer does not echo the challengeCode."
            elif not hmac.compare_digest(str(answer.get("challengeResponse", "")), expected):
                error = "challengeResponse is not HMAC-SHA256(challengeCode, client secret)."
            else:
                ok = True
        except requests.RequestException as exc:
            error = f"{type(exc).__name__}: {exc}"[:500]
        except ValueError:
            error = "The answer is not JSON."
    return DeliveryAttempt.objects.create(
        kind=DeliveryAttempt.Kind.CHALLENGE,
        url=url,
        status_code=status_code,
        ok=ok,
        error=error,
        duration_ms=int((time.monotonic() - started) * 1000),
    )
