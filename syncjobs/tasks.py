"""Celery tasks: thin wrappers that take ids, claim their work and call services.

Every task is safe to run twice (claims are conditional UPDATEs, writes use natural keys).
Task modules of the individual flows register their tasks under ``syncjobs.tasks.<name>`` and
are imported at the bottom so that the worker's autodiscovery finds them all.
"""

from __future__ import annotations

import logging

from celery import shared_task

from syncjobs import live_sync  # noqa: F401  (registers the candidate outbox handlers)
from syncjobs.models import OutboxEvent
from syncjobs.outbox import BATCH_SIZE, outbox_claim, outbox_due_ids, outbox_process

logger = logging.getLogger(__name__)

# One re-drive pass handles at most this many events, then re-queues itself, so a large
# backlog never holds a worker beyond the task time limit.
REDRIVE_PASS_LIMIT = 2000


@shared_task(name="syncjobs.tasks.outbox_dispatch")
def outbox_dispatch(event_id: int) -> dict[str, int]:
    """Send one outbox event, batched with other due events of the same kind (≤100)."""
    event = OutboxEvent.objects.filter(pk=event_id).only("kind").first()
    if event is None:
        logger.info("outbox event %s no longer exists", event_id)
        return {"sent": 0}
    others = [pk for pk in outbox_due_ids(kinds=[event.kind], limit=BATCH_SIZE) if pk != event_id]
    ids = [event_id, *others[: BATCH_SIZE - 1]]
    claimed = outbox_claim(event_ids=ids)
    if not claimed:
        return {"sent": 0}
    outcome = outbox_process(events=claimed)
    return {"sent": len(outcome.sent), "failed": len(outcome.failed) + len(outcome.permanent)}


@shared_task(name="syncjobs.tasks.outbox_redrive")
def outbox_redrive() -> dict[str, int]:
    """Periodic: send due events whose enqueue was lost, retry failed ones, reclaim stale ones."""
    ids = outbox_due_ids(limit=REDRIVE_PASS_LIMIT)
    sent = failed = 0
    for start in range(0, len(ids), BATCH_SIZE):
        claimed = outbox_claim(event_ids=ids[start : start + BATCH_SIZE])
        if claimed:
            outcome = outbox_process(events=claimed)
            sent += len(outcome.sent)
            failed += len(outcome.failed) + len(outcome.permanent)
    if len(ids) == REDRIVE_PASS_LIMIT:
        from syncjobs.enqueue import publish

        publish(outbox_redrive)
    return {"due": len(ids), "sent": sent, "failed": failed}


import syncjobs.bulk_sync  # noqa: E402  (bulk_sync_continue, the bulk_sync runner)
import syncjobs.connections  # noqa: E402  (connection changes, connection_sync)
import syncjobs.enablement  # noqa: E402  (integration_setup and its signal receivers)
import syncjobs.evaluations  # noqa: E402  (the APPLICATION_EVALUATION handler)
import syncjobs.exports  # noqa: E402  (the EXPORT_CANDIDATE_PROFILE handler)
import syncjobs.interactions  # noqa: E402  (interaction_sync_all, inmail/note_sync)
import syncjobs.job_sync  # noqa: E402  (requisition/application handlers, job_sync)
import syncjobs.notifications  # noqa: E402  (notification_process, notification_sweep)
import syncjobs.purge  # noqa: E402  (purge_check, the purge_check runner)
import syncjobs.retention  # noqa: E402  (prune, the daily retention job)
import syncjobs.seat_sync  # noqa: E402  (seat_sync, the seat_sync runner)
import syncjobs.stub_import  # noqa: E402,F401  (stub_import_all, the stub_import runner)
