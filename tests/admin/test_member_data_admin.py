"""The staff console and LinkedIn member data (tracker_rsc.access): member URNs, link details,
link filters and member search follow the ``view_memberlink`` permission (or a Recruiter
seat); a staff user with neither still works with the candidate's Tracker records."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from tests.access_world import (
    EVAL_SUMMARY,
    INMAIL_BODY,
    LINK_REASON,
    NOTE_BODY,
    OLD_URN,
    PERSON_URN,
    build_world,
)
from tests.tracker_rsc.factories import LinkedInSeatFactory, UserFactory
from tracker_rsc import access

pytestmark = pytest.mark.django_db

CONSOLE_PERMISSIONS = ["view_candidate", "change_candidate", "view_activity"]


def _staff(username: str, *extra: str, seated: bool = False) -> Client:
    user = UserFactory(username=username, is_staff=True)
    if seated:
        LinkedInSeatFactory(user=user)
    user.user_permissions.set(
        Permission.objects.filter(codename__in=[*CONSOLE_PERMISSIONS, *extra])
    )
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def world():
    return build_world()


@pytest.fixture
def plain_staff() -> Client:
    return _staff("plain-staff")


@pytest.fixture
def member_staff() -> Client:
    return _staff("member-staff", "view_memberlink")


def _candidate_pages(client: Client, world) -> dict[str, str]:
    change = reverse("admin:candidates_candidate_change", args=[world.candidate.pk])
    changelist = reverse("admin:candidates_candidate_changelist")
    pages = {"change": client.get(change), "changelist": client.get(changelist)}
    assert all(response.status_code == 200 for response in pages.values())
    return {name: response.content.decode() for name, response in pages.items()}


def test_candidate_admin_shows_the_member_with_the_permission_or_a_seat_only(
    plain_staff, member_staff, world
):
    plain = _candidate_pages(plain_staff, world)
    member = _candidate_pages(member_staff, world)
    seated = _candidate_pages(_staff("seated-staff", seated=True), world)

    for name, html in plain.items():
        for secret in (PERSON_URN, OLD_URN, LINK_REASON):
            assert secret not in html, f"{secret!r} in {name}"
    assert "LinkedIn member links" not in plain["change"]  # no link-history inline
    assert "Not sent to LinkedIn yet." in plain["change"]  # the sync state still shows
    assert "?linked=yes" not in plain["changelist"]  # no link filter
    for pages in (member, seated):
        assert PERSON_URN in pages["changelist"] and PERSON_URN in pages["change"]
        assert "?linked=yes" in pages["changelist"]
    # The link history inline is the MemberLink model's, so it needs that model's permission.
    assert OLD_URN in member["change"] and LINK_REASON in member["change"]


def test_member_search_finds_nothing_without_the_permission(plain_staff, member_staff, world):
    changelist = reverse("admin:candidates_candidate_changelist")
    row = f'href="/admin/candidates/candidate/{world.candidate.pk}/change/'

    assert row not in plain_staff.get(changelist, {"q": PERSON_URN}).content.decode()
    assert row in member_staff.get(changelist, {"q": PERSON_URN}).content.decode()


def test_activity_admin_keeps_records_and_drops_member_data_without_the_permission(
    plain_staff, member_staff, world
):
    changelist = reverse("admin:requisitions_activity_changelist")
    plain_list = plain_staff.get(changelist).content.decode()
    member_list = member_staff.get(changelist).content.decode()
    evaluation = reverse("admin:requisitions_activity_change", args=[world.evaluation.pk])
    plain_detail = plain_staff.get(evaluation).content.decode()
    member_detail = member_staff.get(evaluation).content.decode()
    link_event = reverse("admin:requisitions_activity_change", args=[world.link_event.pk])

    assert f"/{world.link_event.pk}/change/" not in plain_list
    assert f"/{world.link_event.pk}/change/" in member_list
    assert EVAL_SUMMARY in plain_detail and PERSON_URN not in plain_detail
    assert PERSON_URN in member_detail
    assert plain_staff.get(link_event).status_code == 302  # not found: back to the list
    inmail = reverse("admin:requisitions_activity_change", args=[world.inmail.pk])
    note = reverse("admin:requisitions_activity_change", args=[world.note.pk])
    assert INMAIL_BODY in plain_staff.get(inmail).content.decode()
    assert NOTE_BODY in plain_staff.get(note).content.decode()


def test_superusers_hold_the_permission(admin_user):
    assert access.can_see_member_links_in_admin(admin_user)
    assert not access.can_see_member_links_in_admin(UserFactory(is_staff=True))
