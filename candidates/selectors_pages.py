"""Reads for the recruiter pages: the candidate list, the candidate page and the LinkedIn panel.

Every function here issues a fixed number of queries whatever the data size, and every list
is paginated by keyset (``updated_at``, ``id``): no COUNT(*) and no OFFSET, so the list stays
an index walk on a million candidates (``cand_updated_idx``). Search goes only through the
indexed normalised keys (``candidates.selectors.candidates_matching``) and skills through the
``CandidateSkill`` (skill, candidate) index.

What a user without a Recruiter seat may see is decided by ``tracker_rsc.access`` and applied
here, not in templates: the timeline reads the kinds the policy allows and shapes each entry's
text through it.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from candidates import normalize
from candidates.models import Candidate, CandidateSkill, MemberLink, QuickSkill, QuickSkillAlias
from candidates.selectors import candidate_list, candidates_linked, candidates_matching
from tracker_rsc import access

if TYPE_CHECKING:
    from django.db.models import Model

CANDIDATES_PER_PAGE = 50
TIMELINE_PER_PAGE = 50
# A candidate on more shortlists than this is shown with the most recent ones only.
PLACEMENTS_SHOWN = 100
PANEL_ITEMS = 50

PANEL_HISTORY_KINDS = ("inmail", "note")
EVALUATION_KIND = "evaluation_summary"


class CursorError(ValueError):
    """A pagination cursor that this site did not issue (tampered with or truncated)."""


# --- Keyset cursors ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Cursor:
    """A position in an (updated_at, id) ordering, and which way the page goes from it."""

    at: datetime
    pk: int
    backwards: bool = False

    def encode(self) -> str:
        raw = json.dumps({"u": self.at.isoformat(), "i": self.pk, "b": int(self.backwards)})
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> Cursor:
        try:
            padded = token + "=" * (-len(token) % 4)
            data = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
            at = parse_datetime(data["u"])
            pk = int(data["i"])
            backwards = bool(int(data.get("b", 0)))
        except (binascii.Error, UnicodeError, ValueError, TypeError, KeyError) as exc:
            raise CursorError(
                "This page link is not valid; start again from the first page."
            ) from exc
        if at is None or timezone.is_naive(at) or pk < 1:
            raise CursorError("This page link is not valid; start again from the first page.")
        return cls(at=at, pk=pk, backwards=backwards)


@dataclass
class KeysetPage:
    rows: list[Any]
    next_cursor: str = ""
    prev_cursor: str = ""


def _beyond(field_name: str, at: datetime, pk: int, *, descending: bool) -> Q:
    """Rows after (at, pk) in the given direction.

    Written as ``field <= at AND (field < at OR id < pk)`` rather than a bare OR, so the
    first condition bounds an index range scan and the planner still walks the index in
    order and stops after one page.
    """
    if descending:
        return Q(**{f"{field_name}__lte": at}) & (Q(**{f"{field_name}__lt": at}) | Q(pk__lt=pk))
    return Q(**{f"{field_name}__gte": at}) & (Q(**{f"{field_name}__gt": at}) | Q(pk__gt=pk))


def keyset_queryset(
    queryset: QuerySet, *, field_name: str, descending: bool, cursor: Cursor | None, per_page: int
) -> QuerySet:
    """The one query behind a keyset page: ``per_page + 1`` rows from the cursor on.

    The extra row only tells whether more exist. Going back to the previous page walks the
    ordering the other way (``keyset_page`` flips the rows back).
    """
    backwards = bool(cursor and cursor.backwards)
    walk_descending = descending != backwards
    sign = "-" if walk_descending else ""
    if cursor is not None:
        queryset = queryset.filter(
            _beyond(field_name, cursor.at, cursor.pk, descending=walk_descending)
        )
    return queryset.order_by(f"{sign}{field_name}", f"{sign}pk")[: per_page + 1]


def keyset_page(
    queryset: QuerySet,
    *,
    field_name: str,
    descending: bool,
    cursor: Cursor | None,
    per_page: int,
) -> KeysetPage:
    """One page of ``queryset`` ordered by (field_name, id), plus cursors to its neighbours."""
    backwards = bool(cursor and cursor.backwards)
    rows = list(
        keyset_queryset(
            queryset,
            field_name=field_name,
            descending=descending,
            cursor=cursor,
            per_page=per_page,
        )
    )
    more = len(rows) > per_page
    rows = rows[:per_page]
    if backwards:
        rows.reverse()
    page = KeysetPage(rows=rows)
    if not rows:
        return page
    first, last = rows[0], rows[-1]
    has_next = more if not backwards else True
    has_prev = (cursor is not None) if not backwards else more
    if has_next:
        page.next_cursor = Cursor(at=getattr(last, field_name), pk=last.pk).encode()
    if has_prev:
        page.prev_cursor = Cursor(
            at=getattr(first, field_name), pk=first.pk, backwards=True
        ).encode()
    return page


# --- The candidate list -------------------------------------------------------------------


@dataclass(frozen=True)
class CandidateFilters:
    text: str = ""
    skill: str = ""
    linked: str = ""  # "", "linked" or "unlinked"
    source: str = ""
    updated_since: date | None = None
    duplicates: bool = False
    ascending: bool = False


@dataclass
class CandidateListResult:
    page: KeysetPage
    skill: QuickSkill | None = None
    skill_missing: bool = False


def quick_skill_by_name(name: str) -> QuickSkill | None:
    """The Quick Skill a recruiter means by ``name``: its name, an alias, or a near spelling.

    Exact and alias hits are single indexed look-ups; only a miss falls back to Skills Search
    (which loads the dictionary: two queries), so "Pyhton" still finds Python.
    """
    key = normalize.normalize_skill(name)
    if not key:
        return None
    skill = QuickSkill.objects.filter(key=key).first()
    if skill is not None:
        return skill
    alias = QuickSkillAlias.objects.filter(key=key).select_related("skill").first()
    if alias is not None:
        return alias.skill
    from candidates.selectors import skill_search

    result = skill_search(name)
    if result.skill_id is None:
        return None
    return QuickSkill.objects.filter(pk=result.skill_id).first()


def _start_of_day(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


def candidate_list_queryset(
    *, filters: CandidateFilters
) -> tuple[QuerySet[Candidate] | None, QuickSkill | None]:
    """The filtered (unordered, unpaged) candidate list and the skill it was narrowed to.

    Returns ``(None, None)`` when the skill filter names no Quick Skill: nobody can match.
    """
    queryset = candidate_list().select_related("possible_duplicate_of")
    skill = None
    if filters.text:
        queryset = candidates_matching(queryset=queryset, text=filters.text)
    if filters.skill:
        skill = quick_skill_by_name(filters.skill)
        if skill is None:
            return None, None
        queryset = queryset.filter(
            Exists(CandidateSkill.objects.filter(candidate=OuterRef("pk"), skill=skill))
        )
    if filters.linked:
        queryset = candidates_linked(queryset=queryset, linked=filters.linked == "linked")
    if filters.source:
        queryset = queryset.filter(source=filters.source)
    if filters.updated_since:
        queryset = queryset.filter(updated_at__gte=_start_of_day(filters.updated_since))
    if filters.duplicates:
        queryset = queryset.filter(possible_duplicate_of__isnull=False)
    return queryset, skill


def candidate_list_page(
    *, filters: CandidateFilters, cursor: Cursor | None, per_page: int | None = None
) -> CandidateListResult:
    """One page of the candidate list: three queries (page, skills, active links), plus the
    skill look-up when filtering by skill."""
    queryset, skill = candidate_list_queryset(filters=filters)
    if queryset is None:
        return CandidateListResult(page=KeysetPage(rows=[]), skill_missing=True)
    page = keyset_page(
        queryset,
        field_name="updated_at",
        descending=not filters.ascending,
        cursor=cursor,
        per_page=per_page or CANDIDATES_PER_PAGE,
    )
    return CandidateListResult(page=page, skill=skill)


# --- The candidate page -------------------------------------------------------------------


def _activity_model() -> type[Model]:
    # candidates never imports requisitions (docs/architecture.md §2): the model is reached through
    # the reverse relation, as the candidate page reads it.
    return Candidate._meta.get_field("activities").related_model


def _placement_model() -> type[Model]:
    return Candidate._meta.get_field("placements").related_model


def candidate_for_page(*, pk: int) -> Candidate | None:
    return (
        Candidate.objects.select_related("possible_duplicate_of", "created_by")
        .filter(pk=pk)
        .first()
    )


def candidate_skills(*, candidate: Candidate) -> list[CandidateSkill]:
    return list(candidate.skills.select_related("skill").order_by("skill__name"))


def candidate_shortlists(*, candidate: Candidate) -> list[Any]:
    """The candidate's placements, newest first, with their requisition (one query)."""
    return list(
        _placement_model()
        .objects.filter(candidate=candidate)
        .select_related("requisition")
        .order_by("-created_at", "-id")[:PLACEMENTS_SHOWN]
    )


