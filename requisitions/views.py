"""Recruiter pages for requisitions: the list and the requisition page with its shortlist cards.

The Hiring Assistant rank on a shortlist card is shown to every user, seated or not, with the
latest evaluation summary one click away (FAQ: "the ranking categories appear on the shortlist
card and are visible to all Tracker users"; the summary is the placement's activity in Tracker).
Both are Tracker records under ``tracker_rsc.access``.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from candidates.selectors_pages import Cursor, CursorError, sync_state
from requisitions.models import Requisition
from requisitions.selectors_pages import (
    RequisitionFilters,
    requisition_connections,
    requisition_for_page,
    requisition_list_page,
    shortlist_cards,
)
from tracker_rsc import access
from tracker_rsc.models import Integration


def _cursor(token: str) -> Cursor | None:
    token = (token or "").strip()
    if not token:
        return None
    try:
        return Cursor.decode(token)
    except CursorError as exc:
        raise forms.ValidationError(str(exc)) from exc


class RequisitionFilterForm(forms.Form):
    q = forms.CharField(
        required=False,
        max_length=200,
        label="Title or client",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Data engineer, Acme…"}),
    )
    status = forms.ChoiceField(
        required=False, choices=[("", "Any status"), *Requisition.Status.choices]
    )
    kind = forms.ChoiceField(required=False, choices=[("", "Any kind"), *Requisition.Kind.choices])
    mine = forms.BooleanField(required=False, label="Only jobs I own")
    cursor = forms.CharField(required=False, max_length=400, widget=forms.HiddenInput)

    def clean_q(self) -> str:
        return " ".join(self.cleaned_data["q"].split())

    def clean_cursor(self) -> Cursor | None:
        return _cursor(self.cleaned_data["cursor"])

    def filters(self) -> RequisitionFilters:
        data = self.cleaned_data
        return RequisitionFilters(
            text=data["q"], status=data["status"], kind=data["kind"], mine=data["mine"]
        )

    def query_without_cursor(self) -> str:
        params = {k: v for k, v in self.data.items() if k != "cursor" and v not in ("", None)}
        return urlencode(sorted(params.items()))


@login_required
@require_GET
def requisition_list(request: HttpRequest) -> HttpResponse:
    form = RequisitionFilterForm(request.GET)
    context: dict = {
        "form": form,
        "result": None,
        "query": "",
        "seat": access.widget_seat(request.user),
        "section": "requisitions",
    }
    if not form.is_valid():
        return render(request, "requisitions/list.html", context, status=400)
    result = requisition_list_page(
        filters=form.filters(), cursor=form.cleaned_data["cursor"], user=request.user
    )
    integration_enabled = Integration.get().is_enabled
    for row in result.rows:
        row.sync = sync_state(
            integration_enabled=integration_enabled,
            updated_at=row.requisition.updated_at,
            synced_at=row.requisition.linkedin_synced_at,
            error=row.requisition.linkedin_sync_error,
        )
    context["result"] = result
    context["query"] = form.query_without_cursor()
    return render(request, "requisitions/list.html", context)


@login_required
@require_GET
def requisition_detail(request: HttpRequest, pk: int) -> HttpResponse:
    requisition = requisition_for_page(pk=pk)
    if requisition is None:
        raise Http404("No such requisition.")
    try:
        cursor = _cursor(request.GET.get("cards", ""))
    except forms.ValidationError as exc:
        raise Http404(exc.messages[0]) from exc
    seat = access.widget_seat(request.user)
    cards, page = shortlist_cards(requisition=requisition, cursor=cursor, widget=seat is not None)
    context = {
        "section": "requisitions",
        "requisition": requisition,
        "seat": seat,
        "owners": list(requisition.owners.all()),
        "connections": requisition_connections(requisition=requisition),
        "cards": cards,
        "cards_page": page,
        "sync": sync_state(
            integration_enabled=Integration.get().is_enabled,
            updated_at=requisition.updated_at,
            synced_at=requisition.linkedin_synced_at,
            error=requisition.linkedin_sync_error,
        ),
    }
    return render(request, "requisitions/detail.html", context)
