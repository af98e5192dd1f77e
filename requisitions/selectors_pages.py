"""Reads for the requisition pages: the list, the requisition page and its shortlist cards.

Like the candidate pages, every read here costs a fixed number of queries and pages by keyset
(``updated_at``/``created_at``, ``id``); nothing counts or offsets a whole table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery

from candidates.selectors_pages import Cursor, KeysetPage, SyncState, keyset_page
from requisitions.models import Activity, Placement, ProjectConnection, Requisition
from tracker_rsc import access

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

REQUISITIONS_PER_PAGE = 50
CARDS_PER_PAGE = 48
# Connection history shown on a requisition page: the active one plus recent changes.
CONNECTIONS_SHOWN = 20


@dataclass(frozen=True)
class RequisitionFilters:
    text: str = ""
    status: str = ""
    kind: str = ""
    mine: bool = False


@dataclass
class RequisitionRow:
    requisition: Requisition
    connection: ProjectConnection | None
    shortlist_size: int
    sync: SyncState | None = None


@dataclass
class RequisitionListResult:
    page: KeysetPage
    rows: list[RequisitionRow] = field(default_factory=list)


def requisition_list_page(
    *,
    filters: RequisitionFilters,
    cursor: Cursor | None,
    user: AbstractBaseUser,
    per_page: int | None = None,
) -> RequisitionListResult:
    """One page of requisitions with owners, active connection and shortlist size (4 queries)."""
    queryset: QuerySet[Requisition] = Requisition.objects.prefetch_related(
        "owners",
        Prefetch(
            "connections",
            queryset=ProjectConnection.objects.filter(active=True).select_related("owner_seat"),
            to_attr="active_connections",
        ),
    )
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.kind:
        queryset = queryset.filter(kind=filters.kind)
    if filters.mine:
        queryset = queryset.filter(owners=user)
    if filters.text:
        queryset = queryset.filter(
            Q(title__icontains=filters.text) | Q(client_name__icontains=filters.text)
        )
    page = keyset_page(
        queryset,
        field_name="updated_at",
        descending=True,
        cursor=cursor,
        per_page=per_page or REQUISITIONS_PER_PAGE,
    )
    ids = [requisition.pk for requisition in page.rows]
    sizes = (
        dict(
            Placement.objects.filter(requisition_id__in=ids)
            .values("requisition_id")
            .annotate(n=Count("id"))
            .values_list("requisition_id", "n")
        )
        if ids
        else {}
    )
    rows = [
        RequisitionRow(
            requisition=requisition,
            connection=(requisition.active_connections or [None])[0],
            shortlist_size=sizes.get(requisition.pk, 0),
        )
        for requisition in page.rows
    ]
    return RequisitionListResult(page=page, rows=rows)


def requisition_for_page(*, pk: int) -> Requisition | None:
    return Requisition.objects.prefetch_related("owners").filter(pk=pk).first()


@dataclass
class ConnectionState:
    active: ProjectConnection | None
    refused: list[ProjectConnection]
    history: list[ProjectConnection]

    @property
    def automation_off(self) -> bool:
        return self.active is not None and not self.active.hiring_assistant_automation


def requisition_connections(*, requisition: Requisition) -> ConnectionState:
    """The active LinkedIn project connection, refusals (with reasons) and recent history."""
    connections = list(
        requisition.connections.select_related("owner_seat", "owner_seat__user").order_by(
            "-active", "-changed_at", "-id"
        )[:CONNECTIONS_SHOWN]
    )
    active = next((c for c in connections if c.active), None)
    refused = [c for c in connections if c.state == ProjectConnection.State.REFUSED]
    history = [
        c for c in connections if not c.active and c.state != ProjectConnection.State.REFUSED
    ]
    return ConnectionState(active=active, refused=refused, history=history)


@dataclass
class ShortlistCard:
    """A placement with its rank and latest evaluation summary: Tracker records that every
    user sees (``tracker_rsc.access``); ``subject``/``body`` are the summary's text as the
    reader may see it (any member URN redacted without the widget)."""

    placement: Placement
    summary: Activity | None
    subject: str = ""
    body: str = ""


def _card(placement: Placement, summary: Activity | None, *, widget: bool) -> ShortlistCard:
    if summary is None:
        return ShortlistCard(placement=placement, summary=None)
    subject, body = access.activity_text(summary.kind, summary.subject, summary.body, widget=widget)
    return ShortlistCard(placement=placement, summary=summary, subject=subject, body=body)


def shortlist_cards(
    *,
    requisition: Requisition,
    cursor: Cursor | None,
    per_page: int | None = None,
    widget: bool = False,
) -> tuple[list[ShortlistCard], KeysetPage]:
    """Shortlist cards, newest first, each with its latest evaluation summary (two queries).

    ``widget``: whether the reader sees LinkedIn widget data (``tracker_rsc.access``); the
    ranks and summaries show either way.

    The latest ``evaluation_summary`` activity of each placement is found by a correlated
    subquery on ``activity_placement_idx`` and the activities themselves fetched in one go.
    """
    latest_summary = (
        Activity.objects.filter(placement=OuterRef("pk"), kind=Activity.Kind.EVALUATION_SUMMARY)
        .order_by("-occurred_at", "-id")
        .values("pk")[:1]
    )
    queryset = (
        Placement.objects.filter(requisition=requisition)
        .select_related("candidate", "added_by")
        .annotate(latest_summary_id=Subquery(latest_summary))
    )
    page = keyset_page(
        queryset,
        field_name="created_at",
        descending=True,
        cursor=cursor,
        per_page=per_page or CARDS_PER_PAGE,
    )
    summary_ids = [p.latest_summary_id for p in page.rows if p.latest_summary_id]
    summaries = Activity.objects.in_bulk(summary_ids) if summary_ids else {}
    cards = [_card(p, summaries.get(p.latest_summary_id), widget=widget) for p in page.rows]
    return cards, page
