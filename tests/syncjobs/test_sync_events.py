"""Sync events on a candidate's timeline: member links made and ended, and changes in how the
candidate stands with LinkedIn (refused, or synced again after a refusal) — not every sync."""

from __future__ import annotations

import pytest

from candidates import services as candidate_services
from candidates.models import MemberLink
from requisitions.models import Activity
from syncjobs.live_sync import mark_synced
from tests.candidates.factories import CandidateFactory
from tests.tracker_rsc.factories import UserFactory

pytestmark = pytest.mark.django_db


def events(candidate, kind=Activity.Kind.SYNC) -> list[tuple[str, str]]:
    return list(
        Activity.objects.filter(candidate=candidate, kind=kind)
        .order_by("id")
        .values_list("subject", "body")
    )


def test_a_refusal_is_one_event_until_its_reason_changes_and_recovery_is_another():
    candidate, other = CandidateFactory(), CandidateFactory()

    mark_synced([candidate.pk, other.pk], {candidate.pk: "LinkedIn: emailAddresses: invalid"})
    mark_synced([candidate.pk], {candidate.pk: "LinkedIn: emailAddresses: invalid"})
    assert events(candidate) == [("Not synced to LinkedIn", "LinkedIn: emailAddresses: invalid")]
    assert events(other) == []  # synced, as always: nothing to tell

    mark_synced([candidate.pk], {candidate.pk: "LinkedIn: lastName: too long"})
    mark_synced([candidate.pk, other.pk], {})
    mark_synced([candidate.pk], {})

    assert events(candidate) == [
        ("Not synced to LinkedIn", "LinkedIn: emailAddresses: invalid"),
        ("Not synced to LinkedIn", "LinkedIn: lastName: too long"),
        ("Synced to LinkedIn again", "Before: LinkedIn: lastName: too long"),
    ]
    candidate.refresh_from_db()
    assert candidate.linkedin_sync_error == "" and candidate.linkedin_synced_at is not None
    assert events(other) == []


def test_links_made_and_ended_are_on_the_timeline_with_who_and_why():
    candidate = CandidateFactory()
    admin = UserFactory()
    link = candidate_services.member_link_create(
        candidate=candidate,
        person_urn="urn:li:person:abc",
        method=MemberLink.Method.LIVE_SYNC,
        matched_on=MemberLink.MatchedOn.EMAIL,
        reason="LinkedIn matched the email address.",
    )
    candidate_services.member_link_unlink(link=link, actor=admin, reason="Wrong person")

    made, ended = Activity.objects.filter(candidate=candidate, kind=Activity.Kind.LINK).order_by(
        "id"
    )
    assert made.subject == "Linked to LinkedIn member urn:li:person:abc (Live sync)"
    assert made.body == "LinkedIn matched the email address."
    assert made.data["matched_on"] == "email" and made.author is None
    assert ended.subject == "Unlinked from LinkedIn member urn:li:person:abc"
    assert (ended.body, ended.author) == ("Wrong person", admin)
