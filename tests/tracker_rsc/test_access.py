"""The access policy's pure rules (tracker_rsc.access), without pages or the API."""

from __future__ import annotations

import pytest

from tests.tracker_rsc.factories import LinkedInSeatFactory, UserFactory
from tracker_rsc import access
from tracker_rsc.models import LinkedInSeat

URN = "urn:li:person:AbC-12_x"


def test_redact_member_ids_replaces_person_and_member_urns_only():
    text = f"{URN} and urn:li:member:99 but not urn:li:seat:5001"

    assert access.redact_member_ids(text) == (
        "[LinkedIn member] and [LinkedIn member] but not urn:li:seat:5001"
    )
    assert access.redact_member_ids("") == ""


@pytest.mark.parametrize("kind", ["inmail", "note", "evaluation_summary"])
def test_synced_records_keep_their_text_without_the_widget(kind):
    assert access.activity_text(kind, "Subject", "Body", widget=False) == ("Subject", "Body")
    assert access.activity_details_visible(kind, widget=False)


@pytest.mark.parametrize("kind", ["export", "stub_profile", "sync", "system", "link"])
def test_audit_entries_lose_their_body_without_the_widget(kind):
    assert access.activity_text(kind, f"About {URN}", "Matched on email", widget=False) == (
        "About [LinkedIn member]",
        "",
    )
    assert access.activity_text(kind, "S", "B", widget=True) == ("S", "B")


def test_link_events_are_hidden_without_the_widget_only():
    assert access.hidden_activity_kinds(widget=False) == ("link",)
    assert access.hidden_activity_kinds(widget=True) == ()


def test_scrub_activity_data_keeps_listed_tracker_facts_and_redacts_inside_them():
    data = {
        "rank": "TOP",
        "summary": f"Good fit ({URN})",
        "qualifications": [{"name": f"Knows {URN}", "met": True}],
        "member": URN,
        "unknown_future_key": "x",
    }

    assert access.scrub_activity_data("evaluation_summary", data, widget=False) == {
        "rank": "TOP",
        "summary": "Good fit ([LinkedIn member])",
        "qualifications": [{"name": "Knows [LinkedIn member]", "met": True}],
    }
    assert access.scrub_activity_data("evaluation_summary", data, widget=True) == data
    assert access.scrub_activity_data("link", {"score": 0.9}, widget=False) == {}
    assert access.scrub_activity_data("sync", None, widget=False) == {}


@pytest.mark.django_db
def test_only_an_active_supported_seat_opens_the_widget():
    seated, lapsed, nobody = (UserFactory() for _ in range(3))
    LinkedInSeatFactory(user=seated)
    LinkedInSeatFactory(user=lapsed, active=False)

    assert access.can_see_linkedin_widget(seated) and access.can_link_members(seated)
    assert not access.can_see_linkedin_widget(lapsed)
    assert not access.can_see_linkedin_widget(nobody)
    assert not access.can_see_linkedin_widget(None)
    assert isinstance(access.widget_seat(seated), LinkedInSeat)
