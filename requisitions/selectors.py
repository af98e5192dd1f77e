"""Reads for requisitions, their LinkedIn connections, placements and activities."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Prefetch, Q, QuerySet

from requisitions.models import Activity, Placement, ProjectConnection, Requisition

REEVALUATION_UNAVAILABLE_HINT = (
    "Hiring Assistant re-evaluation is unavailable for this requisition until "
    "“Hiring Assistant Automation” is turned on in the LinkedIn project's settings. "
    "Candidates found in LinkedIn search get a rank only after they are exported and "
    "re-evaluated."
)


def requisition_list() -> QuerySet[Requisition]:
    """Requisitions with owner ids and the active connection prefetched (three queries a page).

    Each row carries ``active_connections``: a list of at most one active ProjectConnection
    with its owner seat.
    """
    return Requisition.objects.prefetch_related(
        Prefetch("owners", queryset=get_user_model().objects.only("id")),
        Prefetch(
            "connections",
            queryset=ProjectConnection.objects.filter(active=True).select_related("owner_seat"),
            to_attr="active_connections",
        ),
    )


def requisition_active_connection(requisition: Requisition) -> ProjectConnection | None:
    """The active LinkedIn hiring project connection, from the prefetch when there is one."""
    connections = getattr(requisition, "active_connections", None)
    if connections is not None:
        return connections[0] if connections else None
    return requisition.connections.filter(active=True).select_related("owner_seat").first()


def connection_owner_seat_urn(connection: ProjectConnection) -> str:
    """The project owner's seat URN as LinkedIn reported it (the mapped seat's as a fallback)."""
    if connection.owner_seat_urn:
        return connection.owner_seat_urn
    return connection.owner_seat.seat_urn if connection.owner_seat else ""


def requisition_reevaluation_hint(requisition: Requisition) -> str | None:
    """How to get Hiring Assistant re-evaluations, when they are off (docs/architecture.md §4.10);
    else None.

    Only a connected requisition can be evaluated at all; for one whose LinkedIn project has
    Hiring Assistant Automation off, re-evaluation is unavailable and the user is told where
    to turn it on.
    """
    connection = requisition_active_connection(requisition)
    if connection is None or connection.hiring_assistant_automation:
        return None
    return REEVALUATION_UNAVAILABLE_HINT


def placement_list() -> QuerySet[Placement]:
    """Placements: every field the API shows is on the row itself (one query a page)."""
    return Placement.objects.all()


def activity_list() -> QuerySet[Activity]:
    """Activities about Tracker records.

    Rows with neither a candidate nor a requisition hold LinkedIn data of a member who is not
    (yet) linked to any candidate; they are waiting to attach and are not shown.
    """
    return Activity.objects.filter(Q(candidate__isnull=False) | Q(requisition__isnull=False))
