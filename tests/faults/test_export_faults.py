"""Export to ATS under faults, with a real ``celery worker`` process, Redis and PostgreSQL.

Each test pushes exports through Tracker's real callback, lets a real worker process them
against the LinkedIn sandbox over HTTP, breaks something (the worker, the broker, LinkedIn, the
delivery order), and then checks the data record by record: one notification row per push,
processed; one candidate, one member link, one placement and one export activity per exported
member; nothing else. Where the recovery needs time to pass (a dead worker's claim goes stale
after the task time limit + 60 s; the sweeper takes over a ``received`` row after a minute), the
test moves that row's timestamp back instead of sleeping, and publishes the sweep that beat
would send; everything else (redelivery, reconnects, retries) is the real machinery.
"""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
import redis
from django.utils import timezone

from candidates.models import Candidate, MemberLink
from requisitions.models import Activity, Placement
from syncjobs.enqueue import publish
from syncjobs.models import InboundNotification
from syncjobs.notifications import notification_sweep, stale_claim_age
from tests.faults.conftest import EXPORT, wait_for
from tracker_rsc.sandbox.faults import fault_create
from tracker_rsc.sandbox.models import ApiCall, Fault

pytestmark = pytest.mark.django_db(transaction=True)

Status = InboundNotification.Status
SETTLE_SECONDS = 120  # ceiling for one notification to be processed by the worker


def notification(request_id: str) -> InboundNotification:
    return InboundNotification.objects.get(event_type=EXPORT, request_id=request_id)


def status_of(request_id: str) -> str | None:
    row = InboundNotification.objects.filter(event_type=EXPORT, request_id=request_id).first()
    return row.status if row else None


def wait_processed(worker, *request_ids: str, dead_before=None) -> None:
    """Wait until every notification is processed.

    With ``dead_before`` (a time at which the worker holding a claim was dead), time is moved
    on for what is stuck, as if beat's sweep ran after the thresholds passed: a claim taken at
    or before ``dead_before`` is aged past the stale-claim limit, a ``received`` row past the
    sweeper's minute, and ``notification_sweep`` is published (at most every few seconds).
    Claims taken later belong to the live worker and are never touched.
    """
    last_sweep = [0.0]

    def done() -> bool:
        pending = [rid for rid in request_ids if status_of(rid) != Status.PROCESSED]
        if dead_before is not None and pending and time.monotonic() - last_sweep[0] > 3:
            last_sweep[0] = time.monotonic()
            sweep(pending, dead_before=dead_before)
        return not pending

    wait_for(done, timeout=SETTLE_SECONDS, what=f"{request_ids} processed", log=worker.log)


def sweep(request_ids: list[str], *, dead_before=None) -> None:
    """Age stuck rows past the sweeper's thresholds and publish ``notification_sweep``."""
    now = timezone.now()
    rows = InboundNotification.objects.filter(event_type=EXPORT, request_id__in=request_ids)
    if dead_before is not None:
        rows.filter(status=Status.PROCESSING, claimed_at__lte=dead_before).update(
            claimed_at=now - stale_claim_age() - timedelta(seconds=1)
        )
    rows.filter(status=Status.RECEIVED).update(received_at=now - timedelta(minutes=5))
    rows.filter(status=Status.FAILED).update(next_attempt_at=now - timedelta(seconds=1))
    publish(notification_sweep)


def broker_drained(broker) -> bool:
    """No task waiting and none delivered-but-unacknowledged (a killed worker's is restored)."""
    client = redis.Redis.from_url(broker.url)
    return client.llen("celery") == 0 and client.hlen("unacked") == 0


def assert_exported_exactly_once(world, exports: dict[str, str]) -> None:
    """``exports`` maps request id → person URN. Checks every table, record by record."""
    assert InboundNotification.objects.count() == len(exports)
    for request_id, person_urn in exports.items():
        row = notification(request_id)
        assert row.status == Status.PROCESSED, (row.status, row.error)
        assert row.error == ""
        link = MemberLink.objects.get(person_urn=person_urn)
        assert link.unlinked_at is None
        candidate = link.candidate
        placement = Placement.objects.get(candidate=candidate)
        assert placement.requisition == world.requisition
        activity = Activity.objects.get(kind=Activity.Kind.EXPORT, external_id=request_id)
        assert (activity.candidate, activity.seat) == (candidate, world.seat)
    assert Candidate.objects.count() == len(exports)
    assert MemberLink.objects.count() == len(exports)
    assert Placement.objects.count() == len(exports)
    assert Activity.objects.filter(kind=Activity.Kind.EXPORT).count() == len(exports)
    names = sorted(Candidate.objects.values_list("email", flat=True))
    assert names == sorted(
        f"{urn.rsplit(':', 1)[1].lower()}@example.com" for urn in exports.values()
    )


