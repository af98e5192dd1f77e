"""Admin CSV uploads: an "Import CSV" page per importable model, and the import runs' pages.

``CsvImportAdminMixin`` gives a model admin an upload page (``<changelist>/import/``), linked
from its changelist for staff with the add permission. The upload is stored as an
``ImportRun`` and imported by a background task; the browser goes to the run's page, which
shows a progress bar (the sync runs' style) while it runs, then the counts, the rows that need
a look, and the full report to download.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse

from candidates.csv_reader import Column
from candidates.importing import (
    IMPORT_TASKS,
    MAX_UPLOAD_BYTES,
    STATUS_ORDER,
    import_run_enqueue,
    import_run_start,
    report_rows,
)
from candidates.models import ImportRun
from tracker_rsc.admin_utils import ReadOnlyAdminMixin, progress_bar

# Rows of the report shown on the run's page (the download has them all).
REPORT_ROWS_SHOWN = 200
# While a run is in progress its page reloads itself this often.
REFRESH_SECONDS = 2


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="UTF-8 (with or without BOM), separated by commas, semicolons or tabs, with a "
        "header line naming the columns.",
    )
    dry_run = forms.BooleanField(
        required=False,
        label="Dry run",
        help_text="Only report what would happen, row by row; nothing is written.",
    )
    overwrite = forms.BooleanField(
        required=False,
        label="Overwrite",
        help_text="Replace existing values with the file's. Without it, a matching record only "
        "gets its empty fields filled.",
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if not upload.size:
            raise forms.ValidationError("The file is empty.")
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                f"The file is larger than {MAX_UPLOAD_BYTES // 1_000_000} MB: import it with the "
                "management command instead."
            )
        return upload


class CsvImportAdminMixin:
    """Adds the "Import CSV" page. Set ``import_kind`` and ``import_columns``."""

    import_kind: str = ""
    import_columns: Sequence[Column] = ()
    import_notes: str = ""

    def get_urls(self) -> list[URLPattern]:
        opts = self.model._meta  # type: ignore[attr-defined]
        name = f"{opts.app_label}_{opts.model_name}_import"
        view = self.admin_site.admin_view(self.import_view)  # type: ignore[attr-defined]
        return [path("import/", view, name=name), *super().get_urls()]  # type: ignore[misc]

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        context = dict(extra_context or {})
        context["import_csv_allowed"] = self.has_add_permission(request)  # type: ignore[attr-defined]
        return super().changelist_view(request, context)  # type: ignore[misc]

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request):  # type: ignore[attr-defined]
            raise PermissionDenied
        opts = self.model._meta  # type: ignore[attr-defined]
        form = ImportUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            run = import_run_start(
                kind=self.import_kind,
                upload=form.cleaned_data["file"],
                task=IMPORT_TASKS[self.import_kind],
                actor=request.user,  # type: ignore[arg-type]
                dry_run=form.cleaned_data["dry_run"],
                overwrite=form.cleaned_data["overwrite"],
            )
            return HttpResponseRedirect(reverse("admin:candidates_importrun_change", args=[run.pk]))
        recent = ImportRun.objects.filter(kind=self.import_kind).select_related("created_by")[:5]
        context = {
            **self.admin_site.each_context(request),  # type: ignore[attr-defined]
            "opts": opts,
            "title": f"Import {opts.verbose_name_plural} from CSV",
            "form": form,
            "columns": self.import_columns,
            "notes": self.import_notes,
            "recent": recent,
        }
        return TemplateResponse(request, "admin/candidates/import_upload.html", context)


class ImportRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The import runs: progress, counts, report. Read-only: an import is made by uploading."""

    list_display = (
        "id",
        "kind",
        "file_name",
        "status",
        "progress",
        "summary",
        "dry_run",
        "created_by",
        "created_at",
    )
    list_filter = ("kind", "status", "dry_run")
    search_fields = ("file_name",)
    list_select_related = ("created_by",)
    change_form_template = "admin/candidates/importrun/change_form.html"

    # Whoever may import a kind of record may follow their imports of it (and download the
    # reports), without being granted every import run of the console.
    def _importable_kinds(self, request: HttpRequest) -> list[str]:
        return [
            kind
            for kind, (app, model) in _KIND_MODEL.items()
            if request.user.has_perm(f"{app}.add_{model}")
        ]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return super().has_module_permission(request) or bool(self._importable_kinds(request))

    def has_view_permission(self, request: HttpRequest, obj: ImportRun | None = None) -> bool:
        if super().has_view_permission(request, obj):
            return True
        kinds = self._importable_kinds(request)
        return bool(kinds) if obj is None else obj.kind in kinds

    def get_queryset(self, request: HttpRequest) -> Any:
        queryset = super().get_queryset(request)
        if super().has_view_permission(request):
            return queryset
        return queryset.filter(kind__in=self._importable_kinds(request))

    @admin.display(description="progress")
    def progress(self, obj: ImportRun) -> str:
        return progress_bar(obj.progress_percent)

    @admin.display(description="result")
    def summary(self, obj: ImportRun) -> str:
        counts = obj.counts or {}
        shown = [f"{counts[s]} {s}" for s in STATUS_ORDER if counts.get(s)]
        return ", ".join(shown) or "—"

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view(self.report_view)
        restart = self.admin_site.admin_view(self.restart_view)
        return [
            path("<int:run_id>/report.csv", view, name="candidates_importrun_report"),
            path("<int:run_id>/restart/", restart, name="candidates_importrun_restart"),
            *super().get_urls(),
        ]

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        run = ImportRun.objects.filter(pk=object_id).select_related("created_by").first()
        if run is None or not self.has_view_permission(request, run):
            return super().change_view(request, object_id, form_url, extra_context)
        counts = run.counts or {}
        context = {
            **(extra_context or {}),
            "run": run,
            "counts": [(status.value, counts.get(status.value, 0)) for status in STATUS_ORDER],
            "rows": report_rows(run, limit=REPORT_ROWS_SHOWN) if run.finished else [],
            "rows_limit": REPORT_ROWS_SHOWN,
            "refresh_seconds": REFRESH_SECONDS if not run.finished else None,
            "report_url": reverse("admin:candidates_importrun_report", args=[run.pk])
            if run.report
            else "",
            "restart_url": reverse("admin:candidates_importrun_restart", args=[run.pk])
            if run.status == ImportRun.Status.PENDING and run.kind in IMPORT_TASKS
            else "",
        }
        return super().change_view(request, object_id, form_url, context)

    def report_view(self, request: HttpRequest, run_id: int) -> HttpResponse:
        run = ImportRun.objects.filter(pk=run_id).first()
        if run is None or not run.report:
            raise Http404("This import has no report (yet).")
        if not self.has_view_permission(request, run):
            raise PermissionDenied
        stem = run.file_name.rsplit(".", 1)[0] or "import"
        return FileResponse(
            run.report.open("rb"),
            as_attachment=True,
            filename=f"{stem}-report-{run.pk}.csv",
            content_type="text/csv",
        )

    def restart_view(self, request: HttpRequest, run_id: int) -> HttpResponse:
        """Queue a run again whose task never reached a worker (the broker was down)."""
        run = ImportRun.objects.filter(pk=run_id, status=ImportRun.Status.PENDING).first()
        if run is None:
            raise Http404("Only a run still waiting for a worker can be queued again.")
        allowed = request.user.has_perm(f"{run_app(run)}.add_{run_model(run)}")
        if request.method != "POST" or not allowed:
            raise PermissionDenied
        import_run_enqueue(run=run, task=IMPORT_TASKS[run.kind])
        self.message_user(request, "The import was queued again.", messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:candidates_importrun_change", args=[run.pk]))


_KIND_MODEL = {
    ImportRun.Kind.CANDIDATES: ("candidates", "candidate"),
    ImportRun.Kind.QUICK_SKILLS: ("candidates", "quickskill"),
    ImportRun.Kind.REQUISITIONS: ("requisitions", "requisition"),
}


def run_app(run: ImportRun) -> str:
    return _KIND_MODEL[ImportRun.Kind(run.kind)][0]


def run_model(run: ImportRun) -> str:
    return _KIND_MODEL[ImportRun.Kind(run.kind)][1]
