"""Admin for candidates, member links, review queue, Quick Skills and erasure tombstones.

Every write calls candidates.services, so the domain signals fire exactly as from the pages and
the API. The candidate list is built for a million rows: no full COUNT, searches that use the
indexed normalised keys, and no per-row queries.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import FilteredSelectMultiple
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html

from candidates import candidate_import, normalize, services, skill_import
from candidates.admin_imports import CsvImportAdminMixin, ImportRunAdmin
from candidates.models import (
    Candidate,
    CandidateSkill,
    ErasureTombstone,
    ImportRun,
    MatchReview,
    MemberLink,
    QuickSkill,
    QuickSkillAlias,
    identifier_hash,
)
from tracker_rsc import access
from tracker_rsc.admin_utils import (
    ExactSearchMixin,
    LargeTableAdminMixin,
    ReadOnlyAdminMixin,
    ReadOnlyInline,
    ServiceAdminMixin,
    as_id,
    copy_saved_state,
    key_prefix_q,
    permission_check,
    report,
    service_errors,
    truncate,
)
from tracker_rsc.links import external_link

# An erasure is confirmed by listing the candidates; more than this is a bulk job, not a form.
MAX_ERASE_AT_ONCE = 100


def candidate_search_q(term: str) -> Q | None:
    """The condition for one admin search, through indexed keys only; None matches nothing.

    - an email address: its normalised key, exactly;
    - a LinkedIn profile URL: its profile slug, exactly;
    - a person URN: candidates ever linked to that member;
    - digits: the candidate id;
    - otherwise names: one word is a first- or last-name prefix; several words are a first
      name then a last name (or "Last, First", or the other way round), each a key prefix.
    """
    term = term.strip()
    if not term:
        return Q()
    if "@" in term:
        key = normalize.normalize_email(term)
        return Q(email_key=key) if key else None
    if slug := normalize.profile_slug(term):
        return Q(profile_key=slug)
    if term.startswith("urn:li:person:"):
        return Q(pk__in=MemberLink.objects.filter(person_urn=term).values("candidate_id"))
    if term.isdigit():
        number = as_id(term)
        return Q(pk=number) if number is not None else None
    if "," in term:  # "Doe, Jane"
        last, _, first = term.partition(",")
        first_key, last_key = (
            normalize.normalize_name_part(first),
            normalize.normalize_name_part(last),
        )
        if not last_key:
            return None
        condition = key_prefix_q("last_name_key", last_key)
        return condition & key_prefix_q("first_name_key", first_key) if first_key else condition
    words = [key for key in map(normalize.normalize_name_part, term.split()) if key]
    if not words:
        return None
    if len(words) == 1:
        return key_prefix_q("first_name_key", words[0]) | key_prefix_q("last_name_key", words[0])
    condition = Q(pk__in=[])
    # Every split of the words into first name + last name ("Mary Ann Smith" may be either),
    # in both orders, each an indexed pair of prefixes.
    for split in range(1, len(words)):
        head, tail = "".join(words[:split]), "".join(words[split:])
        condition |= key_prefix_q("first_name_key", head) & key_prefix_q("last_name_key", tail)
        condition |= key_prefix_q("first_name_key", tail) & key_prefix_q("last_name_key", head)
    return condition


class LinkedInLinkFilter(admin.SimpleListFilter):
    title = "LinkedIn link"
    parameter_name = "linked"

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin[Candidate]
    ) -> list[tuple[str, str]]:
        return [("yes", "Linked to a member"), ("no", "Not linked")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Candidate]) -> QuerySet[Candidate]:
        # A correlated EXISTS probes the partial unique index per candidate row, so the list
        # still walks the updated_at index and stops after one page (an anti-join plan).
        active = Exists(
            MemberLink.objects.filter(candidate=OuterRef("pk"), unlinked_at__isnull=True)
        )
        if self.value() == "yes":
            return queryset.filter(active)
        if self.value() == "no":
            return queryset.filter(~active)
        return queryset


class LinkedInSyncFilter(admin.SimpleListFilter):
    title = "LinkedIn sync"
    parameter_name = "sync"

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin[Candidate]
    ) -> list[tuple[str, str]]:
        return [("error", "Last sync failed"), ("never", "Never synced"), ("ok", "Synced")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Candidate]) -> QuerySet[Candidate]:
        if self.value() == "error":
            return queryset.exclude(linkedin_sync_error="")
        if self.value() == "never":
            return queryset.filter(linkedin_synced_at__isnull=True)
        if self.value() == "ok":
            return queryset.filter(linkedin_synced_at__isnull=False, linkedin_sync_error="")
        return queryset


class PossibleDuplicateFilter(admin.SimpleListFilter):
    title = "possible duplicate"
    parameter_name = "duplicate"

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin[Candidate]
    ) -> list[tuple[str, str]]:
        return [("yes", "Flagged as a possible duplicate")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Candidate]) -> QuerySet[Candidate]:
        if self.value() == "yes":  # served by the partial index cand_possible_dup_idx
            return queryset.filter(possible_duplicate_of__isnull=False)
        return queryset


class CandidateAdminForm(forms.ModelForm[Candidate]):
    skills = forms.ModelMultipleChoiceField(
        queryset=QuickSkill.objects.all(),
        required=False,
        widget=FilteredSelectMultiple("skills", is_stacked=False),
        help_text="Quick Skills of this candidate (the dictionary is edited under Quick skills).",
    )

    class Meta:
        model = Candidate
        fields = services.EDITABLE_FIELDS

    def clean_linkedin_profile_url(self) -> str:
        # The API's rule: a LinkedIn public profile URL or nothing (anything else would be
        # stored, sent to LinkedIn and shown as the candidate's LinkedIn link).
        value: str = self.cleaned_data.get("linkedin_profile_url", "")
        if value.strip() and not normalize.profile_slug(value):
            raise forms.ValidationError(
                "Enter a LinkedIn public profile URL such as https://www.linkedin.com/in/jane-doe."
            )
        return value

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Fields whose stored value today's rules refuse (an old import): kept while unchanged,
        # so Save still works and sends the record to LinkedIn; a changed value is validated.
        self._strict_fields: dict[str, forms.Field] = {}
        if self.instance.pk:
            self.fields["skills"].initial = list(
                self.instance.skills.values_list("skill_id", flat=True)
            )
            for name in ("email", "linkedin_profile_url"):
                field = self.fields.get(name)
                stored = getattr(self.instance, name)
                if field is None or not stored or self._accepts(field, stored):
                    continue
                self._strict_fields[name] = field
                self.fields[name] = forms.CharField(
                    required=False,
                    max_length=getattr(field, "max_length", None),
                    label=field.label,
                    help_text="The stored value is not valid by today's rules. It is kept as "
                    "it is while unchanged; a new value must be valid.",
                )

    @staticmethod
    def _accepts(field: forms.Field, value: Any) -> bool:
        try:
            field.clean(value)
        except forms.ValidationError:
            return False
        return True

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        for name, strict in self._strict_fields.items():
            if name in self.changed_data and name in cleaned:
                try:
                    cleaned[name] = strict.clean(cleaned[name])
                except forms.ValidationError as exc:
                    self.add_error(name, exc)
        return cleaned

    def _get_validation_exclusions(self) -> set[str]:
        # The model's own validation (ModelForm._post_clean) skips unchanged fields too: the
        # service validates exactly what changed (candidates.services.candidate_update).
        exclude = set(super()._get_validation_exclusions())  # type: ignore[misc]  # private hook
        if self.instance.pk:
            exclude |= {name for name in self._strict_fields if name not in self.changed_data}
        return exclude


class MemberLinkInline(ReadOnlyInline):
    model = MemberLink
    fk_name = "candidate"
    fields = (
        "person_urn",
        "method",
        "matched_on",
        "score",
        "reason",
        "linked_at",
        "linked_by",
        "unlinked_at",
        "unlink_reason",
    )
    readonly_fields = fields
    verbose_name_plural = "LinkedIn member links (history kept)"


class EraseForm(forms.Form):
    reason = forms.CharField(
        max_length=300,
        help_text="Why the data is erased (kept on the tombstone), e.g. the erasure request's "
        "reference.",
    )


@admin.register(Candidate)
class CandidateAdmin(
    CsvImportAdminMixin, LargeTableAdminMixin, ServiceAdminMixin, admin.ModelAdmin[Candidate]
):
    import_kind = ImportRun.Kind.CANDIDATES
    import_columns = candidate_import.COLUMNS
    import_notes = (
        "Every row goes through the duplicate check of Export to ATS (LinkedIn profile URL, "
        "then email, then name). A match is updated, an ambiguous name is created and put on "
        "the review queue as a possible duplicate, rows of the same person are merged, and a "
        "refused row (the report says why) never stops the rest. Importing the same file "
        "again changes nothing."
    )
    form = CandidateAdminForm
    list_display = (
        "id",
        "display_name",
        "email",
        "current_title",
        "current_company",
        "source",
        "linkedin_member",
        "linkedin_profile",
        "possible_duplicate_of",
        "updated_at",
    )
    list_display_links = ("id", "display_name")
    list_filter = (LinkedInLinkFilter, LinkedInSyncFilter, PossibleDuplicateFilter, "source")
    # get_search_results replaces Django's icontains search with the indexed keys below.
    search_fields = ("email_key", "first_name_key", "last_name_key")
    search_help_text = (
        "An email, a LinkedIn profile URL or person URN, an id, or the start of a first and/or "
        "last name (accents and case ignored)."
    )
    list_select_related = ("possible_duplicate_of",)
    # Only the indexed orderings: sorting a million rows by another column reads them all.
    sortable_by = ("id", "updated_at")
    list_per_page = 50
    raw_id_fields = ("possible_duplicate_of",)
    inlines = (MemberLinkInline,)
    actions = ("resend_to_linkedin", "erase_selected")
    fieldsets = (
        (None, {"fields": ("first_name", "last_name", "email", "phone", "location")}),
        ("Work", {"fields": ("current_title", "current_company", "headline", "skills")}),
        ("LinkedIn", {"fields": ("linkedin_profile_url", "linkedin_profile", "linkedin_status")}),
        ("CV", {"fields": ("cv_file", "cv_text")}),
        (
            "Record",
            {
                "fields": (
                    "source",
                    "created_at",
                    "created_by",
                    "updated_at",
                    "possible_duplicate_of",
                    "related_records",
                    "duplicate_check_keys",
                ),
            },
        ),
    )
    readonly_fields = (
        "linkedin_profile",
        "linkedin_status",
        "source",
        "created_at",
        "created_by",
        "updated_at",
        "possible_duplicate_of",
        "related_records",
        "duplicate_check_keys",
    )

    # --- LinkedIn member data follows tracker_rsc.access.can_see_member_links_in_admin: a
    # staff user without the view_memberlink permission and without a Recruiter seat sees the
    # candidate's Tracker record but no member URN, link detail, link filter or link search.

    def get_list_display(self, request: HttpRequest) -> list[Any] | tuple[Any, ...]:
        shown = super().get_list_display(request)
        if access.can_see_member_links_in_admin(request.user):
            return shown
        return tuple(name for name in shown if name != "linkedin_member")

    def get_list_filter(self, request: HttpRequest) -> list[Any] | tuple[Any, ...]:
        shown = super().get_list_filter(request)
        if access.can_see_member_links_in_admin(request.user):
            return shown
        return tuple(item for item in shown if item is not LinkedInLinkFilter)

    def get_inlines(
        self, request: HttpRequest, obj: Candidate | None
    ) -> list[Any] | tuple[Any, ...]:
        if access.can_see_member_links_in_admin(request.user):
            return super().get_inlines(request, obj)
        return ()

    def get_fieldsets(
        self, request: HttpRequest, obj: Candidate | None = None
    ) -> list[Any] | tuple[Any, ...]:
        fieldsets = super().get_fieldsets(request, obj)
        if access.can_see_member_links_in_admin(request.user):
            return fieldsets
        return [
            (
                name,
                {
                    **options,
                    "fields": tuple(
                        "linkedin_sync_status" if field == "linkedin_status" else field
                        for field in options["fields"]
                    ),
                },
            )
            for name, options in fieldsets
        ]

    def get_readonly_fields(
        self, request: HttpRequest, obj: Candidate | None = None
    ) -> list[Any] | tuple[Any, ...]:
        fields = super().get_readonly_fields(request, obj)
        if access.can_see_member_links_in_admin(request.user):
            return fields
        return (*fields, "linkedin_sync_status")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Candidate]:
        # The active link is one indexed lookup per displayed row (a partial unique index),
        # not a join that would multiply rows.
        active_person = MemberLink.objects.filter(
            candidate=OuterRef("pk"), unlinked_at__isnull=True
        ).values("person_urn")[:1]
        queryset: QuerySet[Candidate] = super().get_queryset(request)
        return queryset.annotate(active_person_urn=Subquery(active_person))

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Candidate], search_term: str
    ) -> tuple[QuerySet[Candidate], bool]:
        if search_term.strip().startswith("urn:li:") and not (
            access.can_see_member_links_in_admin(request.user)
        ):
            # Searching by member would say who is linked to that member.
            return queryset.none(), False
        condition = candidate_search_q(search_term)
        if condition is None:
            return queryset.none(), False
        return queryset.filter(condition), False

    @admin.display(description="name")
    def display_name(self, obj: Candidate) -> str:
        return obj.full_name or "(no name)"

    @admin.display(description="LinkedIn member")
    def linkedin_member(self, obj: Candidate) -> str:
        return getattr(obj, "active_person_urn", None) or "—"

    @admin.display(description="open profile")
    def linkedin_profile(self, obj: Candidate) -> str:
        # Linked only when http(s): a stored javascript:/data: value is shown as text.
        return external_link(obj.linkedin_profile_url) if obj.linkedin_profile_url else "—"

    @admin.display(description="LinkedIn")
    def linkedin_status(self, obj: Candidate) -> str:
        if not obj.pk:
            return "—"
        link = services.candidate_active_link(candidate=obj)
        linked = (
            f"Linked to {link.person_urn} ({link.get_method_display()}, matched on "
            f"{link.get_matched_on_display().lower()}) since {link.linked_at:%Y-%m-%d %H:%M}."
            if link
            else "Not linked to a LinkedIn member."
        )
        return f"{linked} {self._sync_text(obj, error=obj.linkedin_sync_error)}"

    @admin.display(description="LinkedIn")
    def linkedin_sync_status(self, obj: Candidate) -> str:
        """The sync state only, for staff who may not see member links (no link, no URN)."""
        if not obj.pk:
            return "—"
        return self._sync_text(obj, error=access.redact_member_ids(obj.linkedin_sync_error))

    @staticmethod
    def _sync_text(obj: Candidate, *, error: str) -> str:
        if error:
            return f"Last sync failed: {error}"
        if obj.linkedin_synced_at:
            return f"Last accepted by LinkedIn {obj.linkedin_synced_at:%Y-%m-%d %H:%M} UTC."
        return "Not sent to LinkedIn yet."

    @admin.display(description="related")
    def related_records(self, obj: Candidate) -> str:
        if not obj.pk:
            return "—"
        return format_html(
            '<a href="{}?candidate__id__exact={}">Placements</a> · '
            '<a href="{}?candidate__id__exact={}">Activities</a> · '
            '<a href="{}?candidate__id__exact={}">Review items</a>',
            reverse("admin:requisitions_placement_changelist"),
            obj.pk,
            reverse("admin:requisitions_activity_changelist"),
            obj.pk,
            reverse("admin:candidates_matchreview_changelist"),
            obj.pk,
        )

    @admin.display(description="duplicate-check keys")
    def duplicate_check_keys(self, obj: Candidate) -> str:
        if not obj.pk:
            return "—"
        return (
            f"email: {obj.email_key or '—'} · profile: {obj.profile_key or '—'} · "
            f"name: {obj.first_name_key or '—'} {obj.last_name_key or '—'}"
        )

    def save_model(
        self, request: HttpRequest, obj: Candidate, form: forms.ModelForm[Candidate], change: bool
    ) -> None:
        fields = {
            name: getattr(obj, name) for name in services.EDITABLE_FIELDS if name in form.fields
        }
        with service_errors():
            if change:
                saved = services.candidate_update(
                    # A fresh copy: the form already wrote its values onto ``obj``, and the
                    # service compares against the stored ones to report what changed.
                    candidate=Candidate.objects.get(pk=obj.pk),
                    actor=request.user,
                    skills=form.cleaned_data["skills"] if "skills" in form.changed_data else None,
                    **fields,
                )
            else:
                saved = services.candidate_create(
                    actor=request.user,
                    source=Candidate.Source.MANUAL,
                    skills=form.cleaned_data.get("skills") or (),
                    **fields,
                )
        copy_saved_state(obj, saved)

    def save_related(
        self,
        request: HttpRequest,
        form: forms.ModelForm[Candidate],
        formsets: list[Any],
        change: bool,
    ) -> None:
        # Skills were set by the service; the inlines are read-only.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def delete_model(self, request: HttpRequest, obj: Candidate) -> None:
        services.candidate_delete(candidate=obj, actor=request.user)

    @admin.action(
        description="Save again (re-send to LinkedIn and re-run matching)", permissions=["change"]
    )
    def resend_to_linkedin(self, request: HttpRequest, queryset: QuerySet[Candidate]) -> None:
        count = 0
        for candidate in queryset.iterator(chunk_size=500):
            services.candidate_save(candidate=candidate, actor=request.user)
            count += 1
        report(self, request, [(count, "candidates saved and queued for LinkedIn")])

    # Erasure has its own permission (candidates.erase_candidate), as in the API.
    @admin.action(
        description="Erase selected candidates (GDPR: record and LinkedIn data)",
        permissions=["erase"],
    )
    def erase_selected(
        self, request: HttpRequest, queryset: QuerySet[Candidate]
    ) -> HttpResponse | None:
        candidates = list(queryset[: MAX_ERASE_AT_ONCE + 1])
        if len(candidates) > MAX_ERASE_AT_ONCE:
            self.message_user(
                request,
                f"Erase at most {MAX_ERASE_AT_ONCE} candidates at a time.",
                messages.ERROR,
            )
            return None
        form = EraseForm(request.POST if request.POST.get("confirm") == "yes" else None)
        if form.is_valid():
            for candidate in candidates:
                # Any iterable of objects does (Django iterates it); the stubs say QuerySet.
                self.log_deletions(request, [candidate])  # type: ignore[arg-type]
                services.candidate_erase(
                    candidate=candidate, actor=request.user, reason=form.cleaned_data["reason"]
                )
            report(self, request, [(len(candidates), "candidates erased; tombstones kept")])
            return None
        return TemplateResponse(
            request,
            "admin/tracker_rsc/action_form.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": "Erase candidates",
                "intro": (
                    "These candidates will be deleted with their placements and activities, "
                    "and deleted on LinkedIn. Only hashed identifiers are kept, so that no "
                    "import re-creates them."
                ),
                "objects": candidates,
                "form": form,
                "action": "erase_selected",
                "selected": [candidate.pk for candidate in candidates],
                "submit_label": "Erase",
                "cancel_url": reverse("admin:candidates_candidate_changelist"),
            },
        )

    has_erase_permission = permission_check("erase")


@admin.register(MemberLink)
class MemberLinkAdmin(
    LargeTableAdminMixin, ExactSearchMixin, ReadOnlyAdminMixin, admin.ModelAdmin[MemberLink]
):
    list_display = (
        "id",
        "candidate",
        "person_urn",
        "method",
        "matched_on",
        "score",
        "linked_at",
        "is_active",
        "unlinked_at",
    )
    list_filter = ("method", "matched_on", ("unlinked_at", admin.EmptyFieldListFilter))
    exact_search_fields = ("person_urn",)
    exact_id_search_fields = ("candidate_id",)
    search_help_text = "A person URN or a candidate id."
    list_select_related = ("candidate",)
    raw_id_fields = ("candidate",)
    actions = ("unlink_selected",)

    @admin.display(boolean=True, description="active")
    def is_active(self, obj: MemberLink) -> bool:
        return obj.active

    has_unlink_permission = permission_check("change")

    @admin.action(
        description="Unlink selected (the link is kept as history)", permissions=["unlink"]
    )
    def unlink_selected(self, request: HttpRequest, queryset: QuerySet[MemberLink]) -> None:
        unlinked = 0
        for link in queryset.filter(unlinked_at__isnull=True).select_related("candidate"):
            services.member_link_unlink(link=link, actor=request.user, reason="unlinked in admin")
            self.log_change(request, link, "Unlinked in the admin.")
            unlinked += 1
        report(self, request, [(unlinked, "links ended")])


@admin.register(MatchReview)
class MatchReviewAdmin(ExactSearchMixin, ReadOnlyAdminMixin, admin.ModelAdmin[MatchReview]):
    list_display = (
        "id",
        "kind",
        "candidate",
        "other_candidate",
        "short_detail",
        "created_at",
        "resolved_at",
        "resolution",
    )
    list_filter = ("kind", ("resolved_at", admin.EmptyFieldListFilter))
    exact_id_search_fields = ("candidate_id", "other_candidate_id")
    search_help_text = "A candidate id."
    list_select_related = ("candidate", "other_candidate", "resolved_by")
    raw_id_fields = ("candidate", "other_candidate")
    actions = ("resolve_selected",)

    @admin.display(description="detail")
    def short_detail(self, obj: MatchReview) -> str:
        return truncate(obj.detail)

    has_resolve_permission = permission_check("change")

    @admin.action(description="Mark selected as resolved", permissions=["resolve"])
    def resolve_selected(self, request: HttpRequest, queryset: QuerySet[MatchReview]) -> None:
        resolved = 0
        for review in queryset.filter(resolved_at__isnull=True):
            services.match_review_resolve(
                review=review, actor=request.user, resolution=f"reviewed by {request.user}"
            )
            self.log_change(request, review, "Marked resolved.")
            resolved += 1
        report(self, request, [(resolved, "review items resolved")])


class HasAliasesFilter(admin.SimpleListFilter):
    title = "aliases"
    parameter_name = "has_aliases"

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin[QuickSkill]
    ) -> list[tuple[str, str]]:
        return [("yes", "With aliases"), ("no", "Without aliases")]

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[QuickSkill]
    ) -> QuerySet[QuickSkill]:
        with_aliases = Exists(QuickSkillAlias.objects.filter(skill=OuterRef("pk")))
        if self.value() == "yes":
            return queryset.filter(with_aliases)
        if self.value() == "no":
            return queryset.filter(~with_aliases)
        return queryset


class QuickSkillAliasForm(forms.ModelForm[QuickSkillAlias]):
    class Meta:
        model = QuickSkillAlias
        fields = ("alias",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:  # an alias is removed and re-added, never edited in place
            self.fields["alias"].disabled = True

    def clean_alias(self) -> str:
        alias: str = self.cleaned_data["alias"]
        if not normalize.normalize_skill(alias):
            raise forms.ValidationError("An alias needs at least one letter or digit.")
        return alias


class QuickSkillAliasInline(admin.TabularInline[QuickSkillAlias, QuickSkill]):
    model = QuickSkillAlias
    form = QuickSkillAliasForm
    extra = 3


@admin.register(QuickSkill)
class QuickSkillAdmin(CsvImportAdminMixin, ServiceAdminMixin, admin.ModelAdmin[QuickSkill]):
    import_kind = ImportRun.Kind.QUICK_SKILLS
    import_columns = skill_import.COLUMNS
    import_notes = (
        f"Aliases are separated by “{skill_import.ALIAS_SEPARATOR}”. A skill already in the "
        "dictionary gets the aliases it lacks; a name or alias that belongs to another skill "
        "is reported, never written over."
    )
    list_display = ("name", "key", "alias_list", "created_at")
    search_fields = ("name", "key", "aliases__alias")
    list_filter = (HasAliasesFilter,)
    list_select_related = ()  # no foreign keys; aliases are prefetched in get_queryset
    inlines = (QuickSkillAliasInline,)
    readonly_fields = ("key", "created_at")

    def get_queryset(self, request: HttpRequest) -> QuerySet[QuickSkill]:
        return super().get_queryset(request).prefetch_related("aliases")

    def get_readonly_fields(
        self, request: HttpRequest, obj: QuickSkill | None = None
    ) -> list[Any] | tuple[Any, ...]:
        # The name is the dictionary key that Skills Search matches on: renaming it would
        # silently change which LinkedIn skills map here, so a new entry is made instead.
        return (*self.readonly_fields, "name") if obj else self.readonly_fields

    @admin.display(description="aliases")
    def alias_list(self, obj: QuickSkill) -> str:
        return ", ".join(alias.alias for alias in obj.aliases.all()) or "—"

    def save_model(
        self, request: HttpRequest, obj: QuickSkill, form: forms.ModelForm[QuickSkill], change: bool
    ) -> None:
        if change:
            return  # only the aliases change, in save_formset
        with service_errors():
            skill = services.quick_skill_create(name=form.cleaned_data["name"])
        copy_saved_state(obj, skill)

    def save_formset(
        self, request: HttpRequest, form: forms.ModelForm[QuickSkill], formset: Any, change: bool
    ) -> None:
        if formset.model is not QuickSkillAlias:
            super().save_formset(request, form, formset, change)
            return
        new_aliases = formset.save(commit=False)
        for alias in formset.deleted_objects:
            alias.delete()  # no domain signal: aliases only steer Skills Search
        for alias in new_aliases:
            if alias.pk:
                continue
            if services.quick_skill_alias_add(skill=form.instance, alias=alias.alias) is None:
                self.message_user(
                    request,
                    f"“{alias.alias}” is the skill's own name, so it was not added as an alias.",
                    messages.WARNING,
                )


@admin.register(QuickSkillAlias)
class QuickSkillAliasAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[QuickSkillAlias]):
    """View only: aliases are added and removed on their Quick Skill's page."""

    list_display = ("alias", "skill", "key")
    search_fields = ("alias", "key", "skill__name")
    list_select_related = ("skill",)
    list_filter = (("skill", admin.RelatedOnlyFieldListFilter),)


