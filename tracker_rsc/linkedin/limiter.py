"""Pacing of a LinkedIn sync family, shared by every worker process (docs/architecture.md §4.3, §5).

LinkedIn publishes, per sync family, 10,000 records per minute and 100,000 requests per UTC day.
``acquire(records)`` blocks just as long as needed so that a bulk sync runs close to the limit and
never over it. Two budgets are kept:

- a sliding 60-second log of admitted requests and their record counts: a request is admitted
  at time ``t`` only if the records admitted in ``(t - 61 s, t]`` plus its own stay within the
  limit, so no 60-second window, wherever it starts, ever holds more than the limit, even as
  LinkedIn sees it, with calls arriving up to a second later than we admitted them
  (``ARRIVAL_MARGIN_MS``);
- a per-UTC-day request counter.

Backends: Redis (an atomic Lua script, so processes on any number of machines share one budget)
when ``REDIS_URL`` is configured, else an ``fcntl``-locked state file under ``VAR_DIR`` (every
process on this machine, which is the whole embedded deployment). The algorithm is the same in
both; ``decide`` is its pure Python form, and the Lua script mirrors it line by line.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .errors import RateLimitExceeded, TransientError

logger = logging.getLogger("tracker_rsc.linkedin")

# LinkedIn counts records per minute when calls reach it, which is a little after we admit
# them, by an amount that varies (network, server queueing). An admission is therefore held
# for a minute plus this margin: a call admitted exactly one minute after another can reach
# LinkedIn up to this much sooner, relative to it, and still not share a minute with it there.
# The cost is the margin's share of throughput (1 s in 61 s, about 1.6 %). The sandbox's
# measurement at limit (bench/linkedin_client.py) showed that without it LinkedIn's count ran
# one or two batches over the limit.
ARRIVAL_MARGIN_MS = 1_000
MINUTE_MS = 60_000
WINDOW_MS = MINUTE_MS + ARRIVAL_MARGIN_MS
DAY_MS = 86_400_000

OK, WAIT_MINUTE, WAIT_DAY = 0, 1, 2

Clock = Callable[[], float]
Sleep = Callable[[float], None]


@dataclass(frozen=True)
class Limits:
    records_per_minute: int
    requests_per_day: int


@dataclass
class WindowState:
    """Admissions in the current window, oldest first, and today's request count."""

    entries: list[tuple[int, int]] = field(default_factory=list)  # (admitted at ms, records)
    day: int = -1  # days since the epoch, UTC
    day_count: int = 0


def decide(state: WindowState, *, now_ms: int, records: int, limits: Limits) -> tuple[int, int]:
    """Admit ``records`` now (mutating ``state``) or say how long to wait.

    Returns ``(OK, 0)``, ``(WAIT_MINUTE, ms)`` or ``(WAIT_DAY, ms until the next UTC day)``.
    """
    state.entries = [entry for entry in state.entries if entry[0] > now_ms - WINDOW_MS]
    today = now_ms // DAY_MS
    day_count = state.day_count if state.day == today else 0
    if day_count + 1 > limits.requests_per_day:
        return WAIT_DAY, (today + 1) * DAY_MS - now_ms
    used = sum(count for _, count in state.entries)
    if used + records > limits.records_per_minute:
        # Wait until enough of the oldest admissions have left the window.
        excess, freed = used + records - limits.records_per_minute, 0
        for admitted_at, count in state.entries:
            freed += count
            if freed >= excess:
                return WAIT_MINUTE, max(1, admitted_at + WINDOW_MS - now_ms)
        return WAIT_MINUTE, WINDOW_MS  # unreachable while records <= limit; kept for safety
    state.entries.append((now_ms, records))
    state.day, state.day_count = today, day_count + 1
    return OK, 0


