"""The limiter, measured where LinkedIn measures it: on the server's side, in rolling minutes.

Two clients stand for two workers, each with its own limiter over the shared backend (Redis
when ``REDIS_URL`` is set, else the file the embedded default uses). Time runs on
``time_machine`` for both the clients and the sandbox (same process); a limiter's wait shifts
the clock instead of sleeping, so minutes of pacing take milliseconds.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from itertools import cycle, islice
from pathlib import Path

import pytest
import time_machine

from tests.contract.helpers import START, candidate
from tracker_rsc.linkedin import TransientError
from tracker_rsc.linkedin.limiter import FileLimiter, Limits, RateLimiter, RedisLimiter
from tracker_rsc.sandbox import limits as sandbox_limits
from tracker_rsc.sandbox import services as sandbox
from tracker_rsc.sandbox.models import AtsCandidate

LIMIT = 300  # records per rolling minute, on both sides
BATCH_SIZES = [100, 60, 100, 40, 80, 20, 100, 100, 30, 70]


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def shared_limiter(settings, tmp_path: Path, clock) -> Iterator[Callable[[], RateLimiter]]:
    """``shared_limiter()``: a new limiter instance (one per worker) over one shared budget."""
    limits = Limits(records_per_minute=LIMIT, requests_per_day=100_000)
    prefix = f"tracker_rsc:test:contract:{uuid.uuid4().hex}"
    made: list[RateLimiter] = []

    def make() -> RateLimiter:
        common = {"family": "candidates", "limits": limits, "sleep": clock.shift}
        limiter: RateLimiter
        if settings.REDIS_URL:
            # The test's clock, not Redis's: Redis cannot travel in time.
            limiter = RedisLimiter(
                redis_url=settings.REDIS_URL, prefix=prefix, use_server_time=False, **common
            )
        else:
            limiter = FileLimiter(directory=tmp_path / "ratelimit", **common)
        made.append(limiter)
        return limiter

    yield make
    for limiter in made:
        if isinstance(limiter, RedisLimiter):
            limiter.reset()


def send(workers, sizes: list[int]) -> int:
    """Upsert batches of ``sizes`` records, the workers taking turns; returns records sent."""
    sent = 0
    for number, (worker, size) in enumerate(zip(cycle(workers), sizes, strict=False)):
        ids = [f"b{number}-{n}" for n in range(size)]
        result = worker.upsert_candidates([candidate(i) for i in ids])
        assert result.succeeded == ids, result.failed
        sent += size
    return sent


def test_no_rolling_minute_ever_holds_more_than_the_limit(
    make_client, world, shared_limiter, clock
):
    sandbox.settings_update(records_per_minute=LIMIT)  # the sandbox would answer 429 beyond it
    workers = [make_client(limiters={"candidates": shared_limiter()}) for _ in range(2)]
    sizes = list(islice(cycle(BATCH_SIZES), 30))

    sent = send(workers, sizes)

    stats = sandbox_limits.stats(family="candidates")
    assert stats["throttled"] == 0  # the sandbox never had to refuse a call
    assert stats["records"] == sent == AtsCandidate.objects.count() == 2_100
    assert stats["max_records_in_rolling_minute"] <= LIMIT
    # Close to the limit, not merely under it: full minutes, and no more minutes than needed.
    assert stats["max_records_in_rolling_minute"] == LIMIT
    minutes = (time.time() - START.timestamp()) / 60  # on the test's clock
    assert minutes <= sent / LIMIT + 1


def test_without_the_limiter_the_sandbox_measures_the_excess(make_client, world):
    """The measurement above can fail: unpaced, the same traffic crowds one minute."""
    sandbox.settings_update(records_per_minute=100_000)
    client = make_client()

    with time_machine.travel(START, tick=False):
        send([client], BATCH_SIZES[:5])

    assert sandbox_limits.stats(family="candidates")["max_records_in_rolling_minute"] == 380


def test_unpaced_traffic_over_the_limit_is_refused_by_the_sandbox(make_client, world):
    sandbox.settings_update(records_per_minute=LIMIT)
    client = make_client()

    with time_machine.travel(START, tick=False):
        send([client], [100, 100, 100])
        with pytest.raises(TransientError) as caught:
            client.upsert_candidates([candidate("one-too-many")])

    # A minute's wait is beyond what a worker sleeps: the task retries later, as LinkedIn asks.
    assert caught.value.status == 429 and caught.value.retry_after == 60
    assert sandbox_limits.stats(family="candidates")["throttled"] == 1
    assert not AtsCandidate.objects.filter(ats_candidate_id="one-too-many").exists()
