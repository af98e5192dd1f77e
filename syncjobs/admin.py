"""Admin for the audit trail of the sync: runs, the outbox, LinkedIn's pushes, purge notices
and the LinkedIn records Tracker could not store (held records).

All are records of what happened, so they are read-only; the operations on them are admin
actions (retry outbox events, resolve purge notices, retry or dismiss held records) that report
counts and are audited in the admin log.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from syncjobs.models import HeldRecord, InboundNotification, OutboxEvent, PurgeNotice, SyncRun
from tracker_rsc.admin_utils import (
    ExactSearchMixin,
    LargeTableAdminMixin,
    ReadOnlyAdminMixin,
    counts_table,
    permission_check,
    pretty_json,
    progress_bar,
    report,
    truncate,
)


@admin.register(SyncRun)
class SyncRunAdmin(ExactSearchMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "id",
        "kind",
        "status",
        "contract",
        "progress",
        "processed_of_total",
        "linked",
        "created",
        "updated",
        "failed",
        "skipped_count",
        "created_at",
        "duration",
        "short_error",
    )
    list_filter = ("kind", "status", "contract")
    exact_search_fields = ("lock_key",)
    exact_id_search_fields = ("pk",)
    search_help_text = "A run id or a lock key (kind:contract:seat)."
    list_select_related = ("contract", "seat", "triggered_by")
    date_hierarchy = "created_at"
    fieldsets = (
        (None, {"fields": ("kind", "status", "contract", "seat", "lock_key", "triggered_by")}),
        (
            "Progress",
            {
                "fields": (
                    "progress",
                    "processed_of_total",
                    "linked",
                    "created",
                    "updated",
                    "failed",
                    "skipped_by_reason",
                    "other_counters",
                )
            },
        ),
        ("Errors", {"fields": ("error", "recent_errors")}),
        (
            "Timing",
            {
                "fields": (
                    "window_start",
                    "window_end",
                    "created_at",
                    "started_at",
                    "heartbeat_at",
                    "finished_at",
                    "duration",
                )
            },
        ),
        ("Resume point", {"fields": ("cursor_pretty",), "classes": ("collapse",)}),
    )
    readonly_fields = (
        "progress",
        "processed_of_total",
        "skipped_by_reason",
        "other_counters",
        "recent_errors",
        "duration",
        "cursor_pretty",
    )

    def get_urls(self) -> list:
        from django.urls import path

        return [
            path(
                "reconciliation/",
                self.admin_site.admin_view(self.reconciliation_view),
                name="syncjobs_syncrun_reconciliation",
            ),
            *super().get_urls(),
        ]

    def reconciliation_view(self, request: HttpRequest) -> HttpResponse:
        """Tracker's candidate counts against what LinkedIn accepted (certification)."""
        from syncjobs.reconciliation import reconciliation_rows

        if not self.has_view_permission(request):
            raise PermissionDenied
        return TemplateResponse(
            request,
            "admin/syncjobs/reconciliation.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": "Reconciliation with LinkedIn",
                **reconciliation_rows(),
            },
        )

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):
        from django.urls import reverse

        if request.method == "GET" and not request.GET:
            self.message_user(
                request,
                format_html(
                    'Compare counts with LinkedIn on the <a href="{}">reconciliation page</a>.',
                    reverse("admin:syncjobs_syncrun_reconciliation"),
                ),
                messages.INFO,
            )
        return super().changelist_view(request, extra_context)

    @admin.display(description="progress")
    def progress(self, obj: SyncRun) -> str:
        return progress_bar(obj.progress_percent)

    @admin.display(description="processed / total")
    def processed_of_total(self, obj: SyncRun) -> str:
        return f"{obj.processed:,} / {obj.total:,}"

    @admin.display(description="skipped")
    def skipped_count(self, obj: SyncRun) -> str:
        total = obj.skipped_total
        if not total:
            return "0"
        reasons = ", ".join(
            f"{reason.replace('_', ' ')}: {count}" for reason, count in sorted(obj.skipped.items())
        )
        return format_html('<span title="{}">{}</span>', reasons, f"{total:,}")

    @admin.display(description="skipped, by reason")
    def skipped_by_reason(self, obj: SyncRun) -> str:
        return counts_table(obj.skipped)

    @admin.display(description="other counters")
    def other_counters(self, obj: SyncRun) -> str:
        return counts_table(obj.counters)

    @admin.display(description="recent errors")
    def recent_errors(self, obj: SyncRun) -> str:
        if not obj.errors:
            return "—"
        return format_html(
            "<ol>{}</ol>",
            format_html_join(
                "",
                "<li>{}</li>",
                (
                    (error if isinstance(error, str) else json.dumps(error, default=str),)
                    for error in obj.errors
                ),
            ),
        )

    @admin.display(description="error")
    def short_error(self, obj: SyncRun) -> str:
        return truncate(obj.error, 60) or "—"

    @admin.display(description="duration")
    def duration(self, obj: SyncRun) -> str:
        if not obj.started_at:
            return "—"
        seconds = int(((obj.finished_at or timezone.now()) - obj.started_at).total_seconds())
        hours, rest = divmod(max(seconds, 0), 3600)
        text = (
            f"{hours}h {rest // 60:02d}m {rest % 60:02d}s"
            if hours
            else f"{rest // 60}m {rest % 60:02d}s"
        )
        return text if obj.finished_at else f"{text} (running)"

    @admin.display(description="cursor")
    def cursor_pretty(self, obj: SyncRun) -> str:
        return pretty_json(obj.cursor)


