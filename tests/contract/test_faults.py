"""Every kind of fault the sandbox injects, survived or reported by the client as it should be.

Faults are set the way a person sets them on the control page (``fault_create``); what
happened is read from the sandbox's own call log (``ApiCall``) and tables.
"""

from __future__ import annotations

import pytest

from tests.contract.helpers import CONTRACT, calls, candidate
from tracker_rsc.linkedin import PermanentError, RetryPolicy, TransientError
from tracker_rsc.sandbox.faults import fault_create
from tracker_rsc.sandbox.models import AtsCandidate, Fault

KINDS = ["http_429", "http_500", "http_503", "drop", "malformed"]
# What the client waits before each retry: Retry-After where the sandbox sends one (429 and
# 503 here), else full-jitter backoff (jitter returns its upper bound in these tests).
WAITS = {
    "http_429": [2, 2],
    "http_503": [2, 2],
    "http_500": [0.01, 0.02],
    "drop": [0.01, 0.02],
    "malformed": [0.01, 0.02],
}
# The status a call that never got through reports (None: no answer at all).
STATUSES = {"http_429": 429, "http_500": 500, "http_503": 503, "drop": None, "malformed": 200}


def stored() -> set[str]:
    return set(AtsCandidate.objects.values_list("ats_candidate_id", flat=True))


@pytest.mark.parametrize("kind", KINDS)
def test_a_fault_on_the_next_calls_is_survived_by_retrying(li, waits, kind):
    fault_create(kind=kind, endpoint="atsCandidates", count=2, retry_after=2)

    result = li.upsert_candidates([candidate("c1"), candidate("c2")])

    assert result.succeeded == ["c1", "c2"] and result.failed == {}
    log = calls("atsCandidates")
    assert [c.fault for c in log] == [kind, kind, ""]
    assert (log[-1].status, log[-1].records) == (200, 2)
    assert waits == WAITS[kind]
    assert stored() == {"c1", "c2"}
    assert not Fault.objects.filter(active=True).exists()  # used up


@pytest.mark.parametrize("kind", KINDS)
def test_a_fault_on_a_paged_read_is_survived(li, world, kind):
    fault_create(kind=kind, endpoint="seatsV2", count=1, retry_after=0)

    seats = list(li.iter_seats(CONTRACT))

    assert {s.seat_urn for s in seats} == {world.admin.urn, world.user.urn}
    assert [c.fault for c in calls("seatsV2")] == [kind, ""]


@pytest.mark.parametrize("kind", KINDS)
def test_a_fault_outlasting_the_retries_is_a_transient_error_and_writes_nothing(li, kind):
    fault_create(kind=kind, endpoint="atsCandidates", count=3, retry_after=1)

    with pytest.raises(TransientError) as caught:
        li.upsert_candidates([candidate("c1")])

    assert caught.value.status == STATUSES[kind]
    assert [c.fault for c in calls("atsCandidates")] == [kind] * 3  # attempts=3, no more
    assert stored() == set()
    # The fault is spent: the caller's later retry goes through.
    assert li.upsert_candidates([candidate("c1")]).succeeded == ["c1"]


def test_a_retry_after_longer_than_the_cap_ends_the_retries_at_once(li, waits):
    fault_create(kind="http_429", endpoint="atsCandidates", count=1, retry_after=600)

    with pytest.raises(TransientError) as caught:
        li.upsert_candidates([candidate("c1")])

    assert caught.value.status == 429 and caught.value.retry_after == 600
    assert waits == []  # a worker does not sleep ten minutes; its task retries later
    assert len(calls("atsCandidates")) == 1


def test_a_permanent_refusal_is_not_retried_and_carries_linkedins_message(make_client, world):
    client = make_client(version="2026")  # not a YYYYMM version: the sandbox answers 426

    with pytest.raises(PermanentError) as caught:
        list(client.iter_connections("urn:li:organization:2414183"))

    assert caught.value.status == 426
    assert "Requested version 2026 is not active" in caught.value.message
    assert len(calls("hiringProjectConnections")) == 1


def test_latency_within_the_timeout_is_survived(li, slept):
    fault_create(kind="latency", endpoint="atsCandidates", count=1, latency_ms=250)

    assert li.upsert_candidates([candidate("c1")]).succeeded == ["c1"]

    assert slept == [0.25]
    [call] = calls("atsCandidates")
    assert (call.fault, call.status) == ("latency", 200)


def test_latency_beyond_the_timeout_is_a_transient_error(make_client, world, latency_gate):
    make_client().check_credentials()  # the shared token, fetched without a fault in the way
    impatient = make_client(timeout=0.5, retry=RetryPolicy(attempts=1))
    fault_create(kind="latency", endpoint="atsCandidates", count=1, latency_ms=60_000)

    with pytest.raises(TransientError, match="did not answer"):
        impatient.upsert_candidates([candidate("c1")])
    latency_gate.release_and_wait()

    # LinkedIn may still have done the work of a call we gave up on; repeating it is harmless.
    [late] = calls("atsCandidates")
    assert (late.fault, late.status) == ("latency", 200)
    assert impatient.upsert_candidates([candidate("c1")]).succeeded == ["c1"]
    assert stored() == {"c1"}


@pytest.mark.parametrize("kind", KINDS)
def test_a_fraction_of_failing_calls_is_survived_or_reported_call_by_call(make_client, world, kind):
    client = make_client(retry=RetryPolicy(attempts=2, base_wait=0, max_wait=5))
    fault = fault_create(kind=kind, endpoint="atsCandidates", fraction=0.5, seed=3, retry_after=0)
    delivered: set[str] = set()
    refused: set[str] = set()

    for batch in range(12):
        ids = [f"b{batch}-{n}" for n in range(3)]
        try:
            result = client.upsert_candidates([candidate(i) for i in ids])
        except TransientError as error:
            assert error.status == STATUSES[kind]
            refused.update(ids)
        else:
            assert result.succeeded == ids
            delivered.update(ids)

    fault.refresh_from_db()
    log = calls("atsCandidates")
    assert fault.calls_seen == len(log)
    assert fault.fired == sum(1 for c in log if c.fault == kind)
    assert 0 < fault.fired < fault.calls_seen  # some calls failed, some did not
    assert delivered and refused  # with two attempts, some batches still ran out
    assert stored() == delivered  # exactly what the client reported delivered
