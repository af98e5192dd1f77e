"""Admin for requisitions, their LinkedIn project connections, placements and activities.

Requisitions and placements are written through requisitions.services (owners included), so
the domain signals fire as from the pages and the API. Connections and activities come from
LinkedIn and the sync jobs: the admin shows them, it does not edit them.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, OuterRef, QuerySet, Subquery
from django.db.models.fields.related import ManyToManyField
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from candidates.admin_imports import CsvImportAdminMixin
from candidates.models import ImportRun
from requisitions import requisition_import, services
from requisitions.models import Activity, Placement, ProjectConnection, Requisition
from tracker_rsc import access
from tracker_rsc.admin_utils import (
    ExactSearchMixin,
    LargeTableAdminMixin,
    ReadOnlyAdminMixin,
    ReadOnlyInline,
    ServiceAdminMixin,
    as_id,
    copy_saved_state,
    pretty_json,
    report,
    service_errors,
    truncate,
)


class ConnectedFilter(admin.SimpleListFilter):
    title = "LinkedIn hiring project"
    parameter_name = "connected"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("yes", "Connected"), ("no", "Not connected")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        active = ProjectConnection.objects.filter(requisition=OuterRef("pk"), active=True)
        if self.value() == "yes":
            return queryset.filter(Exists(active))
        if self.value() == "no":
            return queryset.filter(~Exists(active))
        return queryset


class ProjectConnectionInline(ReadOnlyInline):
    model = ProjectConnection
    fields = (
        "project_urn",
        "owner_seat",
        "state",
        "active",
        "hiring_assistant_automation",
        "refusal_reason",
        "connected_at",
        "disconnected_at",
        "changed_at",
    )
    readonly_fields = fields
    verbose_name_plural = "LinkedIn hiring project connections (as LinkedIn reported them)"


@admin.register(Requisition)
class RequisitionAdmin(CsvImportAdminMixin, ServiceAdminMixin, admin.ModelAdmin):
    import_kind = ImportRun.Kind.REQUISITIONS
    import_columns = requisition_import.COLUMNS
    import_notes = (
        "Owners are Tracker usernames or emails separated by "
        f"“{requisition_import.OWNER_SEPARATOR}”; an unknown owner refuses the row. A job with "
        "the same title, client and location is updated, not duplicated."
    )
    list_display = (
        "id",
        "title",
        "client_name",
        "status",
        "kind",
        "availability",
        "owner_list",
        "is_connected",
        "placement_count",
        "updated_at",
        "linkedin_synced_at",
    )
    list_display_links = ("id", "title")
    list_filter = (
        "status",
        "kind",
        "availability",
        ConnectedFilter,
        ("owners", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("title", "client_name", "location")
    search_help_text = "Title, client or location; a number finds the requisition with that id."
    list_select_related = ("created_by",)
    filter_horizontal = ("owners",)
    inlines = (ProjectConnectionInline,)
    actions = ("close_selected", "mark_filled")
    fieldsets = (
        (None, {"fields": ("title", "client_name", "location", "description")}),
        ("Status", {"fields": ("status", "kind", "availability", "owners")}),
        (
            "Record",
            {
                "fields": (
                    "created_at",
                    "created_by",
                    "updated_at",
                    "closed_at",
                    "linkedin_synced_at",
                    "linkedin_sync_error",
                    "related_records",
                )
            },
        ),
    )
    readonly_fields = (
        "created_at",
        "created_by",
        "updated_at",
        "closed_at",
        "linkedin_synced_at",
        "linkedin_sync_error",
        "related_records",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        placements = (
            Placement.objects.filter(requisition=OuterRef("pk"))
            .order_by()
            .values("requisition")
            .annotate(count=Count("pk"))
            .values("count")
        )
        return (
            super()
            .get_queryset(request)
            .prefetch_related("owners")
            .annotate(
                connected=Exists(
                    ProjectConnection.objects.filter(requisition=OuterRef("pk"), active=True)
                ),
                placements_total=Subquery(placements),
            )
        )

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if (number := as_id(search_term)) is not None:
            results |= queryset.filter(pk=number)
        return results, may_have_duplicates

    def formfield_for_manytomany(
        self, db_field: ManyToManyField, request: HttpRequest, **kwargs: Any
    ) -> forms.Field:
        if db_field.name == "owners":
            kwargs["queryset"] = get_user_model().objects.filter(is_active=True)
            kwargs.setdefault(
                "help_text",
                "At least one. Owners' LinkedIn seats form the job's access list, and only an "
                "owner (or a LinkedIn admin) can connect it to a hiring project.",
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    @admin.display(description="owners")
    def owner_list(self, obj: Requisition) -> str:
        return ", ".join(user.get_username() for user in obj.owners.all()) or "—"

    @admin.display(boolean=True, description="connected")
    def is_connected(self, obj: Requisition) -> bool:
        return bool(getattr(obj, "connected", False))

    @admin.display(description="placements")
    def placement_count(self, obj: Requisition) -> int:
        return getattr(obj, "placements_total", None) or 0

    @admin.display(description="related")
    def related_records(self, obj: Requisition) -> str:
        if not obj.pk:
            return "—"
        return format_html(
            '<a href="{}?requisition__id__exact={}">Placements</a> · '
            '<a href="{}?requisition__id__exact={}">Activities</a>',
            reverse("admin:requisitions_placement_changelist"),
            obj.pk,
            reverse("admin:requisitions_activity_changelist"),
            obj.pk,
        )

    def save_model(
        self, request: HttpRequest, obj: Requisition, form: forms.ModelForm, change: bool
    ) -> None:
        fields = {name: getattr(obj, name) for name in services.REQUISITION_FIELDS}
        owners = form.cleaned_data["owners"]
        with service_errors():
            if change:
                saved = services.requisition_update(
                    # A fresh copy: the service compares the stored status with the new one
                    # to stamp closed_at, and the form already changed ``obj``.
                    requisition=Requisition.objects.get(pk=obj.pk),
                    owners=owners,
                    actor=request.user,
                    **fields,
                )
            else:
                saved = services.requisition_create(owners=owners, actor=request.user, **fields)
        copy_saved_state(obj, saved)

    def save_related(
        self, request: HttpRequest, form: forms.ModelForm, formsets: list, change: bool
    ) -> None:
        # No form.save_m2m(): the owners were set by the service in save_model (it validates
        # them and sends requisition_saved with the new access list).
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def delete_model(self, request: HttpRequest, obj: Requisition) -> None:
        services.requisition_delete(requisition=obj, actor=request.user)

    def _close(self, request: HttpRequest, queryset: QuerySet, status: str) -> int:
        closed = 0
        for requisition in queryset.exclude(status=status):
            services.requisition_close(requisition=requisition, status=status, actor=request.user)
            self.log_change(request, requisition, f"Marked {status} from the list.")
            closed += 1
        return closed

    @admin.action(description="Close selected requisitions", permissions=["change"])
    def close_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        closed = self._close(request, queryset, Requisition.Status.CLOSED)
        report(self, request, [(closed, "requisitions closed (LinkedIn closes their jobs)")])

    @admin.action(description="Mark selected requisitions filled", permissions=["change"])
    def mark_filled(self, request: HttpRequest, queryset: QuerySet) -> None:
        filled = self._close(request, queryset, Requisition.Status.FILLED)
        report(self, request, [(filled, "requisitions marked filled")])


@admin.register(ProjectConnection)
class ProjectConnectionAdmin(ExactSearchMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """What LinkedIn reported about hiring project connections, refusals included."""

    list_display = (
        "id",
        "requisition",
        "project_urn",
        "owner_seat",
        "state",
        "active",
        "hiring_assistant_automation",
        "short_refusal",
        "changed_at",
    )
    list_filter = ("state", "active", "hiring_assistant_automation")
    exact_search_fields = ("project_urn", "owner_seat_urn")
    exact_id_search_fields = ("requisition_id",)
    search_help_text = "A hiring project URN, an owner seat URN or a requisition id."
    list_select_related = ("requisition", "owner_seat")

    @admin.display(description="refusal")
    def short_refusal(self, obj: ProjectConnection) -> str:
        return truncate(obj.refusal_reason) or "—"


class PlacementAdminForm(forms.ModelForm):
    class Meta:
        model = Placement
        fields = ("candidate", "requisition", "stage")


@admin.register(Placement)
class PlacementAdmin(LargeTableAdminMixin, ExactSearchMixin, ServiceAdminMixin, admin.ModelAdmin):
    form = PlacementAdminForm
    list_display = (
        "id",
        "candidate",
        "requisition",
        "stage",
        "source",
        "rank_display",
        "evaluated_at",
        "evaluation_basis",
        "created_at",
    )
    list_filter = ("stage", "source", "rank", "evaluation_basis", "requisition__status")
    exact_id_search_fields = ("pk", "candidate_id", "requisition_id")
    search_help_text = "A placement, candidate or requisition id."
    list_select_related = ("candidate", "requisition")
    sortable_by = ("id",)
    raw_id_fields = ("candidate",)
    autocomplete_fields = ("requisition",)
    evaluation_fields = ("rank", "evaluated_at", "evaluation_basis")
    record_fields = ("source", "added_by", "created_at", "updated_at", "related_records")

    def get_fieldsets(self, request: HttpRequest, obj: Placement | None = None) -> list:
        return [
            (None, {"fields": ("candidate", "requisition", "stage")}),
            ("Hiring Assistant evaluation (from LinkedIn)", {"fields": self.evaluation_fields}),
            ("Record", {"fields": self.record_fields}),
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Placement | None = None) -> tuple:
        readonly = (*self.evaluation_fields, *self.record_fields)
        # A placement is one candidate on one job: moving it means removing and re-adding.
        return ("candidate", "requisition", *readonly) if obj else readonly

    @admin.display(description="rank", ordering="rank")
    def rank_display(self, obj: Placement) -> str:
        return obj.rank_label or "—"

    @admin.display(description="related")
    def related_records(self, obj: Placement) -> str:
        if not obj.pk:
            return "—"
        return format_html(
            '<a href="{}?placement__id__exact={}">Activities (evaluation summaries)</a>',
            reverse("admin:requisitions_activity_changelist"),
            obj.pk,
        )

    def save_model(
        self, request: HttpRequest, obj: Placement, form: forms.ModelForm, change: bool
    ) -> None:
        with service_errors():
            if change:
                saved = services.placement_set_stage(
                    placement=Placement.objects.get(pk=obj.pk),
                    stage=form.cleaned_data["stage"],
                    actor=request.user,
                )
            else:
                saved = services.placement_create(
                    candidate=form.cleaned_data["candidate"],
                    requisition=form.cleaned_data["requisition"],
                    stage=form.cleaned_data["stage"],
                    source=Placement.Source.MANUAL,
                    actor=request.user,
                )
        copy_saved_state(obj, saved)

    def delete_model(self, request: HttpRequest, obj: Placement) -> None:
        services.placement_delete(placement=obj, actor=request.user)


@admin.register(Activity)
class ActivityAdmin(LargeTableAdminMixin, ExactSearchMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """The timeline entries: InMails, notes, evaluation summaries, exports, sync events."""

    list_display = (
        "id",
        "kind",
        "occurred_at",
        "candidate",
        "requisition",
        "short_subject",
        "seat",
        "external_id",
    )
    list_filter = ("kind", ("candidate", admin.EmptyFieldListFilter))
    exact_search_fields = ("external_id", "person_urn")
    exact_id_search_fields = ("pk", "candidate_id", "placement_id", "requisition_id")
    search_help_text = "A LinkedIn id or person URN, or an activity, candidate or requisition id."
    list_select_related = ("candidate", "requisition", "seat")
    sortable_by = ("id",)
    raw_id_fields = ("candidate", "placement")
    fields = (
        "kind",
        "occurred_at",
        "candidate",
        "placement",
        "requisition",
        "contract",
        "seat",
        "author",
        "person_urn",
        "subject",
        "body",
        "external_id",
        "data_pretty",
        "created_at",
    )
    readonly_fields = ("data_pretty", "created_at")

    # LinkedIn member data follows tracker_rsc.access.can_see_member_links_in_admin: without
    # the view_memberlink permission or a Recruiter seat, staff see the activities as Tracker
    # records (InMails, notes and evaluations whole) but no link events, person URN, member
    # search, or member details in ``data``.

    def _member_data(self, request: HttpRequest) -> bool:
        return access.can_see_member_links_in_admin(request.user)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request)
        if self._member_data(request):
            return queryset
        return queryset.exclude(kind__in=access.hidden_activity_kinds(widget=False))

    # Without member data: the field shown instead of each one (None: not shown at all).
    _WITHOUT_MEMBER_DATA = {
        "person_urn": None,
        "subject": "shown_subject",
        "body": "shown_body",
        "data_pretty": "shown_data",
        "short_subject": "shown_short_subject",
    }

    def _swap(self, names: tuple) -> tuple:
        swapped = (self._WITHOUT_MEMBER_DATA.get(name, name) for name in names)
        return tuple(name for name in swapped if name)

    def get_list_display(self, request: HttpRequest) -> tuple:
        shown = super().get_list_display(request)
        return shown if self._member_data(request) else self._swap(shown)

    def get_fields(self, request: HttpRequest, obj: Activity | None = None) -> tuple:
        return self.fields if self._member_data(request) else self._swap(self.fields)

    def get_readonly_fields(self, request: HttpRequest, obj: Activity | None = None) -> tuple:
        fields = super().get_readonly_fields(request, obj)
        if self._member_data(request):
            return fields
        return (*fields, "shown_subject", "shown_body", "shown_data")

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        if search_term.strip().startswith("urn:li:") and not self._member_data(request):
            return queryset.none(), False
        return super().get_search_results(request, queryset, search_term)

    @admin.display(description="subject")
    def short_subject(self, obj: Activity) -> str:
        return truncate(obj.subject or obj.body, 60) or "—"

    @admin.display(description="subject")
    def shown_short_subject(self, obj: Activity) -> str:
        subject, body = access.activity_text(obj.kind, obj.subject, obj.body, widget=False)
        return truncate(subject or body, 60) or "—"

    @admin.display(description="subject")
    def shown_subject(self, obj: Activity) -> str:
        return access.activity_text(obj.kind, obj.subject, obj.body, widget=False)[0]

    @admin.display(description="body")
    def shown_body(self, obj: Activity) -> str:
        return access.activity_text(obj.kind, obj.subject, obj.body, widget=False)[1]

    @admin.display(description="data")
    def shown_data(self, obj: Activity) -> str:
        return pretty_json(access.scrub_activity_data(obj.kind, obj.data, widget=False))

    @admin.display(description="data")
    def data_pretty(self, obj: Activity) -> str:
        return pretty_json(obj.data)