def process_task_ids(log_text: str) -> list[str]:
    """Ids of the notification_process tasks a worker log says it received, in order."""
    return re.findall(r"notification_process\[([0-9a-f-]+)\] received", log_text)


def slow_linkedin(endpoint: str = "exportedCandidates", ms: int = 4000) -> None:
    """LinkedIn takes ``ms`` to answer the next call: a window in which to kill the worker."""
    fault_create(kind=Fault.Kind.LATENCY, endpoint=endpoint, count=1, latency_ms=ms)


def wait_claimed(worker, request_id: str) -> None:
    """The worker has claimed the notification and is inside the slow LinkedIn fetch (past
    the token request: a holder of the token lock killed there would make the others wait out
    the lock's 60 s TTL, which is by design but not what these tests are about).
    """
    wait_for(
        lambda: (
            status_of(request_id) == Status.PROCESSING
            and Fault.objects.filter(kind=Fault.Kind.LATENCY, fired=1).exists()
        ),
        timeout=SETTLE_SECONDS,
        what="the worker to claim the notification and call LinkedIn",
        log=worker.log,
    )


def test_pool_child_killed_mid_export_is_processed_exactly_once_after_restart(
    export_world, worker, broker
):
    """SIGKILL of the pool process while it waits for LinkedIn's exported profile.

    Proves: the main process re-queues the lost task (acks late + reject on worker lost), the
    redelivered task does not process a row another worker claimed, and once that claim is
    stale the sweeper finishes the export; one candidate, link, placement and activity.
    """
    urn = export_world.members[0]
    request_id = export_world.export(urn, "f0@example.com")
    slow_linkedin()
    worker.start()

    assert export_world.deliver(request_id) == 200
    wait_claimed(worker, request_id)
    killed = worker.kill_child()
    dead_before = timezone.now()

    wait_for(lambda: worker.pool_children() not in ([], [killed]), timeout=60, what="a new child")
    assert Candidate.objects.count() == 0  # the kill came before anything was written
    wait_processed(worker, request_id, dead_before=dead_before)
    wait_for(lambda: broker_drained(broker), timeout=60, what="the broker to drain")

    assert f"pid:{killed} exited with 'signal 9 (SIGKILL)'" in worker.text()
    # The lost task was re-queued and delivered again (same task id, twice).
    received = process_task_ids(worker.text())
    assert len(received) == 2 and received[0] == received[1], received
    assert notification(request_id).attempts >= 2
    assert_exported_exactly_once(export_world, {request_id: urn})


def test_main_process_killed_mid_export_is_processed_exactly_once_after_restart(
    export_world, worker, broker
):
    """SIGKILL of the worker's main process while its pool child waits for LinkedIn.

    The orphaned child may still finish the export; the unacknowledged message comes back
    from Redis after the visibility timeout and goes to the restarted worker. Proves: whichever
    way it ends, the export is applied exactly once and the broker keeps nothing behind.
    """
    urn = export_world.members[1]
    request_id = export_world.export(urn, "f1@example.com")
    slow_linkedin()
    worker.start()

    assert export_world.deliver(request_id) == 200
    wait_claimed(worker, request_id)
    orphan = worker.pool_child()
    worker.kill_main()
    dead_before = timezone.now()

    def orphan_gone() -> bool:
        try:
            with open(f"/proc/{orphan}/stat") as stat:
                return stat.read().split()[2] == "Z"
        except FileNotFoundError:
            return True

    wait_for(orphan_gone, timeout=60, what="the orphaned pool child to exit")
    client = redis.Redis.from_url(broker.url)
    assert client.hlen("unacked") == 1  # the message is still owed to a worker

    worker.start()
    wait_processed(worker, request_id, dead_before=dead_before)
    wait_for(lambda: broker_drained(broker), timeout=60, what="the message to be redelivered")

    # Redis gave the unacknowledged message to the restarted worker (same task id).
    first_run, second_run = worker.text().split("===== start 2 =====")
    assert process_task_ids(first_run) == process_task_ids(second_run)[:1] != []
    assert_exported_exactly_once(export_world, {request_id: urn})