class RateLimiter:
    """``acquire(records)`` blocks until the family's budget admits one request of ``records``.

    ``clock`` (epoch seconds) and ``sleep`` are injectable so tests run on a fake clock.
    """

    def __init__(
        self,
        *,
        family: str,
        limits: Limits,
        clock: Clock = time.time,
        sleep: Sleep = time.sleep,
    ) -> None:
        self.family = family
        self.limits = limits
        self.clock = clock
        self.sleep = sleep

    def acquire(self, records: int, *, max_wait: float | None = None) -> None:
        """Take capacity for one request carrying ``records`` records, waiting if needed.

        Blocks (sleeping exactly until capacity returns) rather than failing. With ``max_wait``,
        a wait longer than that (only the daily cap needs one) raises ``RateLimitExceeded``
        with ``retry_after`` instead, and nothing is taken.
        """
        if records < 1 or records > self.limits.records_per_minute:
            raise ValueError(
                f"records must be between 1 and {self.limits.records_per_minute}, got {records}"
            )
        while True:
            code, wait_ms = self._try(records)
            if code == OK:
                return
            wait = wait_ms / 1000
            if max_wait is not None and wait > max_wait:
                raise RateLimitExceeded(
                    f"LinkedIn {self.family} budget exhausted "
                    f"({'daily requests' if code == WAIT_DAY else 'records per minute'})",
                    retry_after=wait,
                )
            logger.debug("linkedin limiter %s: waiting %.3f s", self.family, wait)
            self.sleep(wait)

    def _now_ms(self) -> int:
        return int(self.clock() * 1000)

    def _try(self, records: int) -> tuple[int, int]:
        raise NotImplementedError


class DisabledLimiter(RateLimiter):
    """``LINKEDIN_RATE_LIMIT_ENABLED=False`` (benchmarks against the sandbox): never waits."""

    def acquire(self, records: int, *, max_wait: float | None = None) -> None:
        return None


class MemoryLimiter(RateLimiter):
    """One process only (a single-process script or a test): the state lives in memory."""

    def __init__(
        self, *, family: str, limits: Limits, clock: Clock = time.time, sleep: Sleep = time.sleep
    ) -> None:
        super().__init__(family=family, limits=limits, clock=clock, sleep=sleep)
        self.state = WindowState()

    def _try(self, records: int) -> tuple[int, int]:
        return decide(self.state, now_ms=self._now_ms(), records=records, limits=self.limits)


class FileLimiter(RateLimiter):
    """Every process on this machine: state in a JSON file, updated under an exclusive flock."""

    def __init__(
        self,
        *,
        directory: Path,
        family: str,
        limits: Limits,
        clock: Clock = time.time,
        sleep: Sleep = time.sleep,
    ) -> None:
        super().__init__(family=family, limits=limits, clock=clock, sleep=sleep)
        directory.mkdir(parents=True, exist_ok=True)
        self.state_path = directory / f"{self.family}.json"
        self.lock_path = directory / f"{self.family}.lock"

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        with open(self.lock_path, "a+b") as lock_file:
            fcntl.flock(lock_file.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock_file.fileno(), fcntl.LOCK_UN)

    def _load(self) -> WindowState:
        try:
            data = json.loads(self.state_path.read_text())
            return WindowState(
                entries=[(int(at), int(count)) for at, count in data["entries"]],
                day=int(data["day"]),
                day_count=int(data["day_count"]),
            )
        except FileNotFoundError:
            return WindowState()
        except (ValueError, KeyError, TypeError):
            # A torn or foreign file: start a fresh window rather than wedge every worker.
            # os.replace below makes torn writes impossible short of disk corruption.
            logger.warning("linkedin limiter %s: unreadable state file reset", self.family)
            return WindowState()

    def _save(self, state: WindowState) -> None:
        temp = self.state_path.with_suffix(f".{os.getpid()}.tmp")
        temp.write_text(
            json.dumps({"entries": state.entries, "day": state.day, "day_count": state.day_count})
        )
        os.replace(temp, self.state_path)

    def _try(self, records: int) -> tuple[int, int]:
        with self._locked():
            state = self._load()
            result = decide(state, now_ms=self._now_ms(), records=records, limits=self.limits)
            if result[0] == OK:
                self._save(state)
            return result


