"""One celery beat at a time: a second scheduler stands by, then takes over (tracker_rsc.beat)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from celery.beat import PersistentScheduler
from django.conf import settings

from tracker_rsc import beat
from tracker_rsc.celery import app as celery_app

REDIS_URL = os.environ.get("REDIS_URL", "")
requires_redis = pytest.mark.skipif(
    not REDIS_URL, reason="needs Redis: set REDIS_URL (e.g. redis://127.0.0.1:6379/5)"
)


def closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- File lock (embedded default) -----------------------------------------------------------


def test_file_lock_second_stands_by_until_the_first_releases(tmp_path):
    path = str(tmp_path / "celerybeat.lock")
    first, second = beat._FileLock(path), beat._FileLock(path)

    assert first.hold() is True
    assert second.hold() is False
    assert first.hold() is True  # renewing the held lock is a no-op
    first.release()
    assert second.hold() is True
    assert first.hold() is False
    second.release()


def test_file_lock_is_freed_when_the_holder_process_dies(tmp_path):
    path = str(tmp_path / "celerybeat.lock")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from tracker_rsc.beat import _FileLock; "
            f"assert _FileLock({path!r}).hold(); print('held', flush=True); sys.stdin.read()",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        standby = beat._FileLock(path)
        assert standby.hold() is False

        holder.kill()  # a crash: no release, the kernel drops the flock
        holder.wait(timeout=30)

        assert standby.hold() is True
        standby.release()
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait(timeout=30)


# --- The scheduler itself -------------------------------------------------------------------


@pytest.fixture
def fired(settings, tmp_path, monkeypatch) -> list:
    """Schedulers on the file lock; the parent's tick records who fired instead of sending."""
    settings.REDIS_URL = ""
    settings.BEAT_LOCK_FILE = str(tmp_path / "celerybeat.lock")
    calls: list = []

    def parent_tick(self, *args, **kwargs) -> float:
        calls.append(self)
        return 300.0

    monkeypatch.setattr(PersistentScheduler, "tick", parent_tick)
    return calls


def make_scheduler(tmp_path: Path, name: str) -> beat.SingleBeatScheduler:
    return beat.SingleBeatScheduler(app=celery_app, schedule_filename=str(tmp_path / name))


def test_only_the_lock_holder_fires_and_the_standby_takes_over(fired, tmp_path):
    first = make_scheduler(tmp_path, "first-schedule")
    second = make_scheduler(tmp_path, "second-schedule")
    try:
        # The holder fires and wakes up in time to renew its lock.
        assert first.tick() == beat.LOCK_TTL_SECONDS / 3
        assert second.tick() == beat.STANDBY_RECHECK_SECONDS
        assert first.tick() == beat.LOCK_TTL_SECONDS / 3
        assert fired == [first, first]

        first.close()  # a clean shutdown releases the lock

        assert second.tick() == beat.LOCK_TTL_SECONDS / 3
        assert fired == [first, first, second]
    finally:
        second.close()


# --- Redis lock (production) ----------------------------------------------------------------


@pytest.fixture
def redis_key():
    import redis

    key = f"tracker_rsc:test-beat-lock:{uuid.uuid4().hex}"
    yield key
    redis.Redis.from_url(REDIS_URL).delete(key)


@requires_redis
def test_redis_lock_second_stands_by_until_the_first_releases(redis_key):
    first = beat._RedisLock(REDIS_URL, key=redis_key)
    second = beat._RedisLock(REDIS_URL, key=redis_key)

    assert first.hold() is True
    assert second.hold() is False
    assert first.hold() is True  # renewal by the holder
    first.release()
    assert second.hold() is True
    assert first.hold() is False


@requires_redis
def test_redis_lock_lapses_when_its_holder_stops_renewing(redis_key):
    first = beat._RedisLock(REDIS_URL, key=redis_key)
    second = beat._RedisLock(REDIS_URL, key=redis_key)
    assert first.hold() is True
    assert 0 < first.client.pttl(redis_key) <= beat.LOCK_TTL_SECONDS * 1000

    # The holder dies without releasing: make its time-to-live run out now.
    first.client.pexpire(redis_key, 1)
    deadline = time.monotonic() + 5
    while first.client.exists(redis_key) and time.monotonic() < deadline:
        time.sleep(0.01)  # waiting for Redis's own expiry; there is nothing to await

    assert second.hold() is True
    assert first.hold() is False  # the old holder, back, now stands by


def test_redis_lock_stands_by_when_redis_is_unreachable():
    lock = beat._RedisLock(f"redis://127.0.0.1:{closed_port()}/0", key="tracker_rsc:unreachable")

    assert lock.hold() is False
    lock.release()  # never raises: the time-to-live frees it anyway


def test_make_beat_lock_follows_redis_url(settings, tmp_path):
    settings.REDIS_URL = ""
    settings.BEAT_LOCK_FILE = str(tmp_path / "celerybeat.lock")
    assert isinstance(beat.make_beat_lock(), beat._FileLock)

    settings.REDIS_URL = f"redis://127.0.0.1:{closed_port()}/0"
    assert isinstance(beat.make_beat_lock(), beat._RedisLock)
