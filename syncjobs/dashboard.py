"""The admins' sync dashboard: integration health, sync progress and the work queues.

Mounted at ``/admin/dashboard/`` (before the admin's own URLs) and wrapped in
``admin.site.admin_view``, so only active staff users reach it. ``progress.json`` serves the
figures that move while a run is going; the page polls it every few seconds and redraws the
progress bar and the counters without a reload.

Every read is bounded: one query per periodic job kind (a fixed set), counts only over indexed
status columns, and the work queues show their latest rows with a link to the admin changelist
(filtered) where the actions live.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib import admin
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone

from candidates.models import MatchReview
from requisitions.models import Activity
from syncjobs.models import HeldRecord, InboundNotification, OutboxEvent, PurgeNotice, SyncRun
from tracker_rsc import access
from tracker_rsc.models import Integration, LinkedInSeat

# The work queues list their newest rows; the admin changelist has the rest.
QUEUE_ROWS = 20
PERIODIC_KINDS = [kind for kind in SyncRun.Kind if kind != SyncRun.Kind.BULK_SYNC]
OUTBOX_STATUSES = [
    OutboxEvent.Status.PENDING,
    OutboxEvent.Status.SENDING,
    OutboxEvent.Status.FAILED,
    OutboxEvent.Status.DEAD,
]
NOTIFICATION_PROBLEMS = [InboundNotification.Status.FAILED, InboundNotification.Status.REJECTED]
# Seats at or above this share of the monthly Export to ATS allowance are flagged.
QUOTA_WARNING_RATIO = 0.9


def changelist_url(model: type, **filters: str) -> str:
    """The admin changelist of ``model`` with ``filters`` applied, or '' if not registered."""
    meta = model._meta
    try:
        url = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
    except NoReverseMatch:
        return ""
    if filters:
        from urllib.parse import urlencode

        url = f"{url}?{urlencode(filters)}"
    return url


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def run_summary(run: SyncRun | None) -> dict[str, Any] | None:
    """The JSON shape of a run, shared by the page (first paint) and the poll endpoint."""
    if run is None:
        return None
    skipped = {str(reason): int(n) for reason, n in sorted((run.skipped or {}).items())}
    return {
        "id": run.pk,
        "kind": run.kind,
        "kind_label": run.get_kind_display(),
        "status": run.status,
        "status_label": run.get_status_display(),
        "active": run.status in SyncRun.ACTIVE_STATUSES,
        "percent": run.progress_percent,
        "total": run.total,
        "processed": run.processed,
        "linked": run.linked,
        "created": run.created,
        "updated": run.updated,
        "failed": run.failed,
        "skipped": skipped,
        "skipped_list": [
            {"reason": reason, "label": reason.replace("_", " "), "count": n}
            for reason, n in skipped.items()
        ],
        "skipped_total": sum(skipped.values()),
        "counters": run.counters or {},
        "errors": [str(e) for e in (run.errors or [])][-5:],
        "error": run.error,
        "contract": str(run.contract) if run.contract_id else "",
        "created_at": _iso(run.created_at),
        "started_at": _iso(run.started_at),
        "heartbeat_at": _iso(run.heartbeat_at),
        "finished_at": _iso(run.finished_at),
    }


def latest_bulk_sync() -> SyncRun | None:
    return (
        SyncRun.objects.filter(kind=SyncRun.Kind.BULK_SYNC)
        .select_related("contract")
        .order_by("-created_at", "-id")
        .first()
    )


def latest_periodic_runs() -> list[tuple[str, str, SyncRun | None]]:
    """``(kind, label, latest run or None)`` for every periodic job kind: one query.

    Each kind's latest run is a scalar subquery on ``syncrun_kind_idx``; a fixed set of kinds
    keeps the statement's size constant.
    """
    condition = Q(pk__in=[])
    for kind in PERIODIC_KINDS:
        latest = SyncRun.objects.filter(kind=kind).order_by("-created_at", "-id").values("pk")[:1]
        condition |= Q(pk__in=latest)
    runs = {run.kind: run for run in SyncRun.objects.filter(condition).select_related("contract")}
    return [(kind.value, kind.label, runs.get(kind.value)) for kind in PERIODIC_KINDS]


def outbox_backlog() -> dict[str, int]:
    """Events waiting or given up on, by status (sent events are history, not backlog)."""
    counts = dict(
        OutboxEvent.objects.filter(status__in=OUTBOX_STATUSES)
        .values("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    return {str(status): counts.get(status, 0) for status in OUTBOX_STATUSES}


def notification_problems() -> dict[str, int]:
    counts = dict(
        InboundNotification.objects.filter(status__in=NOTIFICATION_PROBLEMS)
        .values("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    return {str(status): counts.get(status, 0) for status in NOTIFICATION_PROBLEMS}


def open_review_counts() -> dict[str, int]:
    counts = dict(
        MatchReview.objects.filter(resolved_at__isnull=True)
        .values("kind")
        .annotate(n=Count("id"))
        .values_list("kind", "n")
    )
    return {str(kind): counts.get(kind, 0) for kind in MatchReview.Kind.values}


def unresolved_purge_count() -> int:
    return PurgeNotice.objects.filter(resolved_at__isnull=True).count()


def open_held_record_count() -> int:
    """Records LinkedIn sent that Tracker could not store, waiting for a retry or dismissal."""
    return HeldRecord.objects.filter(resolved_at__isnull=True).count()


@dataclass
class SeatQuota:
    seat: LinkedInSeat
    used: int
    limit: int

    @property
    def percent(self) -> int:
        return min(100, int(self.used * 100 / self.limit)) if self.limit else 100

    @property
    def warning(self) -> bool:
        return self.used >= self.limit * QUOTA_WARNING_RATIO

    @property
    def exhausted(self) -> bool:
        return self.used >= self.limit


def month_start(now: datetime | None = None) -> datetime:
    now = timezone.localtime(now or timezone.now(), timezone.get_current_timezone())
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def export_quota() -> list[SeatQuota]:
    """Export to ATS per seat this calendar month against LinkedIn's allowance (two queries).

    Counts ``export`` activities by seat through ``activity_seat_idx`` (kind, seat, occurred_at).
    Active seats are listed even at zero; an inactive seat appears only if it exported.
    """
    used = dict(
        Activity.objects.filter(
            kind=Activity.Kind.EXPORT, seat__isnull=False, occurred_at__gte=month_start()
        )
        .values("seat")
        .annotate(n=Count("id"))
        .values_list("seat", "n")
    )
    seats = LinkedInSeat.objects.filter(Q(active=True) | Q(pk__in=list(used))).select_related(
        "user", "contract"
    )
    limit = settings.LINKEDIN_EXPORTS_PER_SEAT_PER_MONTH
    quotas = [SeatQuota(seat=seat, used=used.get(seat.pk, 0), limit=limit) for seat in seats]
    quotas.sort(key=lambda q: (-q.used, q.seat.full_name.casefold(), q.seat.seat_urn))
    return quotas


def progress_payload() -> dict[str, Any]:
    """What the dashboard redraws while it is open: runs, backlog and queue sizes."""
    return {
        "generated_at": timezone.now().isoformat(),
        "bulk_sync": run_summary(latest_bulk_sync()),
        "periodic": [
            {"kind": kind, "label": label, "run": run_summary(run)}
            for kind, label, run in latest_periodic_runs()
        ],
        "outbox": outbox_backlog(),
        "notifications": notification_problems(),
        "reviews": open_review_counts(),
        "purge_notices": unresolved_purge_count(),
        "held_records": open_held_record_count(),
    }


def dashboard(request: HttpRequest) -> HttpResponse:
    integration = Integration.get()
    payload = progress_payload()
    bulk = payload["bulk_sync"]
    context = {
        **admin.site.each_context(request),
        "title": "Sync dashboard",
        "integration": integration,
        "credentials_configured": Integration.credentials_configured(),
        "bulk": bulk,
        "periodic": payload["periodic"],
        "outbox": payload["outbox"],
        "notifications": payload["notifications"],
        "reviews_count": payload["reviews"],
        "purge_count": payload["purge_notices"],
        "held_count": payload["held_records"],
        "reviews": list(
            MatchReview.objects.filter(resolved_at__isnull=True)
            .select_related("candidate", "other_candidate")
            .order_by("-created_at", "-id")[:QUEUE_ROWS]
        ),
        "purge_notices": list(
            PurgeNotice.objects.filter(resolved_at__isnull=True)
            .select_related("candidate")
            .order_by("-received_at", "-id")[:QUEUE_ROWS]
        ),
        "quota": export_quota(),
        "quota_limit": settings.LINKEDIN_EXPORTS_PER_SEAT_PER_MONTH,
        "quota_month": month_start(),
        "links": {
            "integration": changelist_url(Integration),
            "outbox_dead": changelist_url(OutboxEvent, status__exact=OutboxEvent.Status.DEAD),
            "outbox": changelist_url(OutboxEvent),
            "notifications_failed": changelist_url(
                InboundNotification, status__exact=InboundNotification.Status.FAILED
            ),
            "notifications_rejected": changelist_url(
                InboundNotification, status__exact=InboundNotification.Status.REJECTED
            ),
            "reviews": changelist_url(MatchReview, resolved_at__isnull="True"),
            "purge_notices": changelist_url(PurgeNotice, resolved_at__isnull="True"),
            "held_records": changelist_url(HeldRecord, open="yes"),
            "sync_runs": changelist_url(SyncRun),
            "bulk_runs": changelist_url(SyncRun, kind__exact=SyncRun.Kind.BULK_SYNC),
        },
        "progress_url": reverse("admin-dashboard-progress"),
        "poll_seconds": 3,
        # Member URNs in the queues follow the console's rule (tracker_rsc.access).
        "member_data": access.can_see_member_links_in_admin(request.user),
    }
    return TemplateResponse(request, "syncjobs/dashboard.html", context)


def progress(request: HttpRequest) -> JsonResponse:
    return JsonResponse(progress_payload())


urlpatterns = [
    path("", admin.site.admin_view(dashboard), name="admin-dashboard"),
    path("progress.json", admin.site.admin_view(progress), name="admin-dashboard-progress"),
]
