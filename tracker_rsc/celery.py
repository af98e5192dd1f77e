"""The Celery application: configuration comes from Django settings (``CELERY_*``)."""

from __future__ import annotations

import os
import re
import socket

from celery import Celery, signals
from kombu.transport import TRANSPORT_ALIASES

from tracker_rsc.log_format import clear_context

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker_rsc.settings")
# ``filesystem://`` (the embedded default) publishes atomically: see tracker_rsc.broker.
TRANSPORT_ALIASES["filesystem"] = "tracker_rsc.broker:Transport"

app = Celery("tracker_rsc")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.worker_init.connect
@signals.beat_init.connect
def _refuse_unsafe_start(**kwargs: object) -> None:
    """A worker or beat started with DEBUG off and unsafe settings exits before doing anything.

    Celery runs no Django system checks and logs (then ignores) exceptions raised by signal
    receivers, so the refusal is a ``SystemExit`` carrying the check errors.
    """
    from django.core.exceptions import ImproperlyConfigured

    from tracker_rsc.checks import refuse_unsafe_start

    try:
        refuse_unsafe_start()
    except ImproperlyConfigured as exc:
        raise SystemExit(f"ImproperlyConfigured: {exc}") from exc


# A worker process runs task after task: a sync run bound by one never tags the next's lines.
signals.task_prerun.connect(clear_context, weak=False)
signals.task_postrun.connect(clear_context, weak=False)

SMOKE_KEY_PREFIX = "tracker_rsc:smoke:"
SMOKE_KEY_TTL_SECONDS = 600
_SMOKE_TOKEN = re.compile(r"^[0-9a-f]{32}$")


def smoke_key(token: str) -> str:
    """The cache key under which the smoke task reports that it ran for ``token``."""
    return f"{SMOKE_KEY_PREFIX}{token}"


@app.task(name="tracker_rsc.ping")
def ping() -> str:
    """A no-op task, for a person poking at a worker with ``celery call tracker_rsc.ping``."""
    return "pong"


@app.task(name="tracker_rsc.smoke")
def smoke(token: str) -> None:
    """Prove that a worker executed a task: record ``token`` in the shared cache.

    There is no result backend, so the side effect is the answer. The cache is shared by every
    process of a deployment (Redis, or the file cache in ``var/`` of the embedded default), so
    ``manage.py smoke_worker`` sees the key wherever the worker ran. Safe to run twice.
    """
    if not _SMOKE_TOKEN.match(token):
        raise ValueError(f"smoke token must be 32 hex characters, got {token!r}")
    from django.core.cache import cache
    from django.utils import timezone

    cache.set(
        smoke_key(token),
        {"hostname": socket.gethostname(), "pid": os.getpid(), "at": timezone.now().isoformat()},
        timeout=SMOKE_KEY_TTL_SECONDS,
    )
