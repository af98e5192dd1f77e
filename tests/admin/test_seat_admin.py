"""The LinkedIn seat admin: license rules on the form, tier, suggested users and mapping."""

from __future__ import annotations

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.urls import reverse

from tests.tracker_rsc.factories import ContractFactory, LinkedInSeatFactory, UserFactory
from tracker_rsc.models import LinkedInSeat

pytestmark = pytest.mark.django_db

ADD = reverse("admin:tracker_rsc_linkedinseat_add")
CHANGELIST = reverse("admin:tracker_rsc_linkedinseat_changelist")


def seat_form(contract, **overrides: object) -> dict[str, object]:
    data = {
        "first_name": "Sam",
        "last_name": "Seat",
        "user": "",
        "seat_urn": "urn:li:seat:9001",
        "person_urn": "urn:li:person:sam",
        "contract": contract.pk,
        "active": "on",
        "product": LinkedInSeat.Product.RECRUITER,
        "role": LinkedInSeat.Role.RECRUITER_USER,
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not False}


def test_sales_navigator_seat_shows_the_license_message_and_saves_nothing(admin_client):
    contract = ContractFactory()

    response = admin_client.post(
        ADD, seat_form(contract, product=LinkedInSeat.Product.SALES_NAVIGATOR)
    )

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.non_field_errors() == [LinkedInSeat.UNSUPPORTED_PRODUCT_MESSAGE]
    assert "Sales Navigator and Recruiter Lite licenses cannot be used" in (
        response.content.decode()
    )
    assert not LinkedInSeat.objects.exists()


@pytest.mark.parametrize(
    "permissions",
    [{}, {"hiring_project_creator": "on"}, {"recruiter_searcher": "on"}],
)
def test_hiring_assistant_on_a_custom_role_needs_both_permissions(permissions, admin_client):
    contract = ContractFactory()

    response = admin_client.post(
        ADD,
        seat_form(contract, role=LinkedInSeat.Role.CUSTOM, hiring_assistant="on", **permissions),
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors() == [
        LinkedInSeat.HIRING_ASSISTANT_ROLE_MESSAGE
    ]
    assert "A Hiring Assistant license can only be assigned" in response.content.decode()
    assert not LinkedInSeat.objects.exists()


def test_hiring_assistant_on_a_custom_role_with_both_permissions_is_saved(admin_client):
    contract = ContractFactory()

    response = admin_client.post(
        ADD,
        seat_form(
            contract,
            role=LinkedInSeat.Role.CUSTOM,
            hiring_assistant="on",
            hiring_project_creator="on",
            recruiter_searcher="on",
        ),
    )

    assert response.status_code == 302
    seat = LinkedInSeat.objects.get()
    assert (seat.role, seat.hiring_assistant, seat.tier) == ("custom", True, "RSC+")


def test_changing_a_seat_into_an_invalid_combination_changes_nothing(admin_client):
    seat = LinkedInSeatFactory(role=LinkedInSeat.Role.RECRUITER_USER, hiring_assistant=True)

    response = admin_client.post(
        reverse("admin:tracker_rsc_linkedinseat_change", args=[seat.pk]),
        seat_form(
            seat.contract,
            seat_urn=seat.seat_urn,
            user=seat.user_id,
            role=LinkedInSeat.Role.CUSTOM,
            hiring_assistant="on",
        ),
    )

    assert response.status_code == 200
    assert LinkedInSeat.objects.get(pk=seat.pk).role == LinkedInSeat.Role.RECRUITER_USER


def test_changelist_shows_tier_and_suggested_user(admin_client):
    zoe = UserFactory(username="zoe", first_name="Zoë", last_name="O'Brien")
    UserFactory(username="alex1", first_name="Alex", last_name="Kim")
    UserFactory(username="alex2", first_name="alex", last_name="KIM")
    UserFactory(username="gone", first_name="Pat", last_name="Lee", is_active=False)
    LinkedInSeatFactory(
        user=None, first_name="ZOE", last_name="OBrien", product=LinkedInSeat.Product.RPS_PLUS
    )
    LinkedInSeatFactory(user=None, first_name="Alex", last_name="Kim")
    LinkedInSeatFactory(user=None, first_name="Pat", last_name="Lee")

    response = admin_client.get(CHANGELIST)

    content = response.content.decode()
    assert reverse("admin:auth_user_change", args=[zoe.pk]) in content
    assert "Ambiguous: alex1, alex2" in content
    assert "No user with this name" in content  # the only Pat Lee is inactive
    assert "RSC+" in content
    tiers = {seat.last_name: seat.tier for seat in response.context["cl"].result_list}
    assert tiers == {"OBrien": "RSC+", "Kim": "RSC", "Lee": "RSC"}


def test_map_to_suggested_user_maps_only_unambiguous_unmapped_seats(admin_client):
    zoe = UserFactory(username="zoe", first_name="Zoë", last_name="O'Brien")
    UserFactory(username="alex1", first_name="Alex", last_name="Kim")
    UserFactory(username="alex2", first_name="Alex", last_name="Kim")
    owner = UserFactory(username="owner", first_name="Zoe", last_name="Smith")
    to_map = LinkedInSeatFactory(user=None, first_name="zoe", last_name="o brien")
    ambiguous = LinkedInSeatFactory(user=None, first_name="Alex", last_name="Kim")
    unknown = LinkedInSeatFactory(user=None, first_name="Nobody", last_name="Here")
    mapped = LinkedInSeatFactory(user=owner, first_name="Zoë", last_name="O'Brien")

    response = admin_client.post(
        CHANGELIST,
        {
            "action": "map_to_suggested_user",
            "index": "0",
            "_selected_action": [s.pk for s in (to_map, ambiguous, unknown, mapped)],
        },
        follow=True,
    )

    users = dict(LinkedInSeat.objects.values_list("pk", "user_id"))
    assert users == {to_map.pk: zoe.pk, ambiguous.pk: None, unknown.pk: None, mapped.pk: owner.pk}
    message = next(str(m) for m in response.context["messages"])
    assert message == (
        "1 seats mapped; 1 ambiguous (several users with that name); "
        "1 without a matching user; 1 already mapped."
    )
    entry = LogEntry.objects.get(action_flag=CHANGE)
    assert entry.object_id == str(to_map.pk)
    assert "zoe" in entry.change_message.lower()
