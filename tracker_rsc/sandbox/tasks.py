"""Celery tasks of the sandbox: push delivery with countdown backoff, and a due-push sweep."""

from __future__ import annotations

import logging

from celery import shared_task
from django.utils import timezone

from tracker_rsc.sandbox.models import Push
from tracker_rsc.sandbox.pushes import deliver_pending_pushes, push_attempt

logger = logging.getLogger(__name__)


@shared_task(bind=True, name="sandbox.deliver_push", max_retries=None, ignore_result=True)
def deliver_push(self, push_id: int) -> str:
    """Attempt one push; while it stays pending, retry at its ``next_attempt_at``.

    Safe to run twice: ``push_attempt`` claims the push with a conditional UPDATE, and the
    number of attempts lives on the row, not in Celery's retry counter.
    """
    push_attempt(push_id=push_id)
    push = Push.objects.filter(pk=push_id).only("status", "next_attempt_at").first()
    if push is None:
        logger.info("sandbox push %s no longer exists", push_id)
        return "missing"
    if push.status != Push.Status.PENDING:
        return push.status
    if self.request.is_eager:
        # Eager mode would retry at once, in a loop; the sweep or "Deliver now" continues.
        return push.status
    countdown = max((push.next_attempt_at - timezone.now()).total_seconds(), 1)
    raise self.retry(countdown=countdown)


@shared_task(name="sandbox.deliver_due_pushes", ignore_result=True)
def deliver_due_pushes() -> dict[str, int]:
    """Periodic: deliver pushes whose task was never queued (broker down) or was lost."""
    return deliver_pending_pushes()


def enqueue_delivery(push_id: int) -> None:
    """Queue a push's delivery; a broker outage is logged and left to the sweep."""
    try:
        deliver_push.apply_async(args=(push_id,), retry=False)
    except Exception:  # kombu/redis raise many types; all mean "not queued now"
        logger.warning("could not enqueue sandbox push %s; the sweep delivers it", push_id)
