"""Connected projects (docs/architecture.md §4.9, §5.1): LinkedIn hiring projects connected to
requisitions.

A recruiter connects a Tracker job to a hiring project in LinkedIn Recruiter (a new project or
an existing one). LinkedIn pushes ``HIRING_PROJECT_CONNECTION_CHANGE``; the handler fetches the
change (``hiringProjectConnections?q=request``) and applies it through
``requisitions.services.project_connection_apply``:

- Tracker accepts a connection only when the project's owner seat belongs to one of the
  requisition's Tracker owners or is a Recruiter Admin seat; otherwise it is stored as
  ``refused`` with the reason, which the requisition page and admin show;
- a project has one owner seat, a job one active project: accepting a connection deactivates
  a previous one of the same job or project;
- connecting adds no candidates to the job; once it is active, the requisition's existing
  placements are queued as applications (receiver of ``requisition_connected``), and new ones
  follow; disconnecting stops that (nothing more is queued, queued ones are not sent);
- a change for a requisition Tracker does not have is stored and ignored with the reason.

Pushes can be lost or arrive out of order, so ``connection_sync`` (hourly in beat) reads every
connection of the organization (``q=integrationContext``) and applies each one the same way
(stale states are ignored by their ``changedAt``); a connection Tracker holds as active that
LinkedIn no longer lists as connected is deactivated.
"""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any

from celery import shared_task

from requisitions import services as requisition_services
from requisitions.models import ProjectConnection, Requisition
from syncjobs.models import InboundNotification, SyncRun
from syncjobs.notifications import HandlerOutcome, ignored, notification_handler, processed
from syncjobs.runs import (
    sync_run_error,
    sync_run_finish,
    sync_run_progress,
    sync_run_start,
    sync_runner,
)
from tracker_rsc.linkedin import (
    PUSH_CONNECTION_CHANGE,
    LinkedInAPI,
    ProjectConnectionChange,
    get_client,
)
from tracker_rsc.models import Integration

logger = logging.getLogger(__name__)


def _requisition(requisition_id: str) -> Requisition | None:
    try:
        pk = int(requisition_id.strip())
    except ValueError:
        return None
    return Requisition.objects.filter(pk=pk).first() if pk > 0 else None


def connection_change_apply(
    change: ProjectConnectionChange,
) -> requisition_services.ConnectionDecision:
    """Apply one connection state from LinkedIn; action ``unknown_requisition`` when Tracker
    has no such requisition (nothing is written then)."""
    requisition = _requisition(change.requisition_id)
    if requisition is None:
        return requisition_services.ConnectionDecision(
            "unknown_requisition",
            None,
            f"Requisition “{change.requisition_id}” does not exist in Tracker (deleted, or "
            "not a Tracker id); the connection to "
            f"{change.hiring_project} was not recorded.",
        )
    return requisition_services.project_connection_apply(
        requisition=requisition,
        project_urn=change.hiring_project,
        owner_seat_urn=change.owner_seat_urn,
        connected=change.state == "CONNECTED",
        hiring_assistant_automation=change.hiring_assistant_automation,
        changed_at=change.changed_at,
    )


def _change_json(change: ProjectConnectionChange) -> dict[str, Any]:
    return {
        "hiring_project": change.hiring_project,
        "requisition_id": change.requisition_id,
        "owner_seat_urn": change.owner_seat_urn,
        "state": change.state,
        "hiring_assistant_automation": change.hiring_assistant_automation,
        "changed_at": change.changed_at.isoformat(),
    }


@notification_handler(PUSH_CONNECTION_CHANGE)
def handle_connection_change(notification: InboundNotification) -> HandlerOutcome:
    """Fetch the change and apply it (see the module docstring). Idempotent."""
    change = get_client().get_connection_change(notification.request_id)
    decision = connection_change_apply(change)
    result = {**_change_json(change), "action": decision.action}
    if decision.connection is not None:
        result["connection_id"] = decision.connection.pk
    if decision.action in ("unknown_requisition", "stale"):
        return ignored(decision.reason, result)
    if decision.reason:
        result["reason"] = decision.reason
    return processed(result)


def connection_sync_run(*, actor: Any = None, client: LinkedInAPI | None = None) -> SyncRun | None:
    """Reconcile every connection LinkedIn reports for the organization. None when skipped."""
    integration = Integration.get()
    if not integration.is_enabled or not integration.organization_urn:
        logger.info("connection sync: the integration is not enabled")
        return None
    run, _ = sync_run_start(kind=SyncRun.Kind.CONNECTION_SYNC, actor=actor)
    if run is None:
        logger.warning("connection sync skipped: another run is in progress")
        return None
    client = client or get_client()
    counts: Counter = Counter()
    listed_active: set[tuple[int, str]] = set()
    try:
        for change in client.iter_connections(integration.organization_urn):
            counts["total"] += 1
            decision = connection_change_apply(change)
            counts[decision.action] += 1
            if decision.connection is not None and decision.connection.active:
                listed_active.add((decision.connection.requisition_id, change.hiring_project))
            if decision.action == "refused":
                sync_run_error(
                    run,
                    f"requisition {change.requisition_id} ↔ {change.hiring_project}: "
                    f"{decision.reason}",
                )
    except Exception as exc:
        logger.warning("connection sync failed", exc_info=True)
        sync_run_progress(run, total=counts["total"], processed=counts["total"])
        sync_run_finish(run, status=SyncRun.Status.FAILED, error=f"{type(exc).__name__}: {exc}")
        return run
    # Only after reading every page: what Tracker holds active and LinkedIn no longer does.
    for connection in ProjectConnection.objects.filter(active=True):
        if (connection.requisition_id, connection.project_urn) not in listed_active:
            requisition_services.project_connection_disconnect(
                connection=connection,
                reason="LinkedIn no longer reports this connection (found by reconciliation).",
            )
            counts["disconnected_by_reconciliation"] += 1
    skipped = {
        reason: counts[reason]
        for reason in ("unknown_requisition", "stale", "unchanged")
        if counts[reason]
    }
    sync_run_progress(
        run,
        total=counts["total"],
        processed=counts["total"] - sum(skipped.values()),
        created=counts["connected"],
        updated=counts["updated"] + counts["disconnected"],
        skipped=skipped,
        counters={
            name: counts[name]
            for name in ("refused", "disconnected", "disconnected_by_reconciliation")
            if counts[name]
        },
    )
    sync_run_finish(run)
    return run


@sync_runner(
    "connection_sync",
    help="Reconcile LinkedIn hiring project connections with requisitions (hourly in beat).",
)
def connection_sync_runs(*, actor: Any = None) -> list[SyncRun]:
    run = connection_sync_run(actor=actor)
    return [run] if run is not None else []


@shared_task(name="syncjobs.tasks.connection_sync")
def connection_sync() -> dict[str, Any]:
    """Hourly: reconcile hiring project connections (pushes may be lost or out of order)."""
    run = connection_sync_run()
    if run is None:
        return {"runs": 0}
    return {"runs": 1, "status": run.status, "total": run.total}
