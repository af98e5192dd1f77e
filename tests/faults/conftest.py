"""Fault injection with real processes: a ``celery worker`` subprocess, a private Redis, and the
LinkedIn sandbox served over HTTP by ``live_server``, all against PostgreSQL.

- ``private_redis``: a ``redis-server`` of the test's own on a free port (never the shared
  6379), so killing and restarting it touches nothing else; the test process publishes to it.
- ``worker``: starts a real ``celery worker`` (Tracker's app, see worker_app.py) against that
  Redis and the test database, with a short visibility timeout and restore interval so that
  unacknowledged work of a killed worker comes back in seconds, and kills it with SIGKILL:
  its pool child or its main process.
- ``export_world``: Tracker enabled, a requisition, the recruiter's seat, and LinkedIn's side in
  the sandbox (contract, seat, synced job, members), ready for ``export(...)`` pushes.

Every bound below is a ceiling for polling, never an assertion about speed.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from tests.syncjobs.linkedin_fakes import (  # noqa: F401
    ORG,
    SECRET,
    no_sandbox_broker,
    push_body,
    sandbox_linkedin,
    signed_headers,
)

REDIS_URL = os.environ.get("REDIS_URL", "")
WORKER_READY_SECONDS = 90
# Redelivery of a killed worker's unacknowledged task: Redis restores it after this long.
VISIBILITY_TIMEOUT = 4
EXPORT = "EXPORT_CANDIDATE_PROFILE"


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    reason = None
    if not REDIS_URL:
        reason = "fault tests need Redis: set REDIS_URL (e.g. redis://127.0.0.1:6379/5)"
    elif not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        reason = (
            "fault tests need PostgreSQL shared with a worker process: set DATABASE_URL "
            "(e.g. postgres://postgres@127.0.0.1:5432/test)"
        )
    elif shutil.which("redis-server") is None:
        reason = "fault tests start a private redis-server; none is on PATH"
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.worker)
            if reason:
                item.add_marker(pytest.mark.skip(reason=reason))


def wait_for(predicate: Callable[[], Any], *, timeout: float, what: str, log: Path | None = None):
    """Poll ``predicate`` until it is truthy (bounded); fail naming ``what`` otherwise."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            tail = f"\n--- worker log ---\n{log.read_text()[-5000:]}" if log else ""
            pytest.fail(f"timed out after {timeout} s waiting for {what}{tail}")
        time.sleep(0.1)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class PrivateRedis:
    """A throwaway redis-server; ``stop()``/``start()`` keep the same port (a restart)."""

    directory: Path
    port: int = field(default_factory=_free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        import redis

        client = redis.Redis.from_url(self.url)
        wait_for(lambda: _pings(client), timeout=20, what="the private redis-server")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=20)


def _pings(client) -> bool:
    import redis

    try:
        return bool(client.ping())
    except redis.RedisError:
        return False


