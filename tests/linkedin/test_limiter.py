"""The shared limiter: never over the per-minute records or the daily requests."""

from __future__ import annotations

import multiprocessing
import os
import random
import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
import responses

from tests.linkedin.helpers import API, add_token
from tracker_rsc.linkedin import RateLimitExceeded, TransientError, get_limiter
from tracker_rsc.linkedin.limiter import (
    ARRIVAL_MARGIN_MS,
    DisabledLimiter,
    FileLimiter,
    Limits,
    MemoryLimiter,
    RedisLimiter,
)

REDIS_URL = os.environ.get("REDIS_URL", "")
needs_redis = pytest.mark.skipif(not REDIS_URL, reason="REDIS_URL is not set; no Redis to test")

MARGIN = ARRIVAL_MARGIN_MS / 1000  # seconds an admission is held beyond the minute


class FakeClock:
    """Epoch seconds that only move when the limiter sleeps (or the test says so)."""

    def __init__(self, start: float) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC).timestamp()


def memory(limits: Limits, clock: FakeClock) -> MemoryLimiter:
    return MemoryLimiter(family="candidates", limits=limits, clock=clock, sleep=clock.sleep)


def file_limiter(limits: Limits, clock: FakeClock, directory: Path) -> FileLimiter:
    return FileLimiter(
        directory=directory, family="candidates", limits=limits, clock=clock, sleep=clock.sleep
    )


def assert_no_window_over(admissions: list[tuple[int, int]], limit: int) -> None:
    """For every admission, the records admitted in [t, t + 60 s) stay within the limit.

    Any 60-second window that holds admissions starts at or before its first one, so checking
    the windows that start at each admission covers them all.
    """
    admissions.sort()
    for index, (start, _) in enumerate(admissions):
        total = sum(n for at, n in admissions[index:] if at < start + 60_000)
        assert total <= limit, f"{total} records in the minute from {start}"


def run_stream(limiter, clock: FakeClock, batches: list[int]) -> list[tuple[int, int]]:
    admissions = []
    for records in batches:
        limiter.acquire(records)
        admissions.append((round(clock.now * 1000), records))
    return admissions


@pytest.mark.parametrize("backend", ["memory", "file"])
def test_a_simulated_bulk_sync_never_exceeds_the_minute_budget(backend, tmp_path):
    limits = Limits(records_per_minute=10_000, requests_per_day=100_000)
    clock = FakeClock(START)
    limiter = (
        memory(limits, clock) if backend == "memory" else file_limiter(limits, clock, tmp_path)
    )
    rng = random.Random(20260302)
    batches = [rng.choice([100, 100, 100, 37, 1, 64]) for _ in range(1_200)]

    admissions = run_stream(limiter, clock, batches)

    assert_no_window_over(admissions, 10_000)
    # ...and runs close to it: the whole stream takes just over total/limit minutes.
    minutes = (clock.now - START) / 60
    assert minutes <= sum(batches) / 10_000 + 1
    assert minutes >= sum(batches) / 10_000 - 1


def test_a_blocking_acquire_waits_exactly_until_capacity_returns():
    clock = FakeClock(START)
    limiter = memory(Limits(records_per_minute=100, requests_per_day=1000), clock)

    limiter.acquire(60)
    clock.now += 10
    limiter.acquire(30)
    clock.now += 5
    limiter.acquire(60)  # needs the first 60 gone: a minute (plus the margin) after it

    assert clock.sleeps == [45.0 + MARGIN]
    assert clock.now == START + 60 + MARGIN


def test_the_daily_cap_blocks_until_the_next_utc_day_or_raises_with_a_max_wait():
    clock = FakeClock(datetime(2026, 3, 2, 23, 0, tzinfo=UTC).timestamp())
    limiter = memory(Limits(records_per_minute=10_000, requests_per_day=3), clock)
    for _ in range(3):
        limiter.acquire(1)

    with pytest.raises(RateLimitExceeded) as caught:
        limiter.acquire(1, max_wait=90)
    assert caught.value.retry_after == 3600.0
    assert clock.sleeps == []

    limiter.acquire(1)  # no cap on the wait: sleeps until midnight UTC
    assert clock.sleeps == [3600.0]
    assert datetime.fromtimestamp(clock.now, UTC) == datetime(2026, 3, 3, tzinfo=UTC)


