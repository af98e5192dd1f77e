"""Binding a seat to the Tracker user who signed in with LinkedIn, and the audit of every
binding (sign-in, admin mapping, suggested mapping, unmapping)."""

from __future__ import annotations

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType

from tests.tracker_rsc.factories import LinkedInSeatFactory, UserFactory
from tracker_rsc import services, signals
from tracker_rsc.models import LinkedInSeat

pytestmark = pytest.mark.django_db

PERSON = "urn:li:person:ada42"


def _entries(seat: LinkedInSeat) -> list[LogEntry]:
    return list(
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(LinkedInSeat), object_id=str(seat.pk)
        ).order_by("pk")
    )


def _state() -> list[tuple]:
    return sorted(LinkedInSeat.objects.values_list("seat_urn", "user_id", "active"))


def test_signing_in_binds_the_members_unmapped_seat_audits_and_announces_it(capture_signal):
    user = UserFactory(username="ada")
    seat = LinkedInSeatFactory(user=None, person_urn=PERSON)
    announced = capture_signal(signals.seat_access_changed)

    binding = services.seat_bind_signed_in_member(user=user, person_urn=PERSON)

    seat.refresh_from_db()
    assert seat.user == user
    assert binding.newly_bound == [seat] and binding.seats == [seat]
    [entry] = _entries(seat)
    assert entry.user == user and entry.action_flag == CHANGE
    assert entry.change_message == "Bound to ada (Sign in with LinkedIn)."
    # The same side effect as an admin's mapping: the user's jobs' access lists follow.
    assert [call["user_ids"] for call in announced] == [frozenset({user.pk})]


def test_signing_in_again_changes_nothing_and_is_not_audited_twice():
    user = UserFactory(username="ada")
    seat = LinkedInSeatFactory(user=None, person_urn=PERSON)
    services.seat_bind_signed_in_member(user=user, person_urn=PERSON)

    again = services.seat_bind_signed_in_member(user=user, person_urn=PERSON)

    assert again.newly_bound == [] and again.seats == [seat]
    assert len(_entries(seat)) == 1


def _refused(user, code: str, person_urn: str = PERSON) -> str:
    before = _state()
    entries = LogEntry.objects.count()
    with pytest.raises(services.SeatBindingRefused) as caught:
        services.seat_bind_signed_in_member(user=user, person_urn=person_urn)
    assert caught.value.code == code
    assert _state() == before
    assert LogEntry.objects.count() == entries
    return caught.value.messages[0]


def test_a_member_without_a_seat_is_told_so_and_nothing_changes():
    LinkedInSeatFactory(user=None, person_urn="urn:li:person:someoneelse")
    message = _refused(UserFactory(), "no_seat")
    assert "no Recruiter seat" in message
    assert "Sales Navigator" in message  # why a Sales Navigator license does not count


def test_an_inactive_seat_is_not_bound():
    LinkedInSeatFactory(user=None, person_urn=PERSON, active=False)
    assert "not active" in _refused(UserFactory(), "seat_inactive")


def test_a_seat_mapped_to_another_user_is_never_taken_silently():
    colleague = UserFactory(username="colleague")
    seat = LinkedInSeatFactory(user=colleague, person_urn=PERSON)
    message = _refused(UserFactory(), "seat_taken")
    assert "admin must remap" in message
    seat.refresh_from_db()
    assert seat.user == colleague


def test_a_user_holding_another_members_active_seat_is_refused():
    user = UserFactory()
    LinkedInSeatFactory(user=user, person_urn="urn:li:person:old")
    LinkedInSeatFactory(user=None, person_urn=PERSON)
    assert "unmap that seat first" in _refused(user, "other_seat")


def test_a_user_whose_old_seat_is_inactive_can_bind_the_new_one():
    user = UserFactory()
    old = LinkedInSeatFactory(user=user, person_urn="urn:li:person:old", active=False)
    new = LinkedInSeatFactory(user=None, person_urn=PERSON)

    services.seat_bind_signed_in_member(user=user, person_urn=PERSON)

    assert set(LinkedInSeat.objects.filter(user=user)) == {old, new}


def test_an_inactive_user_is_refused():
    LinkedInSeatFactory(user=None, person_urn=PERSON)
    _refused(UserFactory(is_active=False), "inactive_user")


def test_an_admin_mapping_and_unmapping_by_form_are_audited_with_the_method():
    admin = UserFactory(username="boss", is_staff=True)
    user = UserFactory(username="ada")
    seat = LinkedInSeatFactory(user=None, person_urn=PERSON)

    seat.user = user
    services.seat_save(seat=seat, actor=admin)
    seat.user = None
    services.seat_save(seat=seat, actor=admin)

    messages = [(e.user, e.change_message) for e in _entries(seat)]
    assert messages == [(admin, "Bound to ada (admin)."), (admin, "Unbound from ada (admin).")]


def test_an_admin_remapping_names_both_users():
    admin = UserFactory(username="boss", is_staff=True)
    seat = LinkedInSeatFactory(user=UserFactory(username="first"))
    seat.user = UserFactory(username="second")
    services.seat_save(seat=seat, actor=admin)
    assert _entries(seat)[-1].change_message == "Bound to second, was first (admin)."


def test_a_seat_saved_without_a_user_change_is_not_audited_as_a_binding():
    admin = UserFactory(username="boss", is_staff=True)
    seat = LinkedInSeatFactory(user=UserFactory())
    seat.active = False
    services.seat_save(seat=seat, actor=admin)
    assert _entries(seat) == []


def test_suggested_mapping_is_audited_as_such():
    admin = UserFactory(username="boss", is_staff=True)
    UserFactory(username="ada", first_name="Ada", last_name="Lovelace")
    seat = LinkedInSeatFactory(user=None, first_name="Ada", last_name="Lovelace")

    services.seats_map_to_suggested_users(seats=[seat], actor=admin)

    [entry] = _entries(seat)
    assert entry.user == admin
    assert entry.change_message == "Bound to ada (admin, suggested user)."