def test_same_notification_five_times_out_of_order_is_processed_once(export_world, worker, broker):
    """Two exports, each pushed five times, interleaved and out of order, while a worker runs.

    Proves: every delivery is answered 200, one row is stored per (type, id), and each export
    is applied once (the unique key and the claim absorb the duplicates).
    """
    first, second = export_world.members[2], export_world.members[3]
    id_a = export_world.export(first, "f2@example.com")
    id_b = export_world.export(second, "f3@example.com")
    worker.start()

    order = [id_b, id_a, id_b, id_b, id_a, id_a, id_b, id_a, id_a, id_b]
    statuses = [export_world.deliver(request_id) for request_id in order]

    assert statuses == [200] * 10
    wait_processed(worker, id_a, id_b)
    for request_id in order:  # late duplicates after processing are acknowledged, not redone
        assert export_world.deliver(request_id) == 200
    wait_for(lambda: broker_drained(broker), timeout=60, what="the queue to drain")

    assert_exported_exactly_once(export_world, {id_a: first, id_b: second})
    assert ApiCall.objects.filter(endpoint="exportedCandidates").count() == 2


def test_broker_down_when_the_callback_arrives_is_stored_then_swept(export_world, worker, broker):
    """Redis is down when LinkedIn pushes: the callback still answers 200 and stores the row.

    Proves: nothing LinkedIn sent is lost (the row is ``received``, the failed publish only
    logged), and once Redis is back the sweeper (published as beat would) processes it once.
    """
    urn = export_world.members[0]
    request_id = export_world.export(urn, "f0@example.com")
    broker.stop()

    assert export_world.deliver(request_id) == 200

    assert status_of(request_id) == Status.RECEIVED
    broker.start()
    worker.start()
    client = redis.Redis.from_url(broker.url)
    assert client.llen("celery") == 0  # the publish really was lost with the broker
    wait_processed(worker, request_id, dead_before=timezone.now())

    assert_exported_exactly_once(export_world, {request_id: urn})


def test_redis_restarted_mid_run_loses_nothing(export_world, worker, broker):
    """Redis is killed and restarted (empty: no persistence) while a worker runs.

    Proves: the worker reconnects by itself (a push after the restart is processed without
    help), the push that arrived during the outage is stored and swept, and the one processed
    before is untouched: three exports, each exactly once.
    """
    before, during, after = export_world.members[:3]
    id_before = export_world.export(before, "f0@example.com")
    id_during = export_world.export(during, "f1@example.com")
    id_after = export_world.export(after, "f2@example.com")
    worker.start()
    assert export_world.deliver(id_before) == 200
    wait_processed(worker, id_before)

    broker.stop()
    assert export_world.deliver(id_during) == 200
    assert status_of(id_during) == Status.RECEIVED
    broker.start()

    assert export_world.deliver(id_after) == 200
    wait_processed(worker, id_after)
    wait_processed(worker, id_during, dead_before=timezone.now())

    assert_exported_exactly_once(
        export_world, {id_before: before, id_during: during, id_after: after}
    )


def test_linkedin_failing_for_a_stretch_is_retried_until_processed_once(export_world, worker):
    """LinkedIn answers 429, 500, times out, drops the connection and sends malformed JSON.

    Two of each on the exported-profile fetch (the adapter tries twice per task run, so each
    run fails transiently and the row is scheduled for a retry; the test makes each retry due
    and publishes the sweep). Proves: every fault is seen, none is fatal, the export is
    applied exactly once at the end, with its retries counted.
    """
    worker.env["LINKEDIN_TIMEOUT"] = "1"
    for kind, extra in [
        (Fault.Kind.HTTP_429, {"retry_after": 0}),
        (Fault.Kind.HTTP_500, {}),
        (Fault.Kind.LATENCY, {"latency_ms": 2500}),  # longer than the 1 s client timeout
        (Fault.Kind.DROP, {}),
        (Fault.Kind.MALFORMED, {}),
    ]:
        fault_create(kind=kind, endpoint="exportedCandidates", count=2, **extra)
    urn = export_world.members[0]
    request_id = export_world.export(urn, "f0@example.com")
    worker.start()

    assert export_world.deliver(request_id) == 200

    def settled() -> bool:
        state = status_of(request_id)
        if state == Status.FAILED:
            row = notification(request_id)
            assert row.next_attempt_at is not None, f"failed permanently: {row.error}"
            if row.next_attempt_at > timezone.now():  # not yet swept for this failure
                sweep([request_id])
        return state == Status.PROCESSED

    wait_for(settled, timeout=240, what="the export to get through", log=worker.log)

    assert list(Fault.objects.values_list("kind", "fired").order_by("kind")) == sorted(
        (kind, 2) for kind in ["http_429", "http_500", "latency", "drop", "malformed"]
    )
    assert notification(request_id).attempts >= 2
    assert_exported_exactly_once(export_world, {request_id: urn})