@admin.register(OutboxEvent)
class OutboxEventAdmin(
    LargeTableAdminMixin, ExactSearchMixin, ReadOnlyAdminMixin, admin.ModelAdmin
):
    list_display = (
        "id",
        "kind",
        "object_id",
        "status",
        "attempts",
        "next_attempt_at",
        "short_error",
        "created_at",
        "sent_at",
    )
    list_filter = ("status", "kind", "aggregate")
    exact_search_fields = ("object_id",)
    exact_id_search_fields = ("pk",)
    search_help_text = "The id of the candidate, requisition or placement, or an event id."
    list_select_related = ()  # no foreign keys: events name their record by id
    sortable_by = ("id",)
    actions = ("retry_selected",)
    fields = (
        "kind",
        "aggregate",
        "object_id",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
        "payload_pretty",
        "created_at",
        "updated_at",
        "claimed_at",
        "sent_at",
    )
    readonly_fields = ("payload_pretty",)

    @admin.display(description="last error")
    def short_error(self, obj: OutboxEvent) -> str:
        return truncate(obj.last_error, 60) or "—"

    @admin.display(description="payload")
    def payload_pretty(self, obj: OutboxEvent) -> str:
        return pretty_json(obj.payload)

    has_retry_permission = permission_check("change")

    @admin.action(description="Retry selected failed or dead events now", permissions=["retry"])
    def retry_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        from syncjobs.outbox import outbox_retry

        ids = list(
            queryset.filter(
                status__in=[OutboxEvent.Status.FAILED, OutboxEvent.Status.DEAD]
            ).values_list("pk", flat=True)[:10_000]
        )
        retried = outbox_retry(event_ids=ids) if ids else 0
        for event in OutboxEvent.objects.filter(pk__in=ids, status=OutboxEvent.Status.PENDING):
            self.log_change(request, event, "Retried from the admin.")
        report(
            self,
            request,
            [(retried, "events queued again"), (len(ids) - retried, "superseded by newer events")],
        )


