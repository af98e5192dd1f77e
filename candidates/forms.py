"""Forms of the candidate pages: list filters and the LinkedIn panel's link and unlink forms."""

from __future__ import annotations

from typing import Any

from django import forms

from candidates.models import Candidate
from candidates.selectors_pages import CandidateFilters, Cursor, CursorError
from tracker_rsc import access
from tracker_rsc.models import person_urn_validator


class CandidateFilterForm(forms.Form):
    """The candidate list's query string. Every field is optional; bad values are reported."""

    SORT_NEWEST = "-updated"
    SORT_OLDEST = "updated"
    LINKED_CHOICES = [("", "Linked or not"), ("linked", "Linked"), ("unlinked", "Not linked")]

    q = forms.CharField(
        required=False,
        max_length=200,
        label="Name or email",
        widget=forms.TextInput(attrs={"placeholder": "Jane Doe, doe, jane@…", "type": "search"}),
    )
    skill = forms.CharField(
        required=False,
        max_length=100,
        label="Skill",
        widget=forms.TextInput(attrs={"placeholder": "Python", "type": "search"}),
    )
    linked = forms.ChoiceField(required=False, choices=LINKED_CHOICES, label="LinkedIn")
    source = forms.ChoiceField(
        required=False, choices=[("", "Any source"), *Candidate.Source.choices], label="Source"
    )
    updated_since = forms.DateField(
        required=False, label="Updated since", widget=forms.DateInput(attrs={"type": "date"})
    )
    duplicates = forms.BooleanField(required=False, label="Possible duplicates only")
    sort = forms.ChoiceField(
        required=False,
        choices=[
            (SORT_NEWEST, "Last updated: newest first"),
            (SORT_OLDEST, "Last updated: oldest first"),
        ],
        label="Sort",
    )
    cursor = forms.CharField(required=False, max_length=400, widget=forms.HiddenInput)

    def __init__(self, *args: Any, linkedin: bool = True, **kwargs: Any) -> None:
        """``linkedin``: whether the user sees LinkedIn widget data (``tracker_rsc.access``).

        Without it the link filter is not offered, and a query asking for it is refused:
        the results would tell who is linked.
        """
        super().__init__(*args, **kwargs)
        self.linkedin = linkedin
        self.linkedin_refused = False

    def clean_q(self) -> str:
        return " ".join(self.cleaned_data["q"].split())

    def clean_linked(self) -> str:
        value = self.cleaned_data["linked"]
        if value and not self.linkedin:
            self.linkedin_refused = True
            raise forms.ValidationError(access.NO_SEAT_MESSAGE)
        return value

    def clean_skill(self) -> str:
        return " ".join(self.cleaned_data["skill"].split())

    def clean_cursor(self) -> Cursor | None:
        token = self.cleaned_data["cursor"].strip()
        if not token:
            return None
        try:
            return Cursor.decode(token)
        except CursorError as exc:
            raise forms.ValidationError(str(exc)) from exc

    def filters(self) -> CandidateFilters:
        data: dict[str, Any] = self.cleaned_data
        return CandidateFilters(
            text=data["q"],
            skill=data["skill"],
            linked=data["linked"],
            source=data["source"],
            updated_since=data["updated_since"],
            duplicates=data["duplicates"],
            ascending=data["sort"] == self.SORT_OLDEST,
        )

    def query_without_cursor(self) -> str:
        """The current filters as a query string, for the pager's links."""
        params = {
            name: value
            for name, value in self.data.items()
            if name != "cursor" and value not in ("", None)
        }
        from urllib.parse import urlencode

        return urlencode(sorted(params.items()))


class MemberLinkForm(forms.Form):
    person_urn = forms.CharField(
        max_length=64,
        label="LinkedIn person URN",
        validators=[person_urn_validator],
        widget=forms.TextInput(attrs={"placeholder": "urn:li:person:Xy12", "autocomplete": "off"}),
    )
    reason = forms.CharField(
        required=False,
        max_length=300,
        label="Why (optional)",
        widget=forms.TextInput(attrs={"placeholder": "Confirmed on a call with the candidate"}),
    )

    def clean_person_urn(self) -> str:
        return self.cleaned_data["person_urn"].strip()


class MemberUnlinkForm(forms.Form):
    reason = forms.CharField(
        required=False,
        max_length=300,
        label="Why (optional)",
        widget=forms.TextInput(attrs={"placeholder": "Wrong person"}),
    )
