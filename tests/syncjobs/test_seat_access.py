# ruff: noqa: F401, F811  (pytest fixtures imported by name)
"""Job access lists follow seat changes, not only owner changes: a seat deactivated, given
another member, mapped or remapped re-sends the open jobs its users own, so LinkedIn's list
names exactly the owners' active seats without waiting for a manual job sync."""

from __future__ import annotations

import pytest
from django.urls import reverse

from requisitions import services as requisition_services
from requisitions.models import Requisition
from syncjobs.models import OutboxEvent
from syncjobs.outbox import outbox_claim, outbox_due_ids, outbox_process
from syncjobs.seat_sync import seat_sync_runs
from tests.syncjobs.candidate_fakes import FakeCandidateLinkedIn, seat
from tests.syncjobs.linkedin_fakes import ORG, published
from tests.syncjobs.rsc_fakes import fake_rsc
from tests.tracker_rsc.factories import (
    ContractFactory,
    LinkedInSeatFactory,
    UserFactory,
    enabled_integration,
)
from tracker_rsc import services
from tracker_rsc.models import LinkedInSeat

pytestmark = pytest.mark.django_db

CONTRACT = "urn:li:contract:100"
ALICE = "urn:li:person:recruiter1"
BOB = "urn:li:person:recruiter2"


def drain() -> None:
    while ids := outbox_due_ids():
        outbox_process(events=outbox_claim(event_ids=ids))


def queued_jobs() -> set[str]:
    return set(
        OutboxEvent.objects.filter(
            kind=OutboxEvent.Kind.REQUISITION_UPSERT, status__in=OutboxEvent.QUEUED_STATUSES
        ).values_list("object_id", flat=True)
    )


def job(owners, **fields) -> Requisition:
    values = {"title": "Data Engineer", "description": "Pipelines.", "location": "London"}
    return requisition_services.requisition_create(owners=owners, **{**values, **fields})


@pytest.fixture
def world(db, published, fake_rsc):
    enabled_integration(ORG)
    contract = ContractFactory(urn=CONTRACT)
    alice, bob = UserFactory(), UserFactory()
    seats = {
        "alice": LinkedInSeatFactory(
            user=alice, contract=contract, seat_urn="urn:li:seat:7001", person_urn=ALICE
        ),
        "bob": LinkedInSeatFactory(
            user=bob, contract=contract, seat_urn="urn:li:seat:7002", person_urn=BOB
        ),
    }
    shared = job([alice, bob])
    alices = job([alice])
    closed = job([alice])
    requisition_services.requisition_update(requisition=closed, status=Requisition.Status.CLOSED)
    drain()
    return {
        "alice": alice,
        "bob": bob,
        "seats": seats,
        "shared": shared,
        "alices": alices,
        "closed": closed,
        "fake": fake_rsc,
    }


def edit_in_admin(admin_client, seat: LinkedInSeat, **changes):
    """Post the seat's change form with ``changes`` over its current values."""
    form = {
        "first_name": seat.first_name,
        "last_name": seat.last_name,
        "user": seat.user_id,
        "seat_urn": seat.seat_urn,
        "person_urn": seat.person_urn,
        "contract": seat.contract_id,
        "active": "on",
        "product": seat.product,
        "role": seat.role,
    }
    return admin_client.post(
        reverse("admin:tracker_rsc_linkedinseat_change", args=[seat.pk]), {**form, **changes}
    )


def linkedin_seats(*numbers: int, **overrides) -> FakeCandidateLinkedIn:
    linkedin = FakeCandidateLinkedIn()
    linkedin.seats[CONTRACT] = [seat(n, **overrides.get(str(n), {})) for n in numbers]
    return linkedin


def test_a_seat_gone_from_linkedin_leaves_the_access_lists_of_its_users_open_jobs(world):
    seat_sync_runs(client=linkedin_seats(2))  # alice's seat 7001 is no longer on the contract

    assert queued_jobs() == {str(world["shared"].pk), str(world["alices"].pk)}
    drain()
    access, removed = world["fake"].access, world["fake"].removed_access
    assert access[str(world["shared"].pk)] == [BOB]
    assert removed[str(world["shared"].pk)] == [ALICE]
    assert access[str(world["alices"].pk)] == []
    assert removed[str(world["alices"].pk)] == [ALICE]
    world["shared"].refresh_from_db()
    assert world["shared"].linkedin_access == [BOB]


def test_a_seat_deactivated_or_given_another_member_re_sends_only_its_users_jobs(world):
    seat_sync_runs(client=linkedin_seats(1, 2, **{"2": {"person_urn": "urn:li:person:bob-new"}}))

    assert queued_jobs() == {str(world["shared"].pk)}
    drain()
    assert world["fake"].access[str(world["shared"].pk)] == ["urn:li:person:bob-new", ALICE]
    assert world["fake"].removed_access[str(world["shared"].pk)] == [BOB]

    seat_sync_runs(client=linkedin_seats(1, 2, **{"1": {"active": False}}))
    assert queued_jobs() == {str(world["shared"].pk), str(world["alices"].pk)}


def test_an_unchanged_seat_sync_re_sends_nothing(world):
    seat_sync_runs(client=linkedin_seats(1, 2))

    assert queued_jobs() == set()


def test_mapping_a_seat_to_an_owner_adds_its_member(world):
    carol = UserFactory()
    carols = job([carol])
    drain()
    assert world["fake"].access[str(carols.pk)] == []
    unmapped = LinkedInSeatFactory(user=None, person_urn="urn:li:person:carol")

    assert services.seat_map_user(seat=unmapped, user=carol)

    assert queued_jobs() == {str(carols.pk)}
    drain()
    assert world["fake"].access[str(carols.pk)] == ["urn:li:person:carol"]


def test_remapping_a_seat_in_the_admin_moves_access_between_the_owners_jobs(world, admin_client):
    seat = world["seats"]["bob"]
    carol = UserFactory()
    carols = job([carol])
    drain()

    response = edit_in_admin(admin_client, seat, user=carol.pk)

    assert response.status_code == 302
    assert LinkedInSeat.objects.get(pk=seat.pk).user == carol
    assert queued_jobs() == {str(world["shared"].pk), str(carols.pk)}
    drain()
    assert world["fake"].access[str(world["shared"].pk)] == [ALICE]
    assert world["fake"].access[str(carols.pk)] == [BOB]


def test_renaming_a_seat_in_the_admin_re_sends_nothing(world, admin_client):
    seat = world["seats"]["bob"]

    edit_in_admin(admin_client, seat, first_name="Robert")

    assert LinkedInSeat.objects.get(pk=seat.pk).first_name == "Robert"
    assert queued_jobs() == set()


def test_nothing_is_queued_while_the_integration_is_disabled(db, published):
    alice = UserFactory()
    job([alice])
    LinkedInSeatFactory(user=None, person_urn=ALICE)

    services.seat_map_user(seat=LinkedInSeat.objects.get(), user=alice)

    assert not OutboxEvent.objects.exists()