def test_a_request_larger_than_the_budget_is_a_value_error():
    limiter = memory(Limits(records_per_minute=100, requests_per_day=10), FakeClock(START))

    with pytest.raises(ValueError, match="between 1 and 100"):
        limiter.acquire(101)
    with pytest.raises(ValueError):
        limiter.acquire(0)


def test_two_file_limiters_on_one_directory_share_one_budget(tmp_path):
    clock = FakeClock(START)
    limits = Limits(records_per_minute=100, requests_per_day=1000)
    worker_a, worker_b = (
        file_limiter(limits, clock, tmp_path),
        file_limiter(limits, clock, tmp_path),
    )

    worker_a.acquire(70)
    with pytest.raises(RateLimitExceeded) as caught:
        worker_b.acquire(70, max_wait=0)

    assert caught.value.retry_after == 60.0 + MARGIN


def test_a_corrupt_state_file_starts_a_fresh_window(tmp_path):
    clock = FakeClock(START)
    limiter = file_limiter(Limits(records_per_minute=100, requests_per_day=10), clock, tmp_path)
    (tmp_path / "candidates.json").write_text("{torn")

    limiter.acquire(100)

    assert clock.sleeps == []


def _take_all(directory: str, now: float, results) -> None:
    # A separate process with a frozen clock: it takes what it can, never waiting.
    limiter = FileLimiter(
        directory=Path(directory),
        family="candidates",
        limits=Limits(records_per_minute=100, requests_per_day=10_000),
        clock=lambda: now,
        sleep=lambda seconds: None,
    )
    taken = 0
    for _ in range(30):
        try:
            limiter.acquire(5, max_wait=0)
            taken += 5
        except RateLimitExceeded:
            pass
    results.put(taken)


def test_processes_sharing_the_file_limiter_never_overrun_it(tmp_path):
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    workers = [
        context.Process(target=_take_all, args=(str(tmp_path), START, results)) for _ in range(3)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)

    taken = [results.get(timeout=5) for _ in workers]

    assert sum(taken) == 100  # exactly the budget, however the three interleaved


def test_the_limiter_is_chosen_by_settings(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.REDIS_URL = ""
    settings.LINKEDIN_RATE_LIMIT_ENABLED = True
    settings.LINKEDIN_RECORDS_PER_MINUTE = 10_000
    settings.LINKEDIN_REQUESTS_PER_DAY = 100_000

    limiter = get_limiter("candidates")

    assert isinstance(limiter, FileLimiter)
    assert limiter.state_path == tmp_path / "linkedin-ratelimit" / "candidates.json"
    assert limiter.limits == Limits(records_per_minute=10_000, requests_per_day=100_000)

    settings.LINKEDIN_RATE_LIMIT_ENABLED = False
    assert isinstance(get_limiter("candidates"), DisabledLimiter)

    settings.LINKEDIN_RATE_LIMIT_ENABLED = True
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    assert isinstance(get_limiter("candidates"), RedisLimiter)


def test_an_unreachable_redis_is_a_transient_error():
    limiter = RedisLimiter(
        redis_url="redis://127.0.0.1:1/0",
        family="candidates",
        limits=Limits(records_per_minute=100, requests_per_day=10),
    )

    with pytest.raises(TransientError, match="rate limiter unavailable"):
        limiter.acquire(1)


class RecordingLimiter(DisabledLimiter):
    def __init__(self) -> None:
        super().__init__(family="candidates", limits=Limits(10_000, 100_000))
        self.acquired: list[tuple[int, float | None]] = []

    def acquire(self, records: int, *, max_wait: float | None = None) -> None:
        self.acquired.append((records, max_wait))


def test_the_candidate_family_is_paced_per_request_and_record(rsps, make_client):
    limiter = RecordingLimiter()
    client = make_client(limiters={"candidates": limiter})
    add_token(rsps)
    rsps.add(responses.DELETE, f"{API}/v2/atsCandidates", status=503)
    rsps.add(responses.DELETE, f"{API}/v2/atsCandidates", status=204)
    rsps.add(responses.GET, f"{API}/v2/exportedCandidates", json={"elements": []})

    client.delete_candidates(["1", "2", "3"])
    with pytest.raises(Exception, match="no exported candidate"):
        client.get_exported_candidate("r")  # another family: not paced

    # every attempt counts against LinkedIn's budget, retries included
    assert limiter.acquired == [(3, 90.0), (3, 90.0)]


# --- Redis ---------------------------------------------------------------------------------


@pytest.fixture
def redis_limiter_factory():
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    prefix = f"test:{uuid.uuid4().hex}"

    def make(limits: Limits, clock=None, sleep=None) -> RedisLimiter:
        options = {}
        if clock is not None:
            options = {"clock": clock, "sleep": sleep or clock.sleep, "use_server_time": False}
        return RedisLimiter(
            redis_client=client, prefix=prefix, family="candidates", limits=limits, **options
        )

    yield make
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)


