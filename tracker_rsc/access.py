"""What is visible to whom: the one access policy for pages, the REST API and the admin.

Tracker holds two classes of LinkedIn-related data, and the FAQ ("User access and visibility")
treats them differently:

**(a) Data synced into Tracker is a Tracker record.** InMails, Recruiter notes and Hiring
Assistant evaluation summaries (activities on the candidate or placement, with their subjects
and bodies), and the rank, rank label, evaluation time and evaluation basis on a placement (the
shortlist card). "Any InMails sent via a Recruiter account will appear in Tracker and will be
visible to anyone with access to that record"; "the ranking categories appear on the shortlist
card and are visible to all Tracker users". Every signed-in user sees them, seat or no seat.
Tracker's own audit entries (export, stub profile, sync and system events) are records too:
everyone sees their kind, date and subject, but their bodies and details describe how a member
was matched and linked, which is widget data (b).

**(b) The LinkedIn widget is for Recruiter seats only.** The linked member (person URN), the
member link's details (method, matched on, score, reason, link history, link and unlink
events), whether a candidate is linked at all, the LinkedIn profile and ATS data shown in the
panel, and linking and unlinking. Only a user with an active, supported Recruiter seat
(``tracker_rsc.roles.active_seat``) sees or does any of it; anyone else gets the widget's entry
and the prompt to sign in with a Recruiter account, and **no** LinkedIn information: not in the
page, not in an API response (``linkedin`` is ``null``, activity ``data`` is scrubbed of member
identifiers, link events are not listed), not through a filter (filtering by link status is
refused with 403, since even the count of results would answer the question), and not through
text that happens to contain a person URN (redacted).

The profile URL a recruiter keeps on the candidate (``linkedin_profile_url``) is a Tracker
field like the email: it is typed, imported or exported into the record and shown with it.

**The Django admin is the staff operations console** (matching, erasure, replays need the
member). There, member data follows the model permission ``candidates.view_memberlink``: a
staff user who holds it (superusers hold every permission) or who has an active seat sees
member URNs, link details and link filters; a staff user with neither sees the candidate and
its Tracker records without any of them (``can_see_member_links_in_admin``). The sync
dashboard's queues follow the same test; the admin pages that are member data through and
through (member links, match reviews, purge notices) follow their own model's view permission.

Everything here is a small pure function over a user or plain data, so every surface asks the
same question in the same words.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from tracker_rsc.roles import active_seat

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    from tracker_rsc.models import LinkedInSeat

    User = AbstractBaseUser | AnonymousUser | None

# (a) Tracker records synced from LinkedIn: shown whole (subject, body, details) to everyone.
SYNCED_RECORD_KINDS = ("inmail", "note", "evaluation_summary")
# (b) Widget data: the member link events. Not listed at all without a seat, since their mere
# presence says the candidate is (or was) linked.
WIDGET_ONLY_KINDS = ("link",)
# Tracker's audit entries (export, stub_profile, sync, system): kind, date and subject for
# everyone; body and details only with the widget (they describe matching and linking).

# The details of each kind that are Tracker facts, kept for users without the widget. Anything
# else in ``Activity.data`` (member URNs, match rule and score, link ids and conflicts, LinkedIn
# conversation ids) is dropped: an allow-list, so a key added later is private until listed.
_PUBLIC_DATA_KEYS: dict[str, frozenset[str]] = {
    "inmail": frozenset({"direction", "seat_name", "viewer_seat_urn"}),
    "note": frozenset({"seat_name", "owner_seat_urn"}),
    "evaluation_summary": frozenset(
        {
            "request_id",
            "rank",
            "rank_label",
            "basis",
            "summary",
            "qualifications",
            "hiring_project",
            "evaluated_at",
        }
    ),
    "export": frozenset(
        {
            "request_id",
            "requisition_id",
            "placement_id",
            "placement_created",
            "exporter",
            "exporter_seat_urn",
            "skills_applied",
            "skills_discarded",
        }
    ),
    "stub_profile": frozenset({"stub_id", "owner_seat_urn", "contract_urn"}),
}

REDACTED_MEMBER = "[LinkedIn member]"
_PERSON_URN = re.compile(r"urn:li:(?:person|member):[A-Za-z0-9_-]+")

NO_SEAT_MESSAGE = (
    "This needs an active LinkedIn Recruiter seat: without one, Tracker shows no LinkedIn "
    "member information. Sign in with LinkedIn using an account that has Recruiter access."
)


# --- Who -------------------------------------------------------------------------------------


def widget_seat(user: User) -> LinkedInSeat | None:
    """The seat that opens the LinkedIn widget for ``user``, or None (the prompt instead)."""
    return active_seat(user)


def can_see_linkedin_widget(user: User) -> bool:
    """True when ``user`` may see widget data (b): an active, supported Recruiter seat."""
    return widget_seat(user) is not None


def can_link_members(user: User) -> bool:
    """Linking and unlinking a candidate to a LinkedIn member are widget actions (b)."""
    return can_see_linkedin_widget(user)


def can_see_member_links_in_admin(user: User) -> bool:
    """In the staff console: the ``view_memberlink`` permission, or a Recruiter seat."""
    if not user or not user.is_authenticated or not user.is_active:
        return False
    return user.has_perm("candidates.view_memberlink") or can_see_linkedin_widget(user)


# --- What ------------------------------------------------------------------------------------


def redact_member_ids(text: str) -> str:
    """``text`` with LinkedIn person/member URNs replaced, for a user without the widget."""
    return _PERSON_URN.sub(REDACTED_MEMBER, text or "")


def hidden_activity_kinds(*, widget: bool) -> tuple[str, ...]:
    """Activity kinds not even read for a user: the link events, unless they see the widget."""
    return () if widget else WIDGET_ONLY_KINDS


def activity_details_visible(kind: str, *, widget: bool) -> bool:
    """Whether the body of an activity of ``kind`` is shown: always for synced records (a),
    with the widget only for Tracker's audit entries (their bodies describe matching)."""
    return widget or kind in SYNCED_RECORD_KINDS


def _scrub(value: Any) -> Any:
    if isinstance(value, str):
        return redact_member_ids(value)
    if isinstance(value, Mapping):
        return {key: _scrub(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub(item) for item in value]
    return value


def scrub_activity_data(kind: str, data: Mapping[str, Any] | None, *, widget: bool) -> dict:
    """An activity's ``data`` as a user may see it.

    With the widget: unchanged. Without: only the keys listed as Tracker facts for ``kind``,
    with any person URN inside them redacted; an unknown kind keeps nothing.
    """
    data = dict(data or {})
    if widget:
        return data
    keep = _PUBLIC_DATA_KEYS.get(kind, frozenset())
    return {key: _scrub(value) for key, value in data.items() if key in keep}


def activity_text(kind: str, subject: str, body: str, *, widget: bool) -> tuple[str, str]:
    """``(subject, body)`` of an activity as a user may see them (see the module docstring)."""
    if widget:
        return subject, body
    shown_body = body if activity_details_visible(kind, widget=False) else ""
    return redact_member_ids(subject), redact_member_ids(shown_body)
