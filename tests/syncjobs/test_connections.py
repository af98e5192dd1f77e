# ruff: noqa: F401, F811  (pytest fixtures imported by name)
"""Connected projects: the owner/admin rule, one owner per project, connect to an existing
project, no automatic shortlisting, applications start and stop, reconciliation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command

from requisitions import services as requisition_services
from requisitions.models import Placement, ProjectConnection, Requisition
from syncjobs.connections import connection_sync, connection_sync_runs
from syncjobs.models import InboundNotification, OutboxEvent, SyncRun
from syncjobs.notifications import notification_process
from tests.candidates.factories import CandidateFactory
from tests.requisitions.factories import PlacementFactory, ProjectConnectionFactory
from tests.syncjobs.factories import InboundNotificationFactory
from tests.syncjobs.linkedin_fakes import ORG
from tests.syncjobs.rsc_fakes import connection_change, fake_rsc
from tests.tracker_rsc.factories import LinkedInSeatFactory, UserFactory, enabled_integration
from tracker_rsc.models import LinkedInSeat

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
PUSH = "HIRING_PROJECT_CONNECTION_CHANGE"


@pytest.fixture
def world(db, published):
    enabled_integration(ORG)
    owner, colleague, outsider = UserFactory(), UserFactory(), UserFactory()
    LinkedInSeatFactory(user=owner, seat_urn="urn:li:seat:5001")
    LinkedInSeatFactory(user=outsider, seat_urn="urn:li:seat:5002")
    LinkedInSeatFactory(
        user=UserFactory(), seat_urn="urn:li:seat:5009", role=LinkedInSeat.Role.RECRUITER_ADMIN
    )
    job = requisition_services.requisition_create(
        owners=[owner, colleague], title="Data Engineer", description="d", location="London"
    )
    OutboxEvent.objects.all().delete()
    return {"owner": owner, "colleague": colleague, "outsider": outsider, "job": job}


def push(fake_rsc, request_id: str, change) -> InboundNotification:
    fake_rsc.connection_changes[request_id] = change
    notification = InboundNotificationFactory(event_type=PUSH, request_id=request_id)
    notification_process(notification_id=notification.pk)
    notification.refresh_from_db()
    return notification


def application_events() -> set[str]:
    return set(
        OutboxEvent.objects.filter(kind=OutboxEvent.Kind.APPLICATION_UPSERT).values_list(
            "object_id", flat=True
        )
    )


def test_an_owner_connects_existing_placements_go_and_none_are_added(fake_rsc, world):
    job = world["job"]
    placements = [PlacementFactory(requisition=job) for _ in range(2)]
    OutboxEvent.objects.all().delete()

    notification = push(fake_rsc, "c1", connection_change(requisition_id=job.pk, changed_at=T0))

    assert notification.status == "processed", notification.error
    assert notification.result["action"] == "connected"
    connection = ProjectConnection.objects.get(requisition=job)
    assert (connection.active, connection.state, connection.owner_seat.seat_urn) == (
        True,
        "connected",
        "urn:li:seat:5001",
    )
    assert connection.connected_at == T0
    # Connecting never shortlists anyone: the same two placements, now sent as applications.
    assert Placement.objects.filter(requisition=job).count() == 2
    assert application_events() == {str(p.pk) for p in placements}
    # From now on a new placement goes too.
    newcomer = requisition_services.placement_create(candidate=CandidateFactory(), requisition=job)
    assert str(newcomer.pk) in application_events()


def test_a_recruiter_admin_seat_may_connect_a_job_it_does_not_own(fake_rsc, world):
    notification = push(
        fake_rsc,
        "c1",
        connection_change(requisition_id=world["job"].pk, owner="urn:li:seat:5009", changed_at=T0),
    )
    assert notification.result["action"] == "connected"
    assert ProjectConnection.objects.get().active is True


@pytest.mark.parametrize(
    ("seat", "words"),
    [
        ("urn:li:seat:5002", "who is not an owner of this requisition"),
        ("urn:li:seat:7777", "is not known to Tracker"),
    ],
)
def test_a_seat_that_is_neither_owner_nor_admin_is_refused_with_a_reason(
    fake_rsc, world, seat, words, admin_client
):
    job = world["job"]
    PlacementFactory(requisition=job)
    OutboxEvent.objects.all().delete()
    notification = push(
        fake_rsc, "c1", connection_change(requisition_id=job.pk, owner=seat, changed_at=T0)
    )
    assert notification.status == "processed"
    assert notification.result["action"] == "refused"
    connection = ProjectConnection.objects.get()
    assert (connection.state, connection.active) == ("refused", False)
    assert words in connection.refusal_reason
    assert application_events() == set()  # nothing leaves Tracker
    # Admins see the refusal with its reason on the requisition.
    page = admin_client.get(f"/admin/requisitions/requisition/{job.pk}/change/")
    assert words in page.content.decode()


def test_an_unmapped_seat_is_refused_unless_it_is_an_admin_seat(fake_rsc, world):
    LinkedInSeatFactory(user=None, seat_urn="urn:li:seat:5050")
    notification = push(
        fake_rsc,
        "c1",
        connection_change(requisition_id=world["job"].pk, owner="urn:li:seat:5050", changed_at=T0),
    )
    assert notification.result["action"] == "refused"
    assert "not mapped to a Tracker user" in ProjectConnection.objects.get().refusal_reason


def test_a_colleague_owner_may_own_the_project_collaboration_stays_in_tracker(fake_rsc, world):
    LinkedInSeatFactory(user=world["colleague"], seat_urn="urn:li:seat:5003")
    push(
        fake_rsc,
        "c1",
        connection_change(requisition_id=world["job"].pk, owner="urn:li:seat:5003", changed_at=T0),
    )
    connection = ProjectConnection.objects.get()
    assert connection.active and connection.owner_seat.user == world["colleague"]


def test_one_owner_per_project_a_new_owner_replaces_the_old_one(fake_rsc, world):
    job = world["job"]
    push(fake_rsc, "c1", connection_change(requisition_id=job.pk, changed_at=T0))
    notification = push(
        fake_rsc,
        "c2",
        connection_change(
            requisition_id=job.pk, owner="urn:li:seat:5009", changed_at=T0 + timedelta(hours=1)
        ),
    )
    assert notification.result["action"] == "updated"
    connection = ProjectConnection.objects.get()
    assert connection.owner_seat.seat_urn == "urn:li:seat:5009"
    # Handing the project to a seat that may not own it refuses (and stops) the connection.
    push(
        fake_rsc,
        "c3",
        connection_change(
            requisition_id=job.pk, owner="urn:li:seat:5002", changed_at=T0 + timedelta(hours=2)
        ),
    )
    connection.refresh_from_db()
    assert (connection.state, connection.active) == ("refused", False)


def test_connecting_an_existing_project_to_another_job_moves_it(fake_rsc, world):
    first = world["job"]
    second = requisition_services.requisition_create(
        owners=[world["owner"]], title="Analyst", description="d", location="Leeds"
    )
    push(fake_rsc, "c1", connection_change(requisition_id=first.pk, changed_at=T0))
    push(
        fake_rsc,
        "c2",
        connection_change(requisition_id=second.pk, changed_at=T0 + timedelta(minutes=5)),
    )
    active = ProjectConnection.objects.filter(active=True)
    assert [(c.requisition_id, c.project_urn) for c in active] == [
        (second.pk, "urn:li:hiringProject:77")
    ]
    assert ProjectConnection.objects.get(requisition=first).state == "disconnected"


def test_disconnecting_stops_applications(fake_rsc, world):
    job = world["job"]
    push(fake_rsc, "c1", connection_change(requisition_id=job.pk, changed_at=T0))
    notification = push(
        fake_rsc,
        "c2",
        connection_change(
            requisition_id=job.pk, state="DISCONNECTED", changed_at=T0 + timedelta(hours=1)
        ),
    )
    assert notification.result["action"] == "disconnected"
    assert not ProjectConnection.objects.filter(active=True).exists()
    OutboxEvent.objects.all().delete()
    requisition_services.placement_create(candidate=CandidateFactory(), requisition=job)
    assert application_events() == set()


def test_stale_and_repeated_changes_change_nothing(fake_rsc, world):
    job = world["job"]
    change = connection_change(requisition_id=job.pk, changed_at=T0)
    push(fake_rsc, "c1", change)
    again = push(fake_rsc, "c1-again", change)
    assert again.result["action"] == "unchanged"
    stale = push(
        fake_rsc,
        "c0",
        connection_change(
            requisition_id=job.pk, state="DISCONNECTED", changed_at=T0 - timedelta(hours=1)
        ),
    )
    assert stale.status == "ignored"
    assert "older" in stale.result["reason"]
    assert ProjectConnection.objects.get().active is True


def test_a_change_for_an_unknown_requisition_is_stored_and_ignored(fake_rsc, world):
    notification = push(fake_rsc, "c1", connection_change(requisition_id=999999, changed_at=T0))
    assert notification.status == "ignored"
    assert "does not exist in Tracker" in notification.result["reason"]
    assert not ProjectConnection.objects.exists()


def test_automation_off_shows_the_reevaluation_hint_in_the_api(fake_rsc, world, api_client):
    job = world["job"]
    push(fake_rsc, "c1", connection_change(requisition_id=job.pk, automation=False, changed_at=T0))
    body = api_client.get(f"/api/v1/requisitions/{job.pk}/").json()
    assert "Hiring Assistant Automation" in body["reevaluation_hint"]
    push(
        fake_rsc,
        "c2",
        connection_change(
            requisition_id=job.pk, automation=True, changed_at=T0 + timedelta(minutes=1)
        ),
    )
    assert api_client.get(f"/api/v1/requisitions/{job.pk}/").json()["reevaluation_hint"] is None


# --- Reconciliation ---------------------------------------------------------------------------


def test_reconciliation_applies_lost_pushes_and_drops_what_linkedin_no_longer_has(
    fake_rsc, world, capsys
):
    job = world["job"]
    gone = ProjectConnectionFactory(
        requisition=requisition_services.requisition_create(
            owners=[world["owner"]], title="Old", description="d", location="x"
        ),
        project_urn="urn:li:hiringProject:1",
    )
    fake_rsc.connections = [
        connection_change(requisition_id=job.pk, changed_at=T0),
        connection_change(requisition_id=424242, project="urn:li:hiringProject:9", changed_at=T0),
    ]
    (run,) = connection_sync_runs()
    assert run.status == SyncRun.Status.SUCCEEDED
    assert (run.total, run.created) == (2, 1)
    assert run.skipped == {"unknown_requisition": 1}
    assert run.counters == {"disconnected_by_reconciliation": 1}
    assert ProjectConnection.objects.get(requisition=job).active is True
    gone.refresh_from_db()
    assert (gone.active, gone.state) == (False, "disconnected")
    # Running again changes nothing.
    (again,) = connection_sync_runs()
    assert again.skipped == {"unknown_requisition": 1, "unchanged": 1}
    call_command("run_sync", "connection_sync")
    assert "Project connection sync" in capsys.readouterr().out
    assert connection_sync()["runs"] == 1


def test_reconciliation_accepts_a_refused_connection_once_the_seat_becomes_an_owner(
    fake_rsc, world
):
    job = world["job"]
    fake_rsc.connections = [
        connection_change(requisition_id=job.pk, owner="urn:li:seat:5002", changed_at=T0)
    ]
    connection_sync_runs()
    assert ProjectConnection.objects.get().state == "refused"
    requisition_services.requisition_update(
        requisition=job, owners=[world["owner"], world["outsider"]]
    )
    connection_sync_runs()
    connection = ProjectConnection.objects.get()
    assert (connection.state, connection.active, connection.refusal_reason) == (
        "connected",
        True,
        "",
    )


def test_a_failed_reconciliation_disconnects_nothing(fake_rsc, world):
    from tracker_rsc.linkedin import TransientError

    ProjectConnectionFactory(requisition=world["job"])
    fake_rsc.failures[("iter_connections", ORG)] = TransientError("down", status=503)
    (run,) = connection_sync_runs()
    assert run.status == SyncRun.Status.FAILED
    assert ProjectConnection.objects.get().active is True


def test_reconciliation_does_nothing_while_disabled(fake_rsc, db):
    assert connection_sync_runs() == []
    assert fake_rsc.calls == []
    assert Requisition.objects.count() == 0
