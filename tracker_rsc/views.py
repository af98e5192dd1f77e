"""Project-level views: the health check."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from tracker_rsc.celery import app as celery_app


def _database_ok() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure means "down"; the message says which
        return False, str(exc)[:200]
    return True, "ok"


def _broker_ok() -> tuple[bool, str]:
    # One quick retry, capped at 2 s in all: a load balancer probing /healthz/ must get an
    # answer well within its own timeout, and a down broker refuses at once anyway.
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0.5, timeout=2)
    except Exception as exc:
        return False, str(exc)[:200]
    return True, "ok"


def _broker_transport() -> str:
    """The broker's scheme ("redis", "filesystem"), never its URL: that may hold a password."""
    return (celery_app.conf.broker_url or "").split("://", 1)[0]


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database and the broker answer, 503 (saying which) when either is down."""
    db_ok, db_detail = _database_ok()
    broker_ok, broker_detail = _broker_ok()
    healthy = db_ok and broker_ok
    return JsonResponse(
        {
            "status": "ok" if healthy else "unavailable",
            "database": db_detail,
            "broker": broker_detail,
            "broker_transport": _broker_transport(),
        },
        status=200 if healthy else 503,
    )
