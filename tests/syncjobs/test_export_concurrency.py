"""Two exports of one person processed at the same moment produce one candidate (PostgreSQL).

Two real threads, each with its own database connection, start together at a barrier and run
the notification task function. The duplicate check is slowed down so that, without the
identity locks, both would certainly see "no match" and create the person twice: the second
test proves exactly that, so the first one can fail.

Run with ``DATABASE_URL=postgres://postgres@127.0.0.1:5432/test``; skipped on SQLite, where the
IMMEDIATE transactions of the settings serialise writers anyway.
"""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, connections

from candidates import dedupe
from candidates.models import Candidate, MemberLink
from requisitions.models import Activity, Placement
from syncjobs import profile_intake
from syncjobs.models import InboundNotification
from syncjobs.notifications import notification_process_task
from tests.requisitions.factories import RequisitionFactory
from tests.syncjobs.factories import InboundNotificationFactory
from tests.syncjobs.linkedin_fakes import ORG, exported
from tests.tracker_rsc.factories import LinkedInSeatFactory, enabled_integration

pytestmark = [
    pytest.mark.django_db(transaction=True),
    # These tests commit: what would go to the broker is recorded instead (see conftest).
    pytest.mark.usefixtures("published"),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL (DATABASE_URL=postgres://…): advisory locks serialise intakes "
        "there; SQLite serialises writers by itself",
    ),
]

# Long enough that both threads are inside the duplicate check at once when nothing stops them.
CHECK_DELAY = 0.5


@pytest.fixture
def slow_duplicate_check(monkeypatch):
    real = dedupe.find_duplicate

    def slow(person):
        decision = real(person)
        time.sleep(CHECK_DELAY)
        return decision

    monkeypatch.setattr(profile_intake, "find_duplicate", slow)


@pytest.fixture
def two_exports(fake_linkedin) -> list[int]:
    """The same person exported by two recruiters to two requisitions at the same moment.

    Two requisitions, because an export locks its requisition's row (which alone would
    serialise two exports to one job): only the identity locks stand between these two.
    """
    enabled_integration(ORG)
    LinkedInSeatFactory(seat_urn="urn:li:seat:5001")
    LinkedInSeatFactory(seat_urn="urn:li:seat:5002")
    ids = []
    for request_id, seat in (("export-a", "urn:li:seat:5001"), ("export-b", "urn:li:seat:5002")):
        requisition = RequisitionFactory()
        fake_linkedin.exports[request_id] = exported(
            request_id, job_id=requisition.pk, exporter=seat
        )
        ids.append(
            InboundNotificationFactory(
                event_type="EXPORT_CANDIDATE_PROFILE", request_id=request_id
            ).pk
        )
    return ids


def run_together(notification_ids: list[int]) -> list[BaseException]:
    barrier = threading.Barrier(len(notification_ids))
    errors: list[BaseException] = []

    def worker(notification_id: int) -> None:
        try:
            barrier.wait(timeout=30)
            notification_process_task(notification_id)
        except BaseException as exc:  # surfaced to the test below
            errors.append(exc)
        finally:
            connections.close_all()  # this thread's own connection

    threads = [threading.Thread(target=worker, args=(pk,)) for pk in notification_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


def test_concurrent_exports_of_one_person_create_one_candidate(two_exports, slow_duplicate_check):
    assert run_together(two_exports) == []
    statuses = set(InboundNotification.objects.values_list("status", flat=True))
    assert statuses == {InboundNotification.Status.PROCESSED}
    candidate = Candidate.objects.get()
    assert MemberLink.objects.get().candidate == candidate
    assert [p.candidate for p in Placement.objects.all()] == [candidate, candidate]
    assert Activity.objects.filter(kind=Activity.Kind.EXPORT).count() == 2
    created = sorted(n.result["created"] for n in InboundNotification.objects.all())
    assert created == [False, True]


def test_without_the_identity_locks_the_race_creates_two(
    two_exports, slow_duplicate_check, monkeypatch
):
    """The control experiment: the test above is able to fail."""
    monkeypatch.setattr("syncjobs.exports.identity_locks_acquire", lambda profile: [])
    run_together(two_exports)
    assert Candidate.objects.count() == 2