@dataclass
class TimelineEntry:
    activity: Any
    subject: str
    body: str
    show_details: bool


def candidate_timeline(
    *, candidate: Candidate, widget: bool, cursor: Cursor | None
) -> tuple[list[TimelineEntry], str, str]:
    """The activity timeline, newest first: ``(entries, next_cursor, prev_cursor)``.

    ``widget`` says whether the reader sees LinkedIn widget data (``tracker_rsc.access``).
    Everyone reads InMails, notes and evaluation summaries whole; without the widget the link
    events are filtered out in the query, audit entries keep only their subject, and person
    URNs are redacted from what is shown.
    """
    queryset = (
        _activity_model()
        .objects.filter(candidate=candidate)
        .select_related("author", "requisition", "placement")
    )
    hidden = access.hidden_activity_kinds(widget=widget)
    if hidden:
        queryset = queryset.exclude(kind__in=hidden)
    page = keyset_page(
        queryset,
        field_name="occurred_at",
        descending=True,
        cursor=cursor,
        per_page=TIMELINE_PER_PAGE,  # read at call time: tests shorten it
    )
    entries = []
    for activity in page.rows:
        subject, body = access.activity_text(
            activity.kind, activity.subject, activity.body, widget=widget
        )
        entries.append(
            TimelineEntry(
                activity=activity,
                subject=subject,
                body=body,
                show_details=access.activity_details_visible(activity.kind, widget=widget),
            )
        )
    return entries, page.next_cursor, page.prev_cursor


