"""Project-level views: the health check."""

from __future__ import annotations

import logging
import uuid

from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from tracker_rsc.celery import app as celery_app

logger = logging.getLogger(__name__)

OK = "ok"
DOWN = "unavailable"


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _broker() -> None:
    # One quick retry, capped at 2 s in all: a load balancer probing /healthz/ must get an
    # answer well within its own timeout, and a down broker refuses at once anyway.
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, interval_start=0.5, timeout=2)


def _cache() -> None:
    # The shared cache holds the LinkedIn token and the locks: a write and a read prove it.
    key = f"tracker_rsc:healthz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=10)
    if cache.get(key) != "1":
        raise RuntimeError("the cache did not return what was just written")
    cache.delete(key)


CHECKS = {"database": _database, "broker": _broker, "cache": _cache}


def _probe(name: str) -> str:
    """``ok`` or ``unavailable``. The exception goes to the log only: its text may name hosts,
    users or paths, which an unauthenticated health check must not hand out."""
    try:
        CHECKS[name]()
    except Exception:  # any failure means "down"; the log has the reason
        logger.exception("healthz: the %s is unavailable", name)
        return DOWN
    return OK


def _broker_transport() -> str:
    """The broker's scheme ("redis", "filesystem"), never its URL: that may hold a password."""
    return (celery_app.conf.broker_url or "").split("://", 1)[0]


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database, the broker and the cache answer; 503 naming the ones down."""
    results = {name: _probe(name) for name in CHECKS}
    down = [name for name, result in results.items() if result != OK]
    return JsonResponse(
        {
            "status": "unavailable" if down else "ok",
            **results,
            "down": down,
            "broker_transport": _broker_transport(),
        },
        status=503 if down else 200,
    )