class EventTypeFilter(admin.SimpleListFilter):
    """The push types of docs/architecture.md §5.1 (a fixed list: no DISTINCT over the whole
    table)."""

    title = "event type"
    parameter_name = "event_type"
    types = (
        "EXPORT_CANDIDATE_PROFILE",
        "APPLICATION_EVALUATION",
        "INTEGRATION_STATUS_CHANGE",
        "HIRING_PROJECT_CONNECTION_CHANGE",
    )

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [(name, name.replace("_", " ").capitalize()) for name in self.types] + [
            ("other", "Other or unreadable")
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "other":
            return queryset.exclude(event_type__in=self.types)
        if self.value():
            return queryset.filter(event_type=self.value())
        return queryset


@admin.register(InboundNotification)
class InboundNotificationAdmin(
    LargeTableAdminMixin, ExactSearchMixin, ReadOnlyAdminMixin, admin.ModelAdmin
):
    list_display = (
        "id",
        "event_type",
        "request_id",
        "status",
        "signature_valid",
        "attempts",
        "received_at",
        "processed_at",
        "short_error",
        "candidate",
        "placement",
    )
    list_filter = ("status", EventTypeFilter, "signature_valid")
    exact_search_fields = ("request_id",)
    exact_id_search_fields = ("pk", "candidate_id", "placement_id")
    search_help_text = "LinkedIn's request id, or a notification, candidate or placement id."
    list_select_related = ("candidate", "placement")
    sortable_by = ("id", "received_at")
    raw_id_fields = ("candidate", "placement")
    fields = (
        "event_type",
        "request_id",
        "status",
        "signature_valid",
        "attempts",
        "error",
        "received_at",
        "claimed_at",
        "processed_at",
        "next_attempt_at",
        "expires_at",
        "candidate",
        "placement",
        "result_pretty",
        "headers_pretty",
        "raw_body",
    )
    readonly_fields = ("result_pretty", "headers_pretty")
    actions = ("replay_selected", "import_anyway", "discard_selected")

    has_replay_permission = permission_check("change")

    def _notification_action(
        self,
        request: HttpRequest,
        queryset: QuerySet,
        statuses: tuple[str, ...],
        apply: Callable[[InboundNotification], None],
    ) -> tuple[int, int]:
        """Apply ``apply(notification)`` to the selected rows in ``statuses``; (done, refused)."""
        from syncjobs.notifications import ReplayRefused

        done = refused = 0
        for notification in queryset.filter(status__in=statuses)[:1000]:
            try:
                apply(notification)
            except ReplayRefused:
                refused += 1
                continue
            done += 1
        refused += queryset.exclude(status__in=statuses).count()
        return done, refused

    @admin.action(
        description="Replay selected failed, held or ignored notifications", permissions=["replay"]
    )
    def replay_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        from syncjobs.notifications import REPLAYABLE, notification_replay

        def replay(notification: InboundNotification) -> None:
            notification_replay(notification=notification, actor=request.user)
            self.log_change(request, notification, "Replayed from the admin.")

        done, refused = self._notification_action(request, queryset, REPLAYABLE, replay)
        report(self, request, [(done, "queued for processing"), (refused, "not replayable")])

    @admin.action(
        description="Import anyway (held: erased person) — replay with override",
        permissions=["replay"],
    )
    def import_anyway(self, request: HttpRequest, queryset: QuerySet) -> None:
        from syncjobs.notifications import notification_replay

        def replay(notification: InboundNotification) -> None:
            notification_replay(notification=notification, actor=request.user, override=True)
            self.log_change(request, notification, "Import anyway (override) from the admin.")

        held = (InboundNotification.Status.HELD,)
        done, refused = self._notification_action(request, queryset, held, replay)
        report(self, request, [(done, "queued for import"), (refused, "not held")])

    @admin.action(description="Discard selected held notifications", permissions=["replay"])
    def discard_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        from syncjobs.notifications import notification_discard

        def discard(notification: InboundNotification) -> None:
            notification_discard(notification=notification, actor=request.user)
            self.log_change(request, notification, "Discarded from the admin.")

        held = (InboundNotification.Status.HELD,)
        done, refused = self._notification_action(request, queryset, held, discard)
        report(self, request, [(done, "discarded"), (refused, "not held")])

    @admin.display(description="error")
    def short_error(self, obj: InboundNotification) -> str:
        return truncate(obj.error, 60) or "—"

    @admin.display(description="result")
    def result_pretty(self, obj: InboundNotification) -> str:
        return pretty_json(obj.result)

    @admin.display(description="headers")
    def headers_pretty(self, obj: InboundNotification) -> str:
        return pretty_json(obj.headers)


@admin.register(PurgeNotice)
class PurgeNoticeAdmin(ExactSearchMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """LinkedIn's purged-export notices: a work queue of admins (docs/architecture.md §4.11)."""

    list_display = (
        "notice_id",
        "person_urn",
        "candidate",
        "purged_at",
        "received_at",
        "resolved_at",
        "resolved_by",
        "resolution",
    )
    list_filter = (("resolved_at", admin.EmptyFieldListFilter),)
    exact_search_fields = ("notice_id", "person_urn")
    exact_id_search_fields = ("candidate_id",)
    search_help_text = "A notice id, a person URN or a candidate id."
    list_select_related = ("candidate", "resolved_by")
    raw_id_fields = ("candidate",)
    actions = ("resolve_selected",)
    fields = (
        "notice_id",
        "person_urn",
        "candidate",
        "purged_at",
        "received_at",
        "data_pretty",
        "resolved_at",
        "resolved_by",
        "resolution",
    )
    readonly_fields = ("data_pretty",)

    @admin.display(description="data")
    def data_pretty(self, obj: PurgeNotice) -> str:
        return pretty_json(obj.data)

    has_resolve_permission = permission_check("change")

    @admin.action(description="Mark selected notices resolved", permissions=["resolve"])
    def resolve_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        resolved = 0
        for notice in queryset.filter(resolved_at__isnull=True):
            # Conditional: a notice resolved meanwhile by another admin keeps its resolution.
            if PurgeNotice.objects.filter(pk=notice.pk, resolved_at__isnull=True).update(
                resolved_at=timezone.now(),
                resolved_by=request.user,
                resolution=f"Reviewed by {request.user.get_username()} in the admin.",
            ):
                self.log_change(request, notice, "Marked resolved.")
                resolved += 1
        report(self, request, [(resolved, "notices resolved")])


class HeldRecordStatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "open"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("yes", "Open (to retry or dismiss)"), ("no", "Resolved")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() in ("yes", "no"):
            return queryset.filter(resolved_at__isnull=self.value() == "yes")
        return queryset


@admin.register(HeldRecord)
class HeldRecordAdmin(ExactSearchMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """What LinkedIn sent that Tracker could not store: kept, with the reason, until an admin
    retries it (once the cause is fixed) or dismisses it (docs/architecture.md §8)."""

    list_display = (
        "id",
        "kind",
        "external_id",
        "contract",
        "is_open",
        "attempts",
        "short_reason",
        "first_failed_at",
        "last_failed_at",
        "candidate",
        "resolved_at",
        "resolution",
    )
    list_filter = (HeldRecordStatusFilter, "kind", "contract")
    exact_search_fields = ("external_id",)
    exact_id_search_fields = ("pk", "candidate_id")
    search_help_text = "LinkedIn's id of the record (a stub id), or a record or candidate id."
    list_select_related = ("contract", "candidate", "resolved_by")
    raw_id_fields = ("contract", "candidate", "last_run", "resolved_by")
    actions = ("retry_selected", "dismiss_selected")
    fields = (
        "kind",
        "external_id",
        "contract",
        "reason",
        "attempts",
        "first_failed_at",
        "last_failed_at",
        "last_run",
        "payload_pretty",
        "candidate",
        "resolved_at",
        "resolved_by",
        "resolution",
    )
    readonly_fields = ("payload_pretty",)

    @admin.display(description="open", boolean=True)
    def is_open(self, obj: HeldRecord) -> bool:
        return obj.resolved_at is None

    @admin.display(description="reason")
    def short_reason(self, obj: HeldRecord) -> str:
        return truncate(obj.reason, 80) or "—"

    @admin.display(description="payload (as LinkedIn sent it)")
    def payload_pretty(self, obj: HeldRecord) -> str:
        return pretty_json(obj.payload)

    has_retry_permission = permission_check("change")

    @admin.action(description="Retry selected open records now", permissions=["retry"])
    def retry_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        from syncjobs.stub_import import HeldRecordNotOpen, stub_held_retry

        stored = still_held = 0
        refused = queryset.exclude(resolved_at__isnull=True).count()
        for record in queryset.filter(resolved_at__isnull=True)[:1000]:
            try:
                outcome = stub_held_retry(record=record, actor=request.user)
            except HeldRecordNotOpen:
                refused += 1
                continue
            if record.resolved_at is None:
                still_held += 1
                self.log_change(request, record, f"Retried from the admin: {record.reason}")
            else:
                stored += 1
                self.log_change(
                    request, record, f"Retried from the admin ({outcome}): {record.resolution}"
                )
        report(
            self,
            request,
            [(stored, "stored"), (still_held, "still failing"), (refused, "not open")],
        )

    @admin.action(description="Dismiss selected open records", permissions=["retry"])
    def dismiss_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        dismissed = 0
        for record in queryset.filter(resolved_at__isnull=True)[:1000]:
            # Conditional: a record stored or dismissed meanwhile keeps its resolution.
            if HeldRecord.objects.filter(pk=record.pk, resolved_at__isnull=True).update(
                resolved_at=timezone.now(),
                resolved_by=request.user,
                resolution=f"Dismissed by {request.user.get_username()} in the admin.",
            ):
                self.log_change(request, record, "Dismissed from the admin.")
                dismissed += 1
        report(self, request, [(dismissed, "dismissed")])
