"""Bulk sync with a real ``celery worker`` killed (SIGKILL) in the middle, against PostgreSQL,
a private Redis and the LinkedIn sandbox over HTTP.

The run advances in Celery steps (``bulk_sync_continue``) that save the cursor after every
100-record batch. Killing the pool child mid-batch leaves a ``running`` run with a heartbeat
that goes stale after the task time limit + 120 s; the test ages that heartbeat instead of
waiting, then queues a step as the housekeeping would, and checks what LinkedIn (the sandbox)
received and what Tracker linked, candidate by candidate.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.db.models import Sum
from django.utils import timezone

from candidates.models import MemberLink
from syncjobs.bulk_sync import bulk_sync_schedule
from syncjobs.enablement import integration_housekeeping
from syncjobs.models import SyncRun
from syncjobs.runs import stale_after
from tests.candidates.factories import CandidateFactory
from tests.faults.conftest import ORG, wait_for
from tests.sandbox.factories import MemberFactory, SandboxContractFactory
from tests.tracker_rsc.factories import enabled_integration
from tracker_rsc.models import Integration
from tracker_rsc.sandbox.faults import fault_create
from tracker_rsc.sandbox.models import ApiCall, AtsCandidate, Fault

pytestmark = pytest.mark.django_db(transaction=True)

CANDIDATES = 500  # five batches of 100
MATCHED = 250  # the first half have a LinkedIn member with the same email


def upserted_records() -> int:
    calls = ApiCall.objects.filter(endpoint="atsCandidates", method="batch_update", status__lt=400)
    return calls.aggregate(n=Sum("records"))["n"] or 0


def bulk_run() -> SyncRun | None:
    return SyncRun.objects.filter(kind=SyncRun.Kind.BULK_SYNC).order_by("-pk").first()


def bulk_world(worker) -> tuple[list, dict[int, str]]:
    """Tracker enabled and registered, CANDIDATES candidates, the first MATCHED of them with a
    LinkedIn member of the same email. Returns (candidates, candidate id → expected member)."""
    worker.env["LINKEDIN_RATE_LIMIT_ENABLED"] = "off"
    SandboxContractFactory(urn="urn:li:contract:100", organization_urn=ORG)
    integration = enabled_integration(ORG)
    Integration.objects.filter(pk=integration.pk).update(registered_at=timezone.now())
    expected_links = {}
    candidates = []
    for n in range(CANDIDATES):
        candidate = CandidateFactory(email=f"bulk{n}@mail.example")
        candidates.append(candidate)
        if n < MATCHED:
            member = MemberFactory(emails=[candidate.email], person_urn=f"urn:li:person:b{n}")
            expected_links[candidate.pk] = member.person_urn
    return candidates, expected_links


def assert_everyone_synced_once(candidates, expected_links, *, resent_at_most: int) -> None:
    """The run succeeded; LinkedIn holds every candidate, record by record, and took at most
    ``resent_at_most`` records twice; each matched candidate is linked once, to its member."""
    run = bulk_run()
    assert run.status == SyncRun.Status.SUCCEEDED
    on_linkedin = set(AtsCandidate.objects.values_list("ats_candidate_id", flat=True))
    assert on_linkedin == {str(c.pk) for c in candidates}
    assert CANDIDATES <= upserted_records() <= CANDIDATES + resent_at_most
    links = MemberLink.objects.filter(unlinked_at__isnull=True)
    assert {link.candidate_id: link.person_urn for link in links} == expected_links
    assert MemberLink.objects.count() == MATCHED
    assert set(links.values_list("method", flat=True)) == {MemberLink.Method.BULK_SYNC}
    assert run.processed >= CANDIDATES
    assert run.linked == MATCHED


def succeeded() -> bool:
    run = bulk_run()  # None until the first step has claimed the run
    return run is not None and run.status == SyncRun.Status.SUCCEEDED


def start_slow_bulk_sync(worker, *, latency_ms: int = 1500) -> None:
    """Start the worker and the bulk sync, every upsert slow (a kill then lands inside one),
    and wait until two batches are sent and the cursor has moved."""
    fault_create(
        kind=Fault.Kind.LATENCY,
        endpoint="atsCandidates",
        method="PUT",
        count=50,
        latency_ms=latency_ms,
    )
    worker.start()
    assert bulk_sync_schedule()
    wait_for(
        lambda: upserted_records() >= 200 and (bulk_run().cursor or {}).get("last_pk", 0) > 0,
        timeout=120,
        what="two batches sent",
        log=worker.log,
    )


def make_stale(run: SyncRun) -> None:
    """Time passes: the dead worker's claim on the run goes stale."""
    SyncRun.objects.filter(pk=run.pk).update(
        heartbeat_at=timezone.now() - stale_after() - timedelta(seconds=5)
    )


