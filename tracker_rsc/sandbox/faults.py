"""Fault injection: make chosen endpoints slow, rate-limited, failing, cut off or malformed.

Faults live in the database (``Fault``), so every process serving the sandbox sees a change at
once. A fault fires either on the next N matching calls (``remaining``, claimed by a
conditional UPDATE so concurrent calls never consume one firing twice) or on a fraction of
calls, decided by ``random.Random(f"{seed}:{call number}")`` so that a test with a fixed seed
sees the same sequence on every run.

How each kind looks to a ``requests`` client:

- ``latency``: the answer comes ``latency_ms`` later (then the call proceeds normally).
- ``http_429``: 429 with ``Retry-After`` and LinkedIn's error body.
- ``http_500`` / ``http_503``: that status with LinkedIn's error body.
- ``malformed``: 200 with ``Content-Type: application/json`` and a cut-off JSON body
  (``response.json()`` raises ``JSONDecodeError``).
- ``drop``: the server shuts the client's socket down before answering, so ``requests`` raises
  ``requests.exceptions.ConnectionError`` ("Connection aborted", RemoteDisconnected). This works
  under Django's runserver/live server (the socket is reached through the dev server's input
  stream) and gunicorn (``gunicorn.socket``). Where no socket can be reached, as with Django's
  test client, the view raises ``ConnectionDropped`` instead, which the test client re-raises.
"""

from __future__ import annotations

import logging
import random
import socket
import time
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, Q
from django.http import HttpRequest, HttpResponse

from tracker_rsc.sandbox.limits import FAMILIES
from tracker_rsc.sandbox.models import Fault
from tracker_rsc.sandbox.restli import ApiError

logger = logging.getLogger(__name__)

MAX_LATENCY_MS = 120_000
# Patched by tests: a test must never really sleep.
sleep = time.sleep

MALFORMED_BODY = b'{"elements": [{"id": "urn:li:sandbox:cut-off", "status": '


class ConnectionDropped(Exception):
    """Raised where the client's socket cannot be reached (Django's test client)."""


@dataclass(frozen=True)
class FiredFault:
    kind: str
    latency_ms: int = 0
    retry_after: int = 1


def fault_create(
    *,
    kind: str,
    endpoint: str = Fault.ANY_ENDPOINT,
    method: str = "",
    count: int | None = None,
    fraction: float | None = None,
    seed: int = 0,
    latency_ms: int = 0,
    retry_after: int = 1,
) -> Fault:
    """Inject a fault. Exactly one of ``count`` (next N calls) and ``fraction`` is given.

    Raises ValueError with a message naming the field when the input is not usable.
    """
    if kind not in Fault.Kind.values:
        raise ValueError(f"kind: must be one of {', '.join(Fault.Kind.values)}.")
    if (count is None) == (fraction is None):
        raise ValueError("Give either 'count' (the next N calls) or 'fraction' (of calls).")
    if count is not None and count < 1:
        raise ValueError("count: must be at least 1.")
    if fraction is not None and not 0 <= fraction <= 1:
        raise ValueError("fraction: must be between 0 and 1.")
    if kind == Fault.Kind.LATENCY and not 0 < latency_ms <= MAX_LATENCY_MS:
        raise ValueError(f"latency_ms: must be between 1 and {MAX_LATENCY_MS}.")
    if retry_after < 0:
        raise ValueError("retry_after: must not be negative.")
    endpoint = (endpoint or Fault.ANY_ENDPOINT).strip()
    if endpoint != Fault.ANY_ENDPOINT and endpoint not in FAMILIES:
        raise ValueError(f"endpoint: '{endpoint}' is not a sandbox endpoint (or '*' for all).")
    return Fault.objects.create(
        kind=kind,
        endpoint=endpoint,
        method=(method or "").strip().upper(),
        remaining=count,
        fraction=fraction,
        seed=seed,
        latency_ms=latency_ms,
        retry_after=retry_after,
    )


