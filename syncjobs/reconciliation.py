"""Reconciliation (LinkedIn certification asks partners to reconcile counts): what Tracker holds
against what LinkedIn accepted, for the admin page ``/admin/syncjobs/syncrun/reconciliation/``.

Every figure is one aggregate query (indexed columns or a bounded scan), so the page stays
usable on a million candidates. "Accepted by LinkedIn" is what LinkedIn answered for each record
(``Candidate.linkedin_synced_at``, set by the bulk and live sync on a 2xx per-record status);
LinkedIn offers no count endpoint to compare with, so the last bulk run's own counters (sent,
accepted, refused) are shown beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import Length, Trim

from candidates.models import Candidate, MatchReview, MemberLink
from syncjobs.bulk_sync import history_cutoff
from syncjobs.models import OutboxEvent, SyncRun
from tracker_rsc.models import Integration


@dataclass(frozen=True)
class Row:
    label: str
    tracker: int | None
    linkedin: int | None = None
    note: str = ""


def reconciliation_rows() -> dict[str, Any]:
    """The figures of the page: rows of (what, Tracker's count, LinkedIn's count, note)."""
    integration = Integration.get()
    candidates = Candidate.objects.all()
    active_link = MemberLink.objects.filter(candidate=OuterRef("pk"), unlinked_at__isnull=True)
    eligible = None
    if integration.enabled_at is not None:
        eligible = (
            candidates.filter(updated_at__gte=history_cutoff(integration))
            .annotate(first=Length(Trim("first_name")), last=Length(Trim("last_name")))
            .filter(first__gt=0, last__gt=0)
            .filter(~Q(email_key="") | Exists(active_link))
            .count()
        )
    accepted = candidates.filter(linkedin_synced_at__isnull=False).count()
    refused = candidates.exclude(linkedin_sync_error="").count()
    links = dict(
        MemberLink.objects.filter(unlinked_at__isnull=True)
        .values("method")
        .annotate(n=Count("id"))
        .values_list("method", "n")
    )
    ambiguous = MatchReview.objects.filter(
        kind=MatchReview.Kind.AMBIGUOUS_MATCH, resolved_at__isnull=True
    ).count()
    queued = dict(
        OutboxEvent.objects.filter(aggregate="candidate")
        .exclude(status=OutboxEvent.Status.SENT)
        .values("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    run = SyncRun.objects.filter(kind=SyncRun.Kind.BULK_SYNC).order_by("-created_at").first()
    counters = (run.counters or {}) if run else {}
    rows = [
        Row("Candidates in Tracker", candidates.count()),
        Row(
            "Eligible now (window, names, email or link)",
            eligible,
            note=f"candidates {integration.history_description}"
            if eligible is not None
            else "the integration was never enabled",
        ),
        Row("Sent by the last bulk sync", counters.get("sent", 0) if run else None),
        Row(
            "Accepted by LinkedIn (bulk and live sync)",
            accepted,
            counters.get("accepted", 0) if run else None,
            "LinkedIn column: accepted in the last bulk sync run",
        ),
        Row("Refused by LinkedIn (last answer)", refused, run.failed if run else None),
        Row(
            "Never sent (eligible, not accepted, not refused)",
            _never_sent(eligible, accepted, refused),
        ),
        Row("Linked to a LinkedIn member", sum(links.values())),
        *[
            Row(f"  linked by {MemberLink.Method(method).label}", count)
            for method, count in sorted(links.items())
        ],
        Row("Ambiguous matches waiting for an admin", ambiguous, counters.get("ambiguous")),
        Row("Candidate changes waiting in the outbox", queued.get("pending", 0)),
        Row("  failed, will retry", queued.get("failed", 0)),
        Row("  dead (retry from the outbox admin)", queued.get("dead", 0)),
    ]
    return {"rows": rows, "run": run, "integration": integration}


def _never_sent(eligible: int | None, accepted: int, refused: int) -> int | None:
    if eligible is None:
        return None
    return max(0, eligible - accepted - refused)
