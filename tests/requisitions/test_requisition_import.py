"""CSV import of requisitions: owners, the same job matched by title/client/location."""

from __future__ import annotations

import io

import pytest

from candidates.importing import import_file
from requisitions.models import Requisition
from requisitions.requisition_import import RequisitionImporter
from tests.requisitions.factories import RequisitionFactory
from tests.tracker_rsc.factories import UserFactory

pytestmark = pytest.mark.django_db


def run(text: str, *, overwrite: bool = False) -> list:
    outcomes: list = []
    import_file(
        importer=RequisitionImporter(overwrite=overwrite),
        stream=io.BytesIO(text.encode()),
        on_row=outcomes.append,
    )
    return outcomes


def statuses(outcomes) -> list[str]:
    return [o.status.value for o in outcomes]


TEXT = (
    "Job Title;Client;Location;Status;Kind;Availability;Owners;Description\n"
    "Data Engineer;Acme;London;Open;standard;public;alice|BOB@agency.example;Pipelines\n"
    "data engineer;Acme;London;;;;alice;\n"
    "Nurse;NHS;Leeds;open;;;nobody|alice;\n"
    "Porter;NHS;Leeds;sleeping;;;alice;\n"
    ";NHS;Leeds;;;;alice;\n"
    "Evergreen pool;Acme;;closed;Evergreen;Private;bob;\n"
)


def test_requisitions_import_with_owners_and_refuses_unknown_owners_without_stopping():
    alice = UserFactory(username="alice")
    bob = UserFactory(username="bob", email="bob@agency.example")
    outcomes = run(TEXT)
    assert statuses(outcomes) == ["created", "merged", "refused", "refused", "refused", "created"]
    assert "Unknown owner: “nobody”" in outcomes[2].detail
    assert "Status “sleeping” is not one of: open, closed, filled" in outcomes[3].detail
    assert "no title" in outcomes[4].detail
    job = Requisition.objects.get(title="Data Engineer")
    assert set(job.owners.all()) == {alice, bob}
    assert (job.availability, job.description) == (Requisition.Availability.PUBLIC, "Pipelines")
    pool = Requisition.objects.get(title="Evergreen pool")
    assert (pool.status, pool.kind, pool.availability) == (
        "closed",
        "evergreen",
        "private_to_ats_integration",
    )
    assert pool.closed_at is not None
    assert not Requisition.objects.filter(title__in=["Nurse", "Porter"]).exists()

    again = run(TEXT)
    assert statuses(again) == ["unchanged", "merged", "refused", "refused", "refused", "unchanged"]
    assert Requisition.objects.count() == 2


def test_an_existing_job_gets_empty_fields_filled_or_everything_with_overwrite():
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    job = RequisitionFactory(
        title="Nurse", client_name="NHS", location="Leeds", description="", owners=[alice]
    )
    text = (
        "Title,Client,Location,Owners,Description,Status\nNurse,NHS,Leeds,bob,Night shifts,filled\n"
    )
    assert statuses(run(text)) == ["updated"]
    job.refresh_from_db()
    assert job.description == "Night shifts" and job.status == "open"
    assert list(job.owners.all()) == [alice]

    assert statuses(run(text, overwrite=True)) == ["updated"]
    job.refresh_from_db()
    assert job.status == "filled" and list(job.owners.all()) == [bob]


def test_two_existing_jobs_with_the_same_title_client_and_location_are_ambiguous():
    UserFactory(username="alice")
    RequisitionFactory(title="Nurse", client_name="NHS", location="Leeds")
    RequisitionFactory(title="Nurse", client_name="NHS", location="Leeds")
    outcomes = run("Title,Client,Location,Owners\nNurse,NHS,Leeds,alice\n")
    assert statuses(outcomes) == ["refused"] and "Ambiguous" in outcomes[0].detail