@needs_redis
def test_redis_limiter_keeps_a_simulated_stream_under_the_minute_budget(redis_limiter_factory):
    clock = FakeClock(START)
    limiter = redis_limiter_factory(
        Limits(records_per_minute=1_000, requests_per_day=100_000), clock
    )
    rng = random.Random(7)
    batches = [rng.choice([100, 50, 1, 99]) for _ in range(300)]

    admissions = run_stream(limiter, clock, batches)

    assert_no_window_over(admissions, 1_000)
    assert (clock.now - START) / 60 <= sum(batches) / 1_000 + 1


@needs_redis
def test_redis_limiter_waits_exactly_and_enforces_the_daily_cap(redis_limiter_factory):
    clock = FakeClock(datetime(2026, 3, 2, 23, 50, tzinfo=UTC).timestamp())
    limiter = redis_limiter_factory(Limits(records_per_minute=100, requests_per_day=3), clock)

    limiter.acquire(60)
    clock.now += 10
    limiter.acquire(60)
    assert clock.sleeps == [50.0 + MARGIN]

    limiter.acquire(1)
    with pytest.raises(RateLimitExceeded) as caught:
        limiter.acquire(1, max_wait=5)

    assert caught.value.retry_after == 540.0 - MARGIN  # 23:51:01 → midnight UTC
    limiter.acquire(1)
    assert datetime.fromtimestamp(clock.now, UTC) == datetime(2026, 3, 3, tzinfo=UTC)


@needs_redis
def test_threads_sharing_the_redis_limiter_never_overrun_it(redis_limiter_factory):
    frozen = FakeClock(START)  # no time passes: only the budget decides
    limiters = [
        redis_limiter_factory(Limits(records_per_minute=100, requests_per_day=10_000), frozen)
        for _ in range(4)
    ]
    taken: list[int] = []
    lock = threading.Lock()

    def worker(limiter) -> None:
        for _ in range(20):
            try:
                limiter.acquire(5, max_wait=0)
            except RateLimitExceeded:
                continue
            with lock:
                taken.append(5)

    threads = [threading.Thread(target=worker, args=(limiter,)) for limiter in limiters]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sum(taken) == 100


@needs_redis
def test_redis_limiter_on_the_server_clock_blocks_the_second_burst(redis_limiter_factory):
    waits: list[float] = []
    limiter = redis_limiter_factory(Limits(records_per_minute=100, requests_per_day=10_000))
    limiter.sleep = waits.append

    limiter.acquire(100)
    with pytest.raises(RateLimitExceeded) as caught:
        limiter.acquire(1, max_wait=0)

    assert 55 < caught.value.retry_after <= 60 + MARGIN
