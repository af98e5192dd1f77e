"""Helpers shared by the ModelAdmins of every app: big-table pagination, service-backed saves,
read-only audit admins and small display helpers.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, ClassVar

from django.contrib import admin, messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.paginator import Paginator
from django.db import connections, models
from django.db.models import QuerySet
from django.forms import BaseForm, ModelForm
from django.http import HttpRequest, HttpResponse
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join

# --- Pagination without COUNT(*) ------------------------------------------------------------

# Filtered lists are counted up to this many rows and no further: the admin pages through
# 10,000 rows at most (200 pages of 50), and counting more would read the whole match set.
COUNT_CAP = 10_000


class EstimatedCountPaginator(Paginator):
    """A paginator that never runs ``COUNT(*)`` over a whole big table.

    - Unfiltered queryset on PostgreSQL: the planner's row estimate (``pg_class.reltuples``),
      maintained by autovacuum, instead of a sequential count of a million rows. Small or
      never-analysed tables (estimate below the cap or unknown) are counted exactly.
    - Anything else (a filter, a search, SQLite): the rows are counted up to ``COUNT_CAP``;
      more matches than that show as ``COUNT_CAP``.

    ``count_is_estimate`` / ``count_is_capped`` tell the template which case applied.
    """

    count_cap = COUNT_CAP

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.count_is_estimate = False
        self.count_is_capped = False

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if not isinstance(queryset, QuerySet):
            return len(queryset)
        if not queryset.query.where:
            estimate = self._planner_estimate(queryset)
            if estimate is not None and estimate > self.count_cap:
                self.count_is_estimate = True
                return estimate
        # Only the primary keys are read, so list annotations (subqueries) cost nothing here.
        counted = queryset.order_by().values("pk")[: self.count_cap + 1].count()
        if counted > self.count_cap:
            self.count_is_capped = True
            return self.count_cap
        return counted

    @staticmethod
    def _planner_estimate(queryset: QuerySet) -> int | None:
        connection = connections[queryset.db]
        if connection.vendor != "postgresql":
            return None
        table = connection.ops.quote_name(queryset.model._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(%s)", [table]
            )
            row = cursor.fetchone()
        # -1 (PostgreSQL 14+) or 0 means the table was never analysed: count instead.
        if not row or row[0] is None or row[0] <= 0:
            return None
        return int(row[0])


# Base of the admin mixins: they are only ever mixed into a ModelAdmin, so they are
# type-checked as one; at runtime they stay plain classes (the ModelAdmin comes later in the MRO).
if TYPE_CHECKING:
    ModelAdminMixinBase = admin.ModelAdmin[Any]
else:
    ModelAdminMixinBase = object


class LargeTableAdminMixin(ModelAdminMixinBase):
    """For tables that grow to millions of rows: no full COUNT, no facet counts, no
    "Show all", and a note when the row count shown is estimated or capped."""

    paginator: ClassVar[type] = EstimatedCountPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    list_max_show_all = 0
    change_list_template: ClassVar[str | None] = "admin/tracker_rsc/large_table_change_list.html"


def key_prefix_range(prefix: str) -> tuple[str, str | None]:
    """``(lower, upper)`` so that every key starting with ``prefix`` satisfies
    ``lower <= key < upper`` (``upper`` None: no upper bound).

    A plain B-tree index serves such a range (``LIKE 'x%'`` needs a pattern-ops index on
    PostgreSQL and is case-insensitive, hence unindexed, on SQLite). The range can be wider
    than the prefix, so callers also filter with ``startswith``. Keys are made of lower-case
    letters and digits; ``0-9`` sort before ``a-z`` both bytewise and in PostgreSQL's
    linguistic collations, where punctuation such as ``{`` (the byte after ``z``) is ignored,
    so the bound is computed within that alphabet and omitted for other characters.
    """
    stem = prefix
    while stem:
        last = stem[-1]
        if "0" <= last < "9" or "a" <= last < "z":
            return prefix, stem[:-1] + chr(ord(last) + 1)
        if last == "9":
            return prefix, stem[:-1] + "a"
        if last != "z":  # not a lower-case ASCII letter or digit: no safe successor
            return prefix, None
        stem = stem[:-1]  # "…z" sorts before the successor of the character before it
    return prefix, None


def key_prefix_q(field_name: str, prefix: str) -> models.Q:
    """Keys of ``field_name`` starting with ``prefix``, as an index-friendly range."""
    lower, upper = key_prefix_range(prefix)
    condition = models.Q(**{f"{field_name}__gte": lower, f"{field_name}__startswith": prefix})
    if upper is not None:
        condition &= models.Q(**{f"{field_name}__lt": upper})
    return condition


def as_id(term: str) -> int | None:
    """The search term as a primary key, or None (not a number, or beyond a 64-bit id)."""
    term = term.strip()
    if not (term.isascii() and term.isdigit()):
        return None
    value = int(term)
    return value if value < 2**63 else None


class ExactSearchMixin:
    """Search a big table by exact values of indexed columns, never ``LIKE '%…%'`` scans.

    ``exact_search_fields`` are compared as text; ``exact_id_search_fields`` (integer ids)
    only when the term is a number, so a word never becomes an invalid integer lookup.
    """

    exact_search_fields: tuple[str, ...] = ()
    exact_id_search_fields: tuple[str, ...] = ()

    def get_search_fields(self, request: HttpRequest) -> tuple[str, ...]:
        # Non-empty so that the admin shows the search box; the lookups are built below.
        return (*self.exact_search_fields, *self.exact_id_search_fields)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        term = search_term.strip()
        if not term:
            return queryset, False
        condition = models.Q(pk__in=[])
        for name in self.exact_search_fields:
            condition |= models.Q(**{name: term})
        if (number := as_id(term)) is not None:
            for name in self.exact_id_search_fields:
                condition |= models.Q(**{name: number})
        return queryset.filter(condition), False


# --- Writes through services ----------------------------------------------------------------


class ServiceValidationFailed(Exception):
    """A service refused the save; carries its ValidationError back to the change form."""

    def __init__(self, error: ValidationError) -> None:
        super().__init__(error)
        self.error = error


@contextmanager
def service_errors() -> Iterator[None]:
    """Inside ``save_model``/``save_related``: a service's ValidationError becomes a form error."""
    try:
        yield
    except ValidationError as exc:
        raise ServiceValidationFailed(exc) from exc


def add_validation_error(form: BaseForm, error: ValidationError) -> None:
    """Attach a ValidationError to a form, on the named fields the form has, else on top."""
    if hasattr(error, "error_dict"):
        for name, field_errors in error.error_dict.items():
            if name in form.fields and name != NON_FIELD_ERRORS:
                form.add_error(name, field_errors)
            else:
                label = "" if name == NON_FIELD_ERRORS else f"{name.replace('_', ' ')}: "
                form.add_error(None, [f"{label}{message}" for e in field_errors for message in e])
    else:
        form.add_error(None, error)


class ServiceAdminMixin(ModelAdminMixinBase):
    """Admin writes that go through services, with service errors shown on the form.

    ``save_model``/``save_related``/``delete_model`` call services inside ``service_errors()``.
    A refusal propagates out of the change view's transaction, so everything the view did is
    rolled back; the view then runs again with the error attached to the form, which makes it
    invalid: the admin sees the message and nothing changed. Bulk deletion goes through
    ``delete_model`` (hence the service) object by object.
    """

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ServiceValidationFailed as exc:
            # A note on this request for get_form below (HttpRequest has no slot for it).
            request._service_validation_error = exc.error  # type: ignore[attr-defined]
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> type[ModelForm[Any]]:
        form_class = super().get_form(request, obj, change=change, **kwargs)
        error: ValidationError | None = getattr(request, "_service_validation_error", None)
        if error is None:
            return form_class
        found: ValidationError = error

        # A subclass of the form class the admin built for this request: dynamic by nature.
        class ServiceErrorForm(form_class):  # type: ignore[valid-type,misc]
            def _post_clean(self) -> None:
                super()._post_clean()
                add_validation_error(self, found)

        ServiceErrorForm.__name__ = form_class.__name__
        return ServiceErrorForm

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for obj in queryset:
            self.delete_model(request, obj)


def copy_saved_state(target: models.Model, saved: models.Model) -> None:
    """Make the admin's form instance reflect the row a service saved (pk, computed fields)."""
    for model_field in saved._meta.concrete_fields:
        setattr(target, model_field.attname, getattr(saved, model_field.attname))
    target._state.adding = False
    target._state.db = saved._state.db


# --- Read-only audit admins -----------------------------------------------------------------


class ReadOnlyAdminMixin:
    """Audit records: viewable (list and detail), never added, changed or deleted by hand."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def permission_check(codename: str) -> Callable[[Any, HttpRequest], bool]:
    """A ``has_<name>_permission`` method for admin actions on read-only models."""

    def check(self: admin.ModelAdmin, request: HttpRequest) -> bool:
        return request.user.has_perm(f"{self.opts.app_label}.{codename}_{self.opts.model_name}")

    return check


def report(
    modeladmin: admin.ModelAdmin, request: HttpRequest, parts: list[tuple[int, str]]
) -> None:
    """One message with the counts of an admin action, e.g. "3 mapped, 1 ambiguous"."""
    counted = [f"{count} {what}" for count, what in parts if count]
    if not counted:
        modeladmin.message_user(request, "Nothing to do.", messages.INFO)
        return
    modeladmin.message_user(request, "; ".join(counted) + ".", messages.SUCCESS)


# --- Display helpers ------------------------------------------------------------------------


def progress_bar(percent: int) -> str:
    percent = max(0, min(100, int(percent)))
    return format_html(
        '<progress value="{}" max="100" style="width: 8em" title="{}%">{}%</progress> {}%',
        percent,
        percent,
        percent,
        percent,
    )


def pretty_json(value: Any) -> str:
    if value in (None, {}, []):
        return "—"
    return format_html(
        '<pre style="white-space: pre-wrap; margin: 0">{}</pre>',
        json.dumps(value, indent=2, sort_keys=True, default=str),
    )


def counts_table(counts: dict[str, Any] | None) -> str:
    """A reason → count mapping (skipped records, other counters) as a small table."""
    if not counts:
        return "—"
    rows = format_html_join(
        "",
        "<tr><td>{}</td><td style='text-align: right'>{}</td></tr>",
        ((reason.replace("_", " "), count) for reason, count in sorted(counts.items())),
    )
    return format_html("<table>{}</table>", rows)


def truncate(text: str, length: int = 80) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= length else text[: length - 1] + "…"
