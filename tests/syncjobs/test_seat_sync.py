"""Seat sync: seatsV2 into LinkedInSeat, mapping kept, vanished seats deactivated."""

# ruff: noqa: F811  (pytest fixtures imported from their module and used as arguments)

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from syncjobs.models import SyncRun
from syncjobs.seat_sync import seat_sync, seat_sync_runs
from tests.syncjobs.candidate_fakes import candidate_linkedin, seat  # noqa: F401
from tests.syncjobs.linkedin_fakes import ORG, published  # noqa: F401
from tests.tracker_rsc.factories import (
    ContractFactory,
    LinkedInSeatFactory,
    UserFactory,
    enabled_integration,
)
from tracker_rsc.linkedin import TransientError
from tracker_rsc.models import LinkedInSeat

pytestmark = pytest.mark.django_db
CONTRACT = "urn:li:contract:100"


@pytest.fixture
def contract(db):
    enabled_integration(ORG)
    return ContractFactory(urn=CONTRACT)


def test_seats_are_created_with_their_license_details(contract, candidate_linkedin):
    candidate_linkedin.seats[CONTRACT] = [
        seat(1, product="RPS_PLUS", role="RECRUITER_ADMIN"),
        seat(
            2,
            role="CUSTOM",
            permissions=["HIRING_PROJECT_CREATOR", "RECRUITER_SEARCHER"],
            hiring_assistant=True,
        ),
        seat(3, product="RECRUITER_PROFESSIONAL_SERVICES", active=False),
    ]

    [run] = seat_sync_runs()

    assert run.status == SyncRun.Status.SUCCEEDED and run.created == 3
    admin_seat = LinkedInSeat.objects.get(seat_urn="urn:li:seat:7001")
    assert (admin_seat.product, admin_seat.role, admin_seat.tier) == (
        "rps_plus",
        "recruiter_admin",
        "RSC+",
    )
    custom = LinkedInSeat.objects.get(seat_urn="urn:li:seat:7002")
    assert custom.hiring_project_creator and custom.recruiter_searcher and custom.hiring_assistant
    inactive = LinkedInSeat.objects.get(seat_urn="urn:li:seat:7003")
    assert not inactive.active and inactive.deactivated_at is not None
    assert inactive.product == "recruiter_professional_services"
    assert all(s.contract == contract and s.user is None for s in LinkedInSeat.objects.all())


def test_updates_keep_the_mapping_and_vanished_seats_are_deactivated_not_deleted(
    contract, candidate_linkedin
):
    user = UserFactory()
    kept = LinkedInSeatFactory(
        seat_urn="urn:li:seat:7001", contract=contract, user=user, first_name="Old"
    )
    gone = LinkedInSeatFactory(seat_urn="urn:li:seat:7999", contract=contract)
    candidate_linkedin.seats[CONTRACT] = [seat(1, first_name="New")]

    [run] = seat_sync_runs()

    kept.refresh_from_db()
    gone.refresh_from_db()
    assert (kept.user, kept.first_name, kept.active) == (user, "New", True)
    assert kept.last_seen_at is not None
    assert not gone.active and gone.deactivated_at is not None
    assert run.updated == 1 and run.counters["deactivated"] == 1

    candidate_linkedin.seats[CONTRACT].append(seat(999))  # it comes back
    seat_sync_runs()
    gone.refresh_from_db()
    assert gone.active and gone.deactivated_at is None


def test_refused_licenses_are_run_errors_naming_the_rule(contract, candidate_linkedin):
    candidate_linkedin.seats[CONTRACT] = [
        seat(1, product="SALES_NAVIGATOR"),
        seat(2, role="CUSTOM", hiring_assistant=True),  # lacks the two permissions
        seat(3),
    ]

    [run] = seat_sync_runs()

    assert run.status == SyncRun.Status.SUCCEEDED
    assert (run.created, run.failed) == (1, 2)
    messages = " ".join(error["error"] for error in run.errors)
    assert "Sales Navigator" in messages and "Hiring Assistant license" in messages
    assert list(LinkedInSeat.objects.values_list("seat_urn", flat=True)) == ["urn:li:seat:7003"]


def test_a_stored_seat_linkedin_now_lists_with_a_refused_license_is_deactivated(
    contract, candidate_linkedin
):
    candidate_linkedin.seats[CONTRACT] = [seat(1), seat(2)]
    seat_sync_runs()
    candidate_linkedin.seats[CONTRACT] = [seat(1, product="SALES_NAVIGATOR"), seat(2)]

    [run] = seat_sync_runs()

    assert run.failed == 1 and run.counters["deactivated"] == 1
    assert "Sales Navigator" in run.errors[0]["error"]
    refused = LinkedInSeat.objects.get(seat_urn="urn:li:seat:7001")
    assert not refused.active and refused.deactivated_at is not None
    assert refused.product == LinkedInSeat.Product.RECRUITER  # what it was, not the refused one
    assert LinkedInSeat.objects.get(seat_urn="urn:li:seat:7002").active


def test_a_failed_read_deactivates_nothing(contract, candidate_linkedin):
    existing = LinkedInSeatFactory(seat_urn="urn:li:seat:7001", contract=contract)
    candidate_linkedin.fail_next["iter_seats"] = [TransientError("Bad Gateway", status=502)]

    [run] = seat_sync_runs()

    assert run.status == SyncRun.Status.FAILED and "no seat was deactivated" in run.error
    existing.refresh_from_db()
    assert existing.active


def test_daily_task_and_command(contract, candidate_linkedin, published):
    candidate_linkedin.seats[CONTRACT] = [seat(1)]

    assert seat_sync()["runs"] == 1
    out = StringIO()
    call_command("run_sync", "seat_sync", stdout=out)
    assert "Seat sync" in out.getvalue() and "succeeded" in out.getvalue()


def test_the_admin_suggests_the_user_with_the_seat_holder_s_name(contract, admin_client):
    user = UserFactory(first_name="Zoë", last_name="O'Brien")
    LinkedInSeatFactory(user=None, contract=contract, first_name="Zoe", last_name="OBrien")

    page = admin_client.get(reverse("admin:tracker_rsc_linkedinseat_changelist"))

    assert page.status_code == 200
    assert user.get_username().encode() in page.content
