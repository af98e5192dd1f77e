"""A Celery beat scheduler of which exactly one instance fires at a time.

A second ``celery beat`` (a deploy overlap, a second machine) stands by instead of firing the
schedule twice: each tick first takes or renews a lock. With Redis the lock is a key with a
time-to-live, renewed every tick, so a dead scheduler's lock lapses and a standby takes over.
In the embedded default (one machine, filesystem broker) it is an ``flock`` on a file, which the
kernel releases when the process dies.
"""

from __future__ import annotations

import fcntl
import logging
import os
import uuid
from typing import Any

from celery.beat import PersistentScheduler
from django.conf import settings

logger = logging.getLogger(__name__)

LOCK_TTL_SECONDS = 60
STANDBY_RECHECK_SECONDS = 5.0


class _RedisLock:
    def __init__(self, url: str, key: str = "tracker_rsc:beat-lock") -> None:
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        self.key = key
        self.token = uuid.uuid4().hex

    def hold(self) -> bool:
        """Take the lock or renew it; False while another scheduler holds it."""
        script = """
        local v = redis.call('GET', KEYS[1])
        if v == false then
            redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]); return 1
        elseif v == ARGV[1] then
            redis.call('PEXPIRE', KEYS[1], ARGV[2]); return 1
        end
        return 0
        """
        try:
            return bool(self.client.eval(script, 1, self.key, self.token, LOCK_TTL_SECONDS * 1000))
        except Exception:  # Redis down: firing blind could double-fire; stand by instead.
            logger.warning("beat lock: Redis unavailable, standing by", exc_info=True)
            return False

    def release(self) -> None:
        script = "if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end"
        try:
            self.client.eval(script, 1, self.key, self.token)
        except Exception:  # the TTL frees it anyway
            logger.debug("beat lock release failed", exc_info=True)


class _FileLock:
    def __init__(self, path: str) -> None:
        self.path = path
        self.fd: int | None = None

    def hold(self) -> bool:
        if self.fd is not None:
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self.fd = fd
        return True

    def release(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def make_beat_lock() -> _RedisLock | _FileLock:
    if settings.REDIS_URL:
        return _RedisLock(settings.REDIS_URL)
    return _FileLock(settings.BEAT_LOCK_FILE)


class SingleBeatScheduler(PersistentScheduler):
    """PersistentScheduler that only fires while it holds the beat lock."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._beat_lock = make_beat_lock()
        self._was_leader = False
        super().__init__(*args, **kwargs)

    def tick(self, *args: Any, **kwargs: Any) -> float:
        if not self._beat_lock.hold():
            if self._was_leader:
                logger.warning("beat lock lost; standing by")
            self._was_leader = False
            return STANDBY_RECHECK_SECONDS
        if not self._was_leader:
            logger.info("beat lock taken; this scheduler fires the schedule")
            self._was_leader = True
        # Wake up often enough to renew the lock well before it lapses.
        return min(super().tick(*args, **kwargs), LOCK_TTL_SECONDS / 3)

    def close(self) -> None:
        super().close()
        self._beat_lock.release()
