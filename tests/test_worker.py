"""The Celery wiring end to end: a real worker process executes a task sent through Redis.

Also the ``smoke_worker`` command's own logic (timeouts, a broker that refuses), which needs
no worker. Everything else calls tasks as plain functions (STYLE §9).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from io import StringIO
from pathlib import Path
from unittest import mock

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from kombu.exceptions import OperationalError

from tracker_rsc.celery import app as celery_app
from tracker_rsc.celery import smoke, smoke_key

REDIS_URL = os.environ.get("REDIS_URL", "")
# Bounds, not sleeps: a worker is usually ready in a few seconds and runs the task at once.
WORKER_READY_SECONDS = 90
TASK_RUN_SECONDS = 30


# --- smoke_worker without a worker ----------------------------------------------------------


def run_inline(*, args, queue=None, **kwargs):
    """Stand-in for the broker + worker: execute the task body right away."""
    smoke.run(*args)


def test_smoke_worker_succeeds_when_the_task_runs():
    out = StringIO()

    with mock.patch.object(smoke, "apply_async", side_effect=run_inline) as send:
        call_command("smoke_worker", "--timeout", "5", stdout=out)

    token = send.call_args.kwargs["args"][0]
    assert "executed the smoke task" in out.getvalue()
    assert f"pid {os.getpid()}" in out.getvalue()
    assert cache.get(smoke_key(token)) is None  # it cleans up after itself


def test_smoke_worker_fails_clearly_when_no_worker_runs_the_task():
    with (
        mock.patch.object(smoke, "apply_async") as send,
        pytest.raises(CommandError, match=r"No worker executed the smoke task within 0\.5 s"),
    ):
        call_command("smoke_worker", "--timeout", "0.5", stdout=StringIO())

    assert send.call_count == 1


def test_smoke_worker_fails_clearly_when_the_broker_refuses():
    refused = OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
    with (
        mock.patch.object(smoke, "apply_async", side_effect=refused),
        pytest.raises(CommandError, match="Could not send the smoke task to the broker"),
    ):
        call_command("smoke_worker", stdout=StringIO())


def test_smoke_worker_rejects_a_non_positive_timeout():
    with pytest.raises(CommandError, match="--timeout must be a positive"):
        call_command("smoke_worker", "--timeout", "0", stdout=StringIO())


def test_smoke_task_refuses_a_malformed_token():
    with pytest.raises(ValueError, match="32 hex characters"):
        smoke.run("../../etc/passwd")


# --- A real worker against Redis ------------------------------------------------------------


def stop(process: subprocess.Popen) -> None:
    """Warm shutdown (SIGTERM) of the worker's process group; SIGKILL if it lingers."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=20)


def wait_until_ready(process: subprocess.Popen, log_path: Path) -> None:
    """Block until the worker logs "ready." (bounded); fail with its log if it dies or stalls."""
    deadline = time.monotonic() + WORKER_READY_SECONDS
    while "ready." not in log_path.read_text():
        if process.poll() is not None:
            pytest.fail(
                f"the worker exited ({process.returncode}):\n{log_path.read_text()[-4000:]}"
            )
        if time.monotonic() > deadline:
            pytest.fail(
                f"the worker was not ready within {WORKER_READY_SECONDS} s:\n"
                f"{log_path.read_text()[-4000:]}"
            )
        time.sleep(0.2)  # polling the worker's log: it offers nothing to wait on


@pytest.mark.worker
@pytest.mark.skipif(
    not REDIS_URL, reason="needs Redis: set REDIS_URL (e.g. redis://127.0.0.1:6379/5)"
)
@pytest.mark.skipif(
    not celery_app.conf.broker_url.startswith("redis"),
    reason="CELERY_BROKER_URL overrides REDIS_URL; this test drives the Redis broker",
)
def test_real_worker_executes_a_task_sent_through_redis(settings, tmp_path):
    import redis

    # Its own queue: nothing else a test publishes can reach this worker, and vice versa.
    queue = f"test-worker-{uuid.uuid4().hex[:12]}"
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
    env = {
        k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "DATABASE_URL")
    }
    env.update(TRACKER_VAR_DIR=str(tmp_path / "var"), REDIS_URL=REDIS_URL)
    env.pop("CELERY_BROKER_URL", None)
    log_path = tmp_path / "worker.log"
    celery_bin = Path(sys.executable).with_name("celery")
    with log_path.open("w") as log:
        worker = subprocess.Popen(
            [
                str(celery_bin),
                "-A",
                "tracker_rsc",
                "worker",
                "-l",
                "info",
                "-Q",
                queue,
                "-n",
                f"{queue}@%h",
                "--concurrency",
                "1",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so stop() reaches the pool too
        )
    out = StringIO()
    try:
        wait_until_ready(worker, log_path)
        call_command(
            "smoke_worker", "--queue", queue, "--timeout", str(TASK_RUN_SECONDS), stdout=out
        )
    except CommandError as exc:
        pytest.fail(f"{exc}\n--- worker log ---\n{log_path.read_text()[-4000:]}")
    finally:
        stop(worker)
        client = redis.Redis.from_url(REDIS_URL)
        client.delete(queue, f"_kombu.binding.{queue}")

    assert "executed the smoke task" in out.getvalue()
    # It ran in the worker's pool process, not here.
    assert f"pid {os.getpid()})" not in out.getvalue()
    assert worker.returncode is not None
    assert "ready." in log_path.read_text()