@admin.register(CandidateSkill)
class CandidateSkillAdmin(
    LargeTableAdminMixin, ExactSearchMixin, ReadOnlyAdminMixin, admin.ModelAdmin[CandidateSkill]
):
    """View only: a candidate's skills are edited on the candidate, through candidate_update."""

    list_display = ("id", "candidate", "skill", "source", "added_at")
    list_filter = ("source",)
    exact_search_fields = ("skill__name",)
    exact_id_search_fields = ("candidate_id",)
    search_help_text = "A candidate id or a Quick Skill's exact name."
    list_select_related = ("candidate", "skill")
    raw_id_fields = ("candidate",)


@admin.register(ErasureTombstone)
class ErasureTombstoneAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[ErasureTombstone]):
    list_display = (
        "candidate_id",
        "erased_at",
        "erased_by",
        "reason",
        "has_email",
        "has_profile",
        "has_person",
        "linkedin_deleted_at",
    )
    list_filter = (("linkedin_deleted_at", admin.EmptyFieldListFilter),)
    search_fields = ("=candidate_id",)
    search_help_text = (
        "An email, LinkedIn profile URL or person URN (compared by hash), or the former id."
    )
    list_select_related = ("erased_by",)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[ErasureTombstone], search_term: str
    ) -> tuple[QuerySet[ErasureTombstone], bool]:
        term = search_term.strip()
        if not term:
            return queryset, False
        if term.isdigit():
            number = as_id(term)
            return (queryset.filter(candidate_id=number) if number else queryset.none()), False
        condition = Q(pk__in=[])
        if key := normalize.normalize_email(term):
            condition |= Q(email_hash=identifier_hash(key))
        if key := normalize.profile_slug(term):
            condition |= Q(profile_hash=identifier_hash(key))
        if term.startswith("urn:li:person:"):
            condition |= Q(person_hash=identifier_hash(term))
        return queryset.filter(condition), False

    @admin.display(boolean=True, description="email")
    def has_email(self, obj: ErasureTombstone) -> bool:
        return bool(obj.email_hash)

    @admin.display(boolean=True, description="profile URL")
    def has_profile(self, obj: ErasureTombstone) -> bool:
        return bool(obj.profile_hash)

    @admin.display(boolean=True, description="LinkedIn member")
    def has_person(self, obj: ErasureTombstone) -> bool:
        return bool(obj.person_hash)


# CSV import runs (uploaded from the candidate, Quick Skill and requisition lists).
admin.site.register(ImportRun, ImportRunAdmin)
