"""Enqueue Celery tasks only after the surrounding transaction commits, and never fail for it.

The row a task works on is committed first; if the broker is down at that moment the publish
fails, is logged, and the periodic sweepers (outbox re-drive, notification sweep) pick the row
up later. So a broker outage delays work but never loses it, and never fails a web request.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import Task
from django.db import transaction

logger = logging.getLogger(__name__)


def publish(task: Task, *args: Any, countdown: float = 0, **kwargs: Any) -> bool:
    """Send a task now (to run after ``countdown`` seconds); False, logged, when the broker
    refused or was unreachable."""
    try:
        task.apply_async(args=args, kwargs=kwargs, countdown=max(0, int(countdown)), retry=False)
    except Exception:  # kombu/redis raise many types; all mean "not queued now"
        logger.warning("could not enqueue %s%r; a sweeper retries", task.name, args, exc_info=True)
        return False
    return True


def enqueue_on_commit(task: Task, *args: Any, **kwargs: Any) -> None:
    """Publish ``task`` after the current transaction commits (immediately outside one)."""
    transaction.on_commit(lambda: publish(task, *args, **kwargs), robust=True)
