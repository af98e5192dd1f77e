"""The sandbox's tables in the admin: the directory is editable, the logs are read-only."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from tracker_rsc.sandbox import models


class ReadOnlyAdmin(admin.ModelAdmin):
    """Audit records: what LinkedIn received or sent is never edited by hand."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(models.SandboxSettings)
class SandboxSettingsAdmin(admin.ModelAdmin):
    list_display = ["__str__", "rate_limits_enabled", "records_per_minute", "requests_per_day"]


@admin.register(models.Contract)
class ContractAdmin(admin.ModelAdmin):
    list_display = ["urn", "name", "organization_urn"]
    search_fields = ["urn", "name", "organization_urn"]


@admin.register(models.Seat)
class SeatAdmin(admin.ModelAdmin):
    list_display = [
        "urn",
        "first_name",
        "last_name",
        "product",
        "role",
        "hiring_assistant",
        "active",
    ]
    list_filter = ["product", "role", "hiring_assistant", "active"]
    search_fields = ["urn", "person_urn", "first_name", "last_name"]
    list_select_related = ["contract"]


@admin.register(models.Member)
class MemberAdmin(admin.ModelAdmin):
    list_display = ["person_urn", "first_name", "last_name", "headline", "location"]
    search_fields = ["person_urn", "first_name", "last_name", "profile_url"]


@admin.register(models.HiringProject)
class HiringProjectAdmin(admin.ModelAdmin):
    list_display = ["urn", "name", "owner", "hiring_assistant_automation"]
    list_filter = ["hiring_assistant_automation"]
    search_fields = ["urn", "name"]
    list_select_related = ["owner"]


@admin.register(models.ProjectConnection)
class ProjectConnectionAdmin(ReadOnlyAdmin):
    list_display = ["project", "requisition_id", "state", "active", "changed_at"]
    list_filter = ["state", "active"]
    search_fields = ["requisition_id", "project__urn"]
    list_select_related = ["project"]


@admin.register(models.AtsIntegration)
class AtsIntegrationAdmin(ReadOnlyAdmin):
    list_display = ["integration_type", "integration_context", "status", "callback_url"]
    list_filter = ["integration_type", "status"]
    search_fields = ["integration_context"]


@admin.register(models.AtsCandidate)
class AtsCandidateAdmin(ReadOnlyAdmin):
    list_display = [
        "ats_candidate_id",
        "integration_context",
        "manual_matched_member",
        "updated_at",
    ]
    search_fields = ["ats_candidate_id", "manual_matched_member"]
    list_filter = ["integration_context"]


@admin.register(models.JobPosting)
class JobPostingAdmin(ReadOnlyAdmin):
    list_display = ["external_job_posting_id", "title", "availability", "state", "updated_at"]
    list_filter = ["state", "availability"]
    search_fields = ["external_job_posting_id", "title"]


@admin.register(models.JobRequisition)
class JobRequisitionAdmin(ReadOnlyAdmin):
    list_display = ["external_job_requisition_id", "title", "state", "updated_at"]
    list_filter = ["state"]
    search_fields = ["external_job_requisition_id", "title"]


@admin.register(models.Application)
class ApplicationAdmin(ReadOnlyAdmin):
    list_display = [
        "ats_job_application_id",
        "ats_candidate_id",
        "ats_job_posting_id",
        "job_connected_when_received",
    ]
    list_filter = ["job_connected_when_received"]
    search_fields = ["ats_job_application_id", "ats_candidate_id", "ats_job_posting_id"]


@admin.register(models.ExportRecord)
class ExportRecordAdmin(ReadOnlyAdmin):
    list_display = ["request_id", "seat", "member", "job_id", "created_at"]
    search_fields = ["request_id", "job_id"]
    list_select_related = ["seat", "member"]


@admin.register(models.Evaluation)
class EvaluationAdmin(ReadOnlyAdmin):
    list_display = ["request_id", "project", "candidate_id", "rank", "basis", "evaluated_at"]
    list_filter = ["rank", "basis"]
    search_fields = ["request_id", "candidate_id"]
    list_select_related = ["project"]


class DeliveryAttemptInline(admin.TabularInline):
    model = models.DeliveryAttempt
    extra = 0
    can_delete = False
    readonly_fields = ("attempted_at", "url", "status_code", "ok", "error", "duration_ms")
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(models.Push)
class PushAdmin(ReadOnlyAdmin):
    list_display = [
        "push_type",
        "request_id",
        "status",
        "attempts",
        "last_status_code",
        "created_at",
    ]
    list_filter = ["push_type", "status"]
    search_fields = ["request_id"]
    inlines = [DeliveryAttemptInline]


@admin.register(models.ApiCall)
class ApiCallAdmin(ReadOnlyAdmin):
    list_display = ["at", "family", "endpoint", "method", "status", "records", "fault"]
    list_filter = ["family", "endpoint", "status", "fault"]
    date_hierarchy = "at"


@admin.register(models.Fault)
class FaultAdmin(admin.ModelAdmin):
    list_display = ["endpoint", "kind", "remaining", "fraction", "fired", "calls_seen", "active"]
    list_filter = ["kind", "active"]
