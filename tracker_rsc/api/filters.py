"""Query-string filters of the REST API (docs/architecture.md §5.2). An invalid value answers 400.

A filter whose answer is LinkedIn widget data (whether a candidate is linked, the link events)
is refused with 403 for a caller without a Recruiter seat (``tracker_rsc.access``): ignoring it
would hand back an unfiltered list the caller might read as the answer, and honouring it would
give the answer away.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.http import HttpRequest
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request

from candidates import normalize
from candidates.models import Candidate
from candidates.selectors import candidates_linked, candidates_matching
from requisitions.models import Activity, Placement, Requisition
from tracker_rsc import access
from tracker_rsc.api.permissions import sees_linkedin_widget

_SEAT_ONLY = (
    " Needs an active LinkedIn Recruiter seat: without one the request is refused with 403."
)


def _widget_filter_allowed(request: HttpRequest | Request | None) -> None:
    if not sees_linkedin_widget(request):
        raise PermissionDenied(access.NO_SEAT_MESSAGE)


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": 2**63 - 1})
class IdFilter(django_filters.Filter):
    """A positive integer id: "abc" or "1.5" is a 400, an unknown id an empty page."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        # Ids are 64-bit: a larger number is a 400, not a database overflow (a 500 on SQLite).
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


@extend_schema_field(OpenApiTypes.EMAIL)
class EmailFilter(django_filters.CharFilter):
    field_class = forms.EmailField


class CandidateFilter(django_filters.FilterSet):
    email = EmailFilter(
        method="filter_email",
        help_text="Exact address, compared case-insensitively and ignoring surrounding spaces.",
    )
    q = django_filters.CharFilter(
        method="filter_q",
        max_length=200,
        help_text=(
            "Start of the first name, last name or email; two or more words match first and "
            "last name in either order."
        ),
    )
    linked = django_filters.ChoiceFilter(
        method="filter_linked",
        choices=[("true", "true"), ("false", "false")],
        help_text=(
            "true: only candidates linked to a LinkedIn member; false: only unlinked ones."
            + _SEAT_ONLY
        ),
    )
    updated_after = django_filters.IsoDateTimeFilter(
        field_name="updated_at",
        lookup_expr="gte",
        help_text=(
            "ISO 8601 date-time; candidates updated at or after it (inclusive, so a client "
            "resuming from the last updated_at it saw misses nothing)."
        ),
    )

    class Meta:
        model = Candidate
        fields = ["email", "q", "linked", "updated_after"]

    def filter_email(
        self, queryset: QuerySet[Candidate], name: str, value: str
    ) -> QuerySet[Candidate]:
        return queryset.filter(email_key=normalize.normalize_email(value))

    @extend_schema_field({"type": "string", "minLength": 1, "maxLength": 200, "pattern": r"\S"})
    def filter_q(self, queryset: QuerySet[Candidate], name: str, value: str) -> QuerySet[Candidate]:
        return candidates_matching(queryset=queryset, text=value)

    def filter_linked(
        self, queryset: QuerySet[Candidate], name: str, value: str
    ) -> QuerySet[Candidate]:
        _widget_filter_allowed(self.request)
        return candidates_linked(queryset=queryset, linked=value == "true")


class RequisitionFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Requisition.Status.choices)
    kind = django_filters.ChoiceFilter(choices=Requisition.Kind.choices)
    owner = IdFilter(field_name="owners", help_text="User id of one of the owners.")

    class Meta:
        model = Requisition
        fields = ["status", "kind", "owner"]


class PlacementFilter(django_filters.FilterSet):
    candidate = IdFilter(field_name="candidate_id", help_text="Candidate id.")
    requisition = IdFilter(field_name="requisition_id", help_text="Requisition id.")

    class Meta:
        model = Placement
        fields = ["candidate", "requisition"]


class ActivityFilter(django_filters.FilterSet):
    candidate = IdFilter(field_name="candidate_id", help_text="Candidate id.")
    placement = IdFilter(field_name="placement_id", help_text="Placement id.")
    kind = django_filters.ChoiceFilter(
        method="filter_kind",
        choices=Activity.Kind.choices,
        help_text=(
            "Activity kind. The LinkedIn link events (kind=link) are widget data, listed only "
            "for a caller with an active LinkedIn Recruiter seat; for anyone else kind=link "
            "is refused with 403."
        ),
    )

    class Meta:
        model = Activity
        fields = ["candidate", "placement", "kind"]

    def filter_kind(self, queryset: QuerySet[Activity], name: str, value: str) -> QuerySet:
        if value in access.hidden_activity_kinds(widget=False):
            _widget_filter_allowed(self.request)
        return queryset.filter(kind=value)