def faults_clear(*, endpoint: str | None = None) -> int:
    """Deactivate every fault (or those of one endpoint); returns how many."""
    faults = Fault.objects.filter(active=True)
    if endpoint:
        faults = faults.filter(endpoint=endpoint)
    return faults.update(active=False)


def _fires(fault: Fault) -> bool:
    if fault.remaining is not None:
        claimed = Fault.objects.filter(pk=fault.pk, active=True, remaining__gt=0).update(
            remaining=F("remaining") - 1, fired=F("fired") + 1, calls_seen=F("calls_seen") + 1
        )
        Fault.objects.filter(pk=fault.pk, remaining=0).update(active=False)
        return claimed == 1
    with transaction.atomic():
        locked = Fault.objects.select_for_update().filter(pk=fault.pk, active=True).first()
        if locked is None:
            return False
        call_number = locked.calls_seen
        fired = random.Random(f"{locked.seed}:{call_number}").random() < (locked.fraction or 0)
        Fault.objects.filter(pk=fault.pk).update(
            calls_seen=F("calls_seen") + 1, fired=F("fired") + (1 if fired else 0)
        )
    return fired


def faults_firing(*, endpoint: str, method: str) -> list[FiredFault]:
    """The faults that fire on this call: any latency ones, then at most one failure."""
    candidates = Fault.objects.filter(
        Q(endpoint=endpoint) | Q(endpoint=Fault.ANY_ENDPOINT),
        Q(method="") | Q(method=method.upper()),
        active=True,
    ).order_by("created_at", "id")
    fired: list[FiredFault] = []
    failed = False
    for fault in candidates:
        is_latency = fault.kind == Fault.Kind.LATENCY
        if not is_latency and failed:
            continue
        if _fires(fault):
            fired.append(FiredFault(fault.kind, fault.latency_ms, fault.retry_after))
            failed = failed or not is_latency
    return fired


def apply_faults(request: HttpRequest, fired: list[FiredFault]) -> HttpResponse | None:
    """Sleep for latency faults; answer (or cut off) the call for a failing one, else None."""
    for fault in fired:
        if fault.kind == Fault.Kind.LATENCY:
            sleep(fault.latency_ms / 1000)
    for fault in fired:
        if fault.kind == Fault.Kind.HTTP_429:
            raise ApiError(
                status=429,
                message="Resource level throttle limit reached (injected fault).",
                service_error_code=101,
                headers={"Retry-After": str(fault.retry_after)},
            )
        if fault.kind == Fault.Kind.HTTP_500:
            raise ApiError(status=500, message="Internal Server Error (injected fault).")
        if fault.kind == Fault.Kind.HTTP_503:
            raise ApiError(
                status=503,
                message="Service Unavailable (injected fault).",
                headers={"Retry-After": str(fault.retry_after)},
            )
        if fault.kind == Fault.Kind.MALFORMED:
            return HttpResponse(MALFORMED_BODY, content_type="application/json", status=200)
        if fault.kind == Fault.Kind.DROP:
            return drop_connection(request)
    return None


def _client_socket(request: HttpRequest) -> socket.socket | None:
    environ = request.META
    sock = environ.get("gunicorn.socket")
    if isinstance(sock, socket.socket):
        return sock
    # Django's dev and live servers: wsgi.input is a LimitedStream over the socket's reader.
    reader = getattr(getattr(environ.get("wsgi.input"), "_read", None), "__self__", None)
    sock = getattr(getattr(reader, "raw", None), "_sock", None)
    return sock if isinstance(sock, socket.socket) else None


def drop_connection(request: HttpRequest) -> HttpResponse:
    """Shut the client's connection without an answer (see the module docstring)."""
    sock = _client_socket(request)
    if sock is None:
        raise ConnectionDropped("The sandbox dropped the connection (injected fault).")
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        logger.debug("socket already closed", exc_info=True)
    # Never delivered: the server's write fails on the closed socket and is discarded.
    return HttpResponse(status=200)