# KEYS[1]: sorted set of admissions (score = ms, member = "<records>:<unique id>")
# KEYS[2]: hash {day, count}
# ARGV: records, records_per_minute, requests_per_day, window_ms, unique id, now_ms ("" = TIME)
# Redis runs the script atomically, so concurrent workers on any machine see one budget; the
# server's clock is used unless a test injects one, so machines with skewed clocks agree.
_REDIS_SCRIPT = """
local records = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local daily = tonumber(ARGV[3])
local window = tonumber(ARGV[4])
local now
if ARGV[6] ~= '' then
  now = tonumber(ARGV[6])
else
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local today = math.floor(now / 86400000)
local stored = redis.call('HMGET', KEYS[2], 'day', 'count')
local count = 0
if tonumber(stored[1]) == today then count = tonumber(stored[2]) or 0 end
if count + 1 > daily then
  return {2, (today + 1) * 86400000 - now}
end
local entries = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
local used = 0
for i = 1, #entries, 2 do
  used = used + tonumber(string.match(entries[i], '^(%d+):'))
end
if used + records > limit then
  local excess = used + records - limit
  local freed = 0
  for i = 1, #entries, 2 do
    freed = freed + tonumber(string.match(entries[i], '^(%d+):'))
    if freed >= excess then
      return {1, math.max(1, tonumber(entries[i + 1]) + window - now)}
    end
  end
  return {1, window}
end
redis.call('ZADD', KEYS[1], now, records .. ':' .. ARGV[5])
redis.call('PEXPIRE', KEYS[1], window * 2)
redis.call('HSET', KEYS[2], 'day', today, 'count', count + 1)
redis.call('PEXPIRE', KEYS[2], 2 * 86400000)
return {0, 0}
"""

_redis_clients: dict[str, object] = {}


def _redis_client(url: str) -> object:
    # One connection pool per process and URL, shared by every client instance.
    if url not in _redis_clients:
        import redis

        _redis_clients[url] = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
    return _redis_clients[url]


class RedisLimiter(RateLimiter):
    """Every process on every machine: an atomic Lua sliding-window log in Redis."""

    def __init__(
        self,
        *,
        family: str,
        limits: Limits,
        redis_url: str = "",
        redis_client: object | None = None,
        prefix: str = "tracker_rsc:linkedin:ratelimit",
        use_server_time: bool = True,
        clock: Clock = time.time,
        sleep: Sleep = time.sleep,
    ) -> None:
        super().__init__(family=family, limits=limits, clock=clock, sleep=sleep)
        self.redis = redis_client or _redis_client(redis_url)
        self.keys = [f"{prefix}:{self.family}:window", f"{prefix}:{self.family}:day"]
        self.use_server_time = use_server_time
        self.script = self.redis.register_script(_REDIS_SCRIPT)  # type: ignore[attr-defined]

    def _try(self, records: int) -> tuple[int, int]:
        import redis

        now = "" if self.use_server_time else str(self._now_ms())
        args = [
            records,
            self.limits.records_per_minute,
            self.limits.requests_per_day,
            WINDOW_MS,
            uuid.uuid4().hex,
            now,
        ]
        try:
            code, wait_ms = self.script(keys=self.keys, args=args)
        except redis.RedisError as exc:
            # Without the shared budget we cannot promise to stay under LinkedIn's limits.
            raise TransientError(f"LinkedIn rate limiter unavailable: {exc}") from exc
        return int(code), int(wait_ms)

    def reset(self) -> None:
        """Forget the family's budget (tests and operators after a limit change)."""
        self.redis.delete(*self.keys)  # type: ignore[attr-defined]


def get_limiter(
    family: str = "candidates", *, clock: Clock = time.time, sleep: Sleep = time.sleep
) -> RateLimiter:
    """The limiter for a sync family, chosen by settings (see the module docstring)."""
    from django.conf import settings

    limits = Limits(
        records_per_minute=settings.LINKEDIN_RECORDS_PER_MINUTE,
        requests_per_day=settings.LINKEDIN_REQUESTS_PER_DAY,
    )
    common = {"family": family, "limits": limits, "clock": clock, "sleep": sleep}
    if not settings.LINKEDIN_RATE_LIMIT_ENABLED:
        return DisabledLimiter(**common)
    if settings.REDIS_URL:
        return RedisLimiter(redis_url=settings.REDIS_URL, **common)
    return FileLimiter(directory=Path(settings.VAR_DIR) / "linkedin-ratelimit", **common)