@pytest.fixture
def private_redis(tmp_path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(directory=tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def broker(private_redis, settings) -> Iterator[PrivateRedis]:
    """Point this process's Celery app (what the callback publishes with) at the private Redis."""
    from tracker_rsc.celery import app

    saved_url, saved_options = app.conf.broker_url, app.conf.broker_transport_options

    def reset_pools() -> None:
        app._pool = None
        app.__dict__.get("amqp") and setattr(app.amqp, "_producer_pool", None)

    app.conf.broker_url = private_redis.url
    app.conf.broker_transport_options = {
        "visibility_timeout": VISIBILITY_TIMEOUT,
        "socket_timeout": 2,
        "socket_connect_timeout": 2,
    }
    reset_pools()
    yield private_redis
    app.conf.broker_url, app.conf.broker_transport_options = saved_url, saved_options
    reset_pools()


@dataclass
class Worker:
    """A real ``celery worker`` process (prefork, one pool child) in its own process group."""

    env: dict[str, str]
    cwd: Path
    log: Path
    process: subprocess.Popen | None = None
    starts: int = 0

    def start(self) -> None:
        self.starts += 1
        with self.log.open("a") as log:
            log.write(f"\n===== start {self.starts} =====\n")
            log.flush()
            self.process = subprocess.Popen(
                [
                    str(Path(sys.executable).with_name("celery")),
                    "-A",
                    "tests.faults.worker_app",
                    "worker",
                    "-l",
                    "info",
                    "-n",
                    f"faults{self.starts}-{os.getpid()}@%h",
                    "--concurrency",
                    "1",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                ],
                cwd=self.cwd,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        marker = f"===== start {self.starts} ====="

        def ready() -> bool:
            if self.process.poll() is not None:
                pytest.fail(f"worker exited ({self.process.returncode}):\n{self.text()[-5000:]}")
            return "ready." in self.text().split(marker, 1)[-1]

        wait_for(ready, timeout=WORKER_READY_SECONDS, what="the worker to be ready", log=self.log)

    def text(self) -> str:
        return self.log.read_text()

    def pool_children(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in children.read_text().split()]
        except FileNotFoundError:  # the main process is gone
            return []

    def pool_child(self) -> int:
        pids = self.pool_children()
        assert len(pids) == 1, f"expected one pool child, found {pids}"
        return pids[0]

    def kill_child(self) -> int:
        """SIGKILL the pool process running the task; the main process lives on."""
        pid = self.pool_child()
        os.kill(pid, signal.SIGKILL)
        return pid

    def kill_main(self) -> None:
        """SIGKILL the main process only (its orphaned pool child is left to itself)."""
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=20)

    def stop(self) -> None:
        """Kill the whole process group (main and children) and reap it."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=20)


@pytest.fixture
def worker(broker, sandbox_linkedin, settings, tmp_path) -> Iterator[Worker]:  # noqa: F811
    database = connection.settings_dict
    user = database["USER"] or "postgres"
    password = f":{database['PASSWORD']}" if database["PASSWORD"] else ""
    host = database["HOST"] or "127.0.0.1"
    port = database["PORT"] or "5432"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE",)}
    env.update(
        DATABASE_URL=f"postgres://{user}{password}@{host}:{port}/{database['NAME']}",
        CONN_MAX_AGE="0",
        REDIS_URL=broker.url,
        CELERY_BROKER_URL=broker.url,
        CELERY_VISIBILITY_TIMEOUT=str(VISIBILITY_TIMEOUT),
        # Below the visibility timeout, as in production; the soft limit just under it.
        CELERY_TASK_TIME_LIMIT="60",
        CELERY_TASK_SOFT_TIME_LIMIT="55",
        TRACKER_VAR_DIR=str(tmp_path / "worker-var"),
        LINKEDIN_API_URL=settings.LINKEDIN_API_URL,
        LINKEDIN_TOKEN_URL=settings.LINKEDIN_TOKEN_URL,
        LINKEDIN_CLIENT_ID=settings.LINKEDIN_CLIENT_ID,
        LINKEDIN_CLIENT_SECRET=settings.LINKEDIN_CLIENT_SECRET,
        LINKEDIN_SANDBOX_CLIENT_ID=settings.LINKEDIN_SANDBOX_CLIENT_ID,
        LINKEDIN_SANDBOX_CLIENT_SECRET=settings.LINKEDIN_SANDBOX_CLIENT_SECRET,
        LINKEDIN_SANDBOX="on",
        LINKEDIN_RETRY_ATTEMPTS="2",
        LINKEDIN_RETRY_BASE_WAIT="0.05",
        LINKEDIN_RETRY_MAX_WAIT="0.2",
        LINKEDIN_TIMEOUT="30",
        SITE_URL=settings.SITE_URL,
        # The sandbox exists only with DEBUG on (a DEBUG-off start with it on is refused).
        DEBUG="on",
        SECRET_KEY="fault-tests-secret-key-not-for-production-0123456789",
    )
    process = Worker(env=env, cwd=Path(settings.BASE_DIR), log=tmp_path / "worker.log")
    yield process
    process.stop()


@dataclass
class ExportWorld:
    integration: Any
    requisition: Any
    seat: Any
    members: list[str]
    client: Client = field(default_factory=Client)

    def export(self, person_urn: str, email: str) -> str:
        """A recruiter exports ``person_urn`` on LinkedIn (sandbox); returns the request id."""
        from tracker_rsc.sandbox import services

        record = services.export_create(
            seat_urn="urn:li:seat:5001",
            person_urn=person_urn,
            job_id=str(self.requisition.pk),
            email=email,
        )
        return record.request_id

    def deliver(self, request_id: str) -> int:
        """LinkedIn pushes the notification to Tracker's callback (signed); the HTTP status."""
        body = push_body(EXPORT, request_id)
        response = self.client.post(
            self.integration.callback_path,
            body,
            content_type="application/json",
            **signed_headers(body, SECRET),
        )
        return response.status_code


@pytest.fixture
def export_world(sandbox_linkedin, no_sandbox_broker) -> ExportWorld:  # noqa: F811
    from candidates.services import quick_skill_create
    from tests.requisitions.factories import RequisitionFactory
    from tests.sandbox.factories import MemberFactory, SandboxContractFactory, SandboxSeatFactory
    from tests.tracker_rsc.factories import LinkedInSeatFactory, enabled_integration
    from tracker_rsc.sandbox.models import JobPosting, SandboxSettings

    integration = enabled_integration(ORG)
    requisition = RequisitionFactory(title="Data Engineer")
    seat = LinkedInSeatFactory(seat_urn="urn:li:seat:5001")
    quick_skill_create(name="Python")
    contract = SandboxContractFactory(urn="urn:li:contract:100", organization_urn=ORG)
    SandboxSeatFactory(urn="urn:li:seat:5001", contract=contract)
    members = []
    for index, (first, last) in enumerate(
        [("Ada", "Lovelace"), ("Grace", "Hopper"), ("Alan", "Turing"), ("Edsger", "Dijkstra")]
    ):
        urn = f"urn:li:person:F{index}"
        MemberFactory(
            person_urn=urn,
            first_name=first,
            last_name=last,
            profile_url=f"https://www.linkedin.com/in/{first.lower()}-{last.lower()}",
            skills=["Python", "Compilers"],
        )
        members.append(urn)
    JobPosting.objects.create(
        integration_context=ORG,
        external_job_posting_id=str(requisition.pk),
        title=requisition.title,
        state="LISTED",
    )
    SandboxSettings.objects.update_or_create(singleton=True, defaults={"push_timeout_seconds": 60})
    return ExportWorld(integration=integration, requisition=requisition, seat=seat, members=members)
