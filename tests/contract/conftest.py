"""Contract tests: the real adapter (``tracker_rsc.linkedin``) against the real sandbox over HTTP.

The sandbox is served by pytest-django's ``live_server`` in this process, so a test can seed its
tables, inject faults and read its call log (``ApiCall``) directly, while every LinkedIn call
travels over a real socket exactly as it would in production. Nothing here sleeps: the client's
waits are recorded (``waits``), latency faults are gated (``latency_gate``) and time-based
behaviour runs on a shifted clock (``time_machine``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from django.core.cache import caches

from tests.contract.helpers import CLIENT_ID, CLIENT_SECRET, CONTRACT, ORG, VERSION
from tests.sandbox.factories import MemberFactory, SandboxContractFactory, SandboxSeatFactory
from tracker_rsc.linkedin import LinkedInClient, RetryPolicy
from tracker_rsc.sandbox import faults, views
from tracker_rsc.sandbox.models import Contract, Member, Seat


@dataclass
class World:
    """What the seeded sandbox holds: LinkedIn's side of one customer."""

    contract: Contract
    admin: Seat  # Recruiter Admin, RPS+, Hiring Assistant
    user: Seat  # a plain recruiter
    jane: Member
    omar: Member


@pytest.fixture(autouse=True)
def _fresh_token_cache(_isolated_settings) -> Iterator[None]:
    # LocMemCache outlives a test; a token cached by one test must not serve the next.
    caches["default"].clear()
    yield
    caches["default"].clear()


@pytest.fixture
def sandbox_url(live_server, settings, tmp_path) -> str:
    """Point the settings at the sandbox served by ``live_server``; returns its base URL."""
    base = f"{live_server.url}/sandbox/linkedin"
    settings.LINKEDIN_SANDBOX = True
    settings.LINKEDIN_API_URL = base
    settings.LINKEDIN_TOKEN_URL = f"{base}/oauth/v2/accessToken"
    # The sandbox issues tokens to exactly these credentials (its one customer application).
    settings.LINKEDIN_SANDBOX_CLIENT_ID = settings.LINKEDIN_CLIENT_ID = CLIENT_ID
    settings.LINKEDIN_SANDBOX_CLIENT_SECRET = settings.LINKEDIN_CLIENT_SECRET = CLIENT_SECRET
    settings.LINKEDIN_VERSION = VERSION
    settings.LINKEDIN_RETRY_ATTEMPTS = 3
    settings.LINKEDIN_RETRY_BASE_WAIT = 0.01
    settings.LINKEDIN_RETRY_MAX_WAIT = 0.05
    settings.LINKEDIN_TIMEOUT = 60  # a loaded CI machine must not turn slowness into failures
    settings.SITE_URL = live_server.url
    # The callback URLs these tests register (the sandbox calls back only under these).
    settings.LINKEDIN_SANDBOX_CALLBACK_ORIGINS = [live_server.url, "http://tracker.test"]
    settings.VAR_DIR = tmp_path  # the file limiter and token lock of get_client()
    return base


@pytest.fixture(autouse=True)
def _no_push_broker(monkeypatch) -> None:
    """The sandbox queues push deliveries for Celery; these tests deliver them on demand."""
    monkeypatch.setattr("tracker_rsc.sandbox.tasks.enqueue_delivery", lambda push_id: None)


@pytest.fixture
def world(transactional_db) -> World:
    contract = SandboxContractFactory(urn=CONTRACT, organization_urn=ORG)
    return World(
        contract=contract,
        admin=SandboxSeatFactory(
            urn="urn:li:seat:5001",
            person_urn="urn:li:person:admin1",
            role=Seat.Role.RECRUITER_ADMIN,
            product=Seat.Product.RPS_PLUS,
            hiring_assistant=True,
            contract=contract,
        ),
        user=SandboxSeatFactory(
            urn="urn:li:seat:5002", person_urn="urn:li:person:user2", contract=contract
        ),
        jane=MemberFactory(
            person_urn="urn:li:person:Xy12",
            first_name="Jane",
            last_name="Doe",
            emails=["jane@example.com"],
            phones=["+44 20 7946 0000"],
            profile_url="https://www.linkedin.com/in/jane-doe-4a1b",
        ),
        omar=MemberFactory(
            person_urn="urn:li:person:Om4r",
            first_name="Omar",
            last_name="Haddad",
            emails=["omar.haddad@example.org"],
            profile_url="https://www.linkedin.com/in/omar-haddad",
        ),
    )


@pytest.fixture
def waits() -> list[float]:
    """Every wait the clients asked for (retry backoff, Retry-After), instead of sleeping."""
    return []


@pytest.fixture
def make_client(sandbox_url, waits, tmp_path) -> Iterator[Callable[..., LinkedInClient]]:
    """``make_client(**overrides)``: a LinkedInClient on the sandbox, never really sleeping.

    Jitter returns its upper bound so that backoff waits are predictable. No limiter unless
    given (``limiters={"candidates": ...}``).
    """
    made: list[LinkedInClient] = []

    def make(**overrides: object) -> LinkedInClient:
        options: dict[str, object] = {
            "api_url": sandbox_url,
            "token_url": f"{sandbox_url}/oauth/v2/accessToken",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "version": VERSION,
            "timeout": 60.0,
            "retry": RetryPolicy(attempts=3, base_wait=0.01, max_wait=5.0),
            "organization_urn": ORG,
            "lock_dir": tmp_path,
            "sleep": waits.append,
            "jitter": lambda low, high: high,
        }
        options.update(overrides)
        client = LinkedInClient(**options)  # type: ignore[arg-type]
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def li(make_client, world) -> LinkedInClient:
    return make_client()


@pytest.fixture(autouse=True)
def slept(monkeypatch) -> list[float]:
    """Latency faults record their delay here instead of sleeping (see ``latency_gate``)."""
    delays: list[float] = []
    monkeypatch.setattr(faults, "sleep", delays.append)
    return delays


class LatencyGate:
    """Holds a latency fault's request in the server until the test opens the gate.

    A request whose latency outlives the client's timeout is then deterministic: the client
    gives up, the test opens the gate, and ``wait_answered`` returns once the sandbox has
    finished (logged) the late request, so nothing is left running in the server.
    """

    def __init__(self) -> None:
        self.opened = threading.Event()
        self.held = threading.Event()
        self.logged = threading.Event()

    def sleep(self, seconds: float) -> None:
        self.held.set()
        self.opened.wait(timeout=30)

    def release_and_wait(self) -> None:
        self.opened.set()
        assert self.logged.wait(timeout=30), "the sandbox never finished the held request"


@pytest.fixture
def latency_gate(monkeypatch) -> LatencyGate:
    gate = LatencyGate()
    monkeypatch.setattr(faults, "sleep", gate.sleep)
    original = views.call_record

    def call_record(**kwargs: object) -> None:
        original(**kwargs)
        if kwargs.get("fault") == "latency":
            gate.logged.set()

    monkeypatch.setattr(views, "call_record", call_record)
    return gate
