"""Bulk sync with a real ``celery worker`` killed (SIGKILL) in the middle, against PostgreSQL,
a private Redis and the LinkedIn sandbox over HTTP.

The run advances in Celery steps (``bulk_sync_continue``) that save the cursor after every
100-record batch. Killing the pool child mid-batch leaves a ``running`` run with a heartbeat
that goes stale after the task time limit + 120 s; the test ages that heartbeat instead of
waiting, then queues a step as the housekeeping would, and checks what LinkedIn (the sandbox)
received and what Tracker linked, candidate by candidate.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import Sum
from django.utils import timezone

from candidates.models import MemberLink
from syncjobs.bulk_sync import bulk_sync_schedule
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


def test_worker_killed_mid_bulk_sync_resumes_and_misses_nobody_sends_nobody_twice(
    sandbox_linkedin, worker, broker
):
    """SIGKILL of the pool child while a batch upsert is on its way to LinkedIn.

    Proves: after the claim of the dead worker goes stale, a new step resumes at the saved
    cursor; every eligible candidate is on LinkedIn, each matched member is linked exactly
    once (one active MemberLink per candidate, the right person), and no candidate was sent
    twice except the one batch whose cursor the kill prevented from being saved.
    """
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
    # Every upsert takes a while: the kill lands inside one.
    fault_create(
        kind=Fault.Kind.LATENCY, endpoint="atsCandidates", method="PUT", count=50, latency_ms=1500
    )
    worker.start()

    assert bulk_sync_schedule()
    wait_for(
        lambda: upserted_records() >= 200 and (bulk_run().cursor or {}).get("last_pk", 0) > 0,
        timeout=120,
        what="two batches sent",
        log=worker.log,
    )
    killed = worker.kill_child()
    run = bulk_run()
    assert run.status == SyncRun.Status.RUNNING
    cursor_at_kill = run.cursor.get("last_pk")

    # Time passes (stale claim), then the housekeeping queues a step.
    SyncRun.objects.filter(pk=run.pk).update(
        heartbeat_at=timezone.now() - stale_after() - timedelta(seconds=5)
    )
    assert bulk_sync_schedule()
    wait_for(
        lambda: bulk_run().status == SyncRun.Status.SUCCEEDED,
        timeout=180,
        what="the resumed bulk sync to succeed",
        log=worker.log,
    )

    run = bulk_run()
    assert f"pid:{killed} exited with 'signal 9 (SIGKILL)'" in worker.text()
    assert run.cursor.get("last_pk", 0) >= cursor_at_kill
    # LinkedIn has every candidate, record by record.
    on_linkedin = set(AtsCandidate.objects.values_list("ats_candidate_id", flat=True))
    assert on_linkedin == {str(c.pk) for c in candidates}
    # Nobody twice, except at most the one batch in flight when the worker died.
    assert CANDIDATES <= upserted_records() <= CANDIDATES + 100
    # Each matched candidate linked once, to its member; nobody else linked.
    links = MemberLink.objects.filter(unlinked_at__isnull=True)
    assert {link.candidate_id: link.person_urn for link in links} == expected_links
    assert MemberLink.objects.count() == MATCHED
    assert set(links.values_list("method", flat=True)) == {MemberLink.Method.BULK_SYNC}
    assert run.processed >= CANDIDATES
    assert run.linked == MATCHED