def test_worker_killed_mid_bulk_sync_resumes_and_misses_nobody_sends_nobody_twice(
    sandbox_linkedin, worker, broker
):
    """SIGKILL of the pool child while a batch upsert is on its way to LinkedIn.

    Proves: after the claim of the dead worker goes stale, a new step resumes at the saved
    cursor; every eligible candidate is on LinkedIn, each matched member is linked exactly
    once (one active MemberLink per candidate, the right person), and no candidate was sent
    twice except the one batch whose cursor the kill prevented from being saved.
    """
    candidates, expected_links = bulk_world(worker)
    start_slow_bulk_sync(worker)
    killed = worker.kill_child()
    run = bulk_run()
    assert run.status == SyncRun.Status.RUNNING
    cursor_at_kill = run.cursor.get("last_pk")

    # Time passes (stale claim), then the housekeeping queues a step.
    make_stale(run)
    assert bulk_sync_schedule()
    wait_for(
        succeeded,
        timeout=180,
        what="the resumed bulk sync to succeed",
        log=worker.log,
    )

    run = bulk_run()
    assert f"pid:{killed} exited with 'signal 9 (SIGKILL)'" in worker.text()
    assert run.cursor.get("last_pk", 0) >= cursor_at_kill
    # Nobody twice, except at most the one batch in flight when the worker died.
    assert_everyone_synced_once(candidates, expected_links, resent_at_most=100)


def test_main_process_killed_mid_bulk_sync_resumes_after_restart(sandbox_linkedin, worker, broker):
    """SIGKILL of the worker's main process while its pool child sends a batch.

    The orphaned child may finish its step; the step's unacknowledged message comes back from
    Redis to the restarted worker, and the housekeeping queues a step once the claim is stale.
    Proves: the run completes, every candidate is on LinkedIn, duplicates of the step are
    absorbed by the run's claim (at most one batch sent twice), each match linked once.
    """
    candidates, expected_links = bulk_world(worker)
    start_slow_bulk_sync(worker)
    orphan = worker.pool_child()
    worker.kill_main()
    wait_for(lambda: not _alive(orphan), timeout=60, what="the orphaned pool child to exit")

    worker.start()
    make_stale(bulk_run())
    bulk_sync_schedule()  # the housekeeping; a step may already be queued (then this is a no-op)
    wait_for(
        succeeded,
        timeout=180,
        what="the resumed bulk sync to succeed",
        log=worker.log,
    )

    assert "===== start 2 =====" in worker.text()
    assert_everyone_synced_once(candidates, expected_links, resent_at_most=100)


def test_linkedin_failing_for_a_stretch_mid_bulk_sync_misses_nobody(
    sandbox_linkedin, worker, broker
):
    """LinkedIn answers the candidate upserts with 429, 500, a dropped connection and
    malformed JSON, two of each, while the bulk sync runs.

    Proves: every fault is seen and none is fatal (the batch is retried after a back-off, the
    run goes on), and at the end every candidate is on LinkedIn and each match linked once. A
    faulty answer stored nothing, so nobody was taken twice.
    """
    candidates, expected_links = bulk_world(worker)
    for kind, extra in [
        (Fault.Kind.HTTP_429, {"retry_after": 0}),
        (Fault.Kind.HTTP_500, {}),
        (Fault.Kind.DROP, {}),
        (Fault.Kind.MALFORMED, {}),
    ]:
        fault_create(kind=kind, endpoint="atsCandidates", method="PUT", count=2, **extra)
    worker.start()

    assert bulk_sync_schedule()
    wait_for(
        succeeded,
        timeout=240,
        what="the bulk sync to get through",
        log=worker.log,
    )

    assert sorted(Fault.objects.values_list("kind", "fired")) == sorted(
        (kind, 2) for kind in ["http_429", "http_500", "drop", "malformed"]
    )
    assert_everyone_synced_once(candidates, expected_links, resent_at_most=0)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


def test_redis_restarted_mid_bulk_sync_resumes_through_the_housekeeping(
    sandbox_linkedin, worker, broker
):
    """Redis dies (and comes back empty) while a step runs: the step's next step is lost.

    Proves: the run keeps its cursor and waits, pending; the housekeeping (every five minutes
    in beat, called here once the run has gone quiet for longer than a step can take) queues
    a step on the restarted Redis, the worker (reconnected by itself) finishes the run, and
    every candidate is on LinkedIn with at most the one batch in flight sent twice.
    """
    candidates, expected_links = bulk_world(worker)
    # Steps of 30 s and upserts of 8 s: the step running when Redis dies ends during the outage
    # (after its fourth batch), so the next step it queues is lost.
    worker.env["CELERY_TASK_TIME_LIMIT"] = "90"
    start_slow_bulk_sync(worker, latency_ms=8000)

    broker.stop()
    wait_for(
        lambda: "could not enqueue syncjobs.tasks.bulk_sync_continue" in worker.text(),
        timeout=120,
        what="the step to end and fail to queue the next one",
        log=worker.log,
    )
    broker.start()
    processed = bulk_run().processed
    time.sleep(5)  # nothing moves it: the step it queued went with the old Redis
    assert (bulk_run().status, bulk_run().processed) == (SyncRun.Status.PENDING, processed)
    assert processed < CANDIDATES

    make_stale(bulk_run())
    assert integration_housekeeping()["bulk_sync_queued"] == 1
    wait_for(succeeded, timeout=180, what="the resumed bulk sync to succeed", log=worker.log)

    assert_everyone_synced_once(candidates, expected_links, resent_at_most=100)