@dataclass(frozen=True)
class SyncState:
    """How a record stands with LinkedIn, as the candidate and requisition pages show it."""

    code: str  # off | error | queued | synced
    label: str
    detail: str


def sync_state(
    *,
    integration_enabled: bool,
    updated_at: datetime,
    synced_at: datetime | None,
    error: str,
    history_cutoff: datetime | None = None,
    history_description: str = "",
) -> SyncState:
    """Derived from the record's own fields: live sync sets ``linkedin_synced_at`` (clearing
    the error) when LinkedIn accepts the record, and ``linkedin_sync_error`` when it refuses it.
    A save moves ``updated_at`` past ``linkedin_synced_at`` until the outbox delivers it.

    With ``history_cutoff`` (``Integration.history_cutoff``), a record never sent and last
    updated before it is one the bulk sync left out: nothing is queued until someone saves it.
    """
    if not integration_enabled:
        return SyncState("off", "Not syncing", "The LinkedIn integration is not enabled.")
    if error:
        return SyncState("error", "Sync failed", error)
    if synced_at is None and history_cutoff is not None and updated_at < history_cutoff:
        return SyncState(
            "outside_history",
            "Not sent yet",
            f"The bulk sync sends candidates {history_description}; this record is older, so "
            "it was left out. Click Save to send it to LinkedIn and look for its LinkedIn "
            "member: no change is needed.",
        )
    if synced_at is None or synced_at < updated_at:
        detail = "Saved changes are waiting to be sent to LinkedIn."
        if synced_at is None:
            detail = "Waiting to be sent to LinkedIn for the first time."
        return SyncState("queued", "Queued", detail)
    return SyncState("synced", "Synced", "LinkedIn has the latest version of this record.")


def save_outcome(
    *, candidate: Candidate, integration_enabled: bool, linked: bool
) -> tuple[int, str]:
    """What the Save button queued, as ``(message level, text)`` for the page.

    Mirrors live sync's rule (``syncjobs.records.candidate_skip_reason``): LinkedIn needs a
    first and last name, and an email address unless the candidate is already linked. The
    text never names the LinkedIn member (users without a seat read it too).
    """
    name = str(candidate)
    if not integration_enabled:
        return messages.SUCCESS, f"Saved {name}. The LinkedIn integration is off: nothing was sent."
    if not candidate.has_full_name:
        return messages.WARNING, (
            f"Saved {name}, but it cannot be sent to LinkedIn: LinkedIn needs a first and a "
            "last name. Add them, then save again."
        )
    if linked:
        return messages.SUCCESS, (
            f"Saved {name}. Tracker will send this record to LinkedIn (it is already linked "
            "to its LinkedIn member)."
        )
    if not candidate.email_key:
        stored = (
            f" (the stored email “{candidate.email}” is not an address)" if candidate.email else ""
        )
        return messages.WARNING, (
            f"Saved {name}, but LinkedIn cannot look for its member: a candidate who is not "
            f"linked yet needs an email address{stored}. Add one, then save again."
        )
    return messages.SUCCESS, (
        f"Saved {name}. Tracker will send this record to LinkedIn and look for this "
        "candidate's LinkedIn member; it is linked when LinkedIn finds one."
    )


# --- The LinkedIn panel (seated users only) ---------------------------------------------------


@dataclass
class LinkedInPanel:
    active_link: MemberLink | None
    links: list[MemberLink]
    history: list[Any]
    evaluations: list[Any]


def linkedin_panel(*, candidate: Candidate) -> LinkedInPanel:
    """What a seated user sees in the panel: three queries whatever the history's length."""
    links = list(
        candidate.member_links.select_related("linked_by", "unlinked_by").order_by(
            "-linked_at", "-id"
        )[:PANEL_ITEMS]
    )
    active = next((link for link in links if link.unlinked_at is None), None)
    activity_model = _activity_model()
    history = list(
        activity_model.objects.filter(candidate=candidate, kind__in=PANEL_HISTORY_KINDS)
        .select_related("seat", "author")
        .order_by("-occurred_at", "-id")[:PANEL_ITEMS]
    )
    evaluations = list(
        activity_model.objects.filter(candidate=candidate, kind=EVALUATION_KIND)
        .select_related("requisition", "placement")
        .order_by("-occurred_at", "-id")[:PANEL_ITEMS]
    )
    return LinkedInPanel(active_link=active, links=links, history=history, evaluations=evaluations)
