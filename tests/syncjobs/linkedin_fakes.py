"""Test doubles for the notification and intake tests: a fake LinkedIn client and payload builders.

The fake stands in for ``get_client()`` through ``inject_linkedin`` (the one seam every
LinkedIn fake uses), so unit tests exercise Tracker's logic without any network; the sandbox
tests (end to end, stub paging, faults) use the real adapter over HTTP instead.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar, cast

import pytest
from django.conf import settings

from tracker_rsc.linkedin import (
    ExportedCandidate,
    IntegrationStatus,
    LinkedInAPI,
    MailStub,
    MemberProfile,
    PayloadError,
    TransientError,
    Unreadable,
    client_override,
)
from tracker_rsc.linkedin.signatures import SIGNATURE_HEADER, signature_header

ORG = "urn:li:organization:2414183"
SECRET = "test-client-secret"

T = TypeVar("T")


def profile(**overrides: Any) -> MemberProfile:
    values: dict[str, Any] = {
        "person_urn": "urn:li:person:Xy12",
        "profile_url": "https://www.linkedin.com/in/jane-doe-4a1b",
        "first_name": "Jane",
        "last_name": "Doe",
        "emails": ["jane@example.com"],
        "headline": "Senior Data Engineer",
        "location": "London, United Kingdom",
        "current_employer_names": ["Acme"],
        "years_of_experience": "9",
        "skills": ["Python", "Apache Spark", "SQL"],
        "positions": [
            {
                "title": "Senior Data Engineer",
                "companyName": "Acme",
                "startedOn": {"year": 2021, "month": 3},
            }
        ],
        "educations": [],
        "phones": [],
    }
    values.update(overrides)
    return MemberProfile(**values)


def exported(
    request_id: str,
    *,
    job_id: str | int,
    member: MemberProfile | None = None,
    organization: str = ORG,
    exporter: str | None = "urn:li:seat:5001",
) -> ExportedCandidate:
    return ExportedCandidate(
        request_id=request_id,
        integration_context=organization,
        exporter_seat_urn=exporter,
        job_id=str(job_id),
        profile=member or profile(),
    )


def stub(
    stub_id: str, *, created_at: datetime, member: MemberProfile | None = None, **kw: Any
) -> MailStub:
    return MailStub(
        id=stub_id,
        contract_urn=kw.get("contract_urn", "urn:li:contract:100"),
        owner_seat_urn=kw.get("owner_seat_urn", "urn:li:seat:5001"),
        created_at=created_at,
        profile=member or profile(skills=[], positions=[]),
    )


@dataclass
class FakeLinkedIn:
    """Answers what a test put in; an Exception value is raised instead of returned."""

    exports: dict[str, Any] = field(default_factory=dict)
    statuses: dict[str, Any] = field(default_factory=dict)
    stubs: list[MailStub] = field(default_factory=list)
    stub_failure: Exception | None = None
    # Elements of the window the adapter cannot read: yielded when tolerated, else raised.
    unreadable_stubs: list[Unreadable] = field(default_factory=list)
    calls: list[tuple[str, Any]] = field(default_factory=list)

    def get_exported_candidate(self, request_id: str) -> ExportedCandidate:
        self.calls.append(("get_exported_candidate", request_id))
        value = self.exports[request_id]
        if isinstance(value, list):  # a sequence of answers, one per call
            value = value.pop(0) if len(value) > 1 else value[0]
        if isinstance(value, Exception):
            raise value
        return value

    def get_integration_status(self, request_id: str) -> IntegrationStatus:
        self.calls.append(("get_integration_status", request_id))
        value = self.statuses[request_id]
        if isinstance(value, Exception):
            raise value
        return value

    def iter_mail_stubs(
        self, contract_urn: str, start: datetime, end: datetime, *, tolerate_malformed=False
    ) -> Iterator[MailStub]:
        self.calls.append(("iter_mail_stubs", (contract_urn, start, end)))
        for item in sorted(self.stubs, key=lambda s: s.created_at):
            if item.contract_urn == contract_urn and start <= item.created_at < end:
                yield item
        for unreadable in self.unreadable_stubs:
            if not tolerate_malformed:
                raise PayloadError(unreadable.error)
            yield unreadable
        if self.stub_failure is not None:
            raise self.stub_failure


def inject_linkedin(fake: T) -> Iterator[T]:
    """Yield ``fake`` while every flow's ``get_client()`` returns it: the one seam for tests.

    The fakes implement only the calls their flows make, hence the cast to the Protocol.
    """
    with client_override(cast(LinkedInAPI, fake)):
        yield fake


@pytest.fixture
def fake_linkedin() -> Iterator[FakeLinkedIn]:
    yield from inject_linkedin(FakeLinkedIn())


@pytest.fixture
def linkedin_secret(settings) -> str:
    settings.LINKEDIN_CLIENT_SECRET = SECRET
    return SECRET


@pytest.fixture
def published(monkeypatch) -> list[tuple[str, tuple]]:
    """Record what would have gone to the broker (the tests call the task functions)."""
    sent: list[tuple[str, tuple]] = []

    def fake_publish(task: Any, *args: Any, **kwargs: Any) -> bool:
        sent.append((task.name, args))
        return True

    monkeypatch.setattr("syncjobs.enqueue.publish", fake_publish)
    monkeypatch.setattr("syncjobs.notifications.publish", fake_publish)
    return sent


def push_body(event_type: str, request_id: str, **extra: Any) -> bytes:
    return json.dumps({"type": event_type, "id": request_id, **extra}).encode()


def signed_headers(body: bytes, secret: str | None = None) -> dict[str, str]:
    return {
        f"HTTP_{SIGNATURE_HEADER.upper().replace('-', '_')}": signature_header(
            body, secret or settings.LINKEDIN_CLIENT_SECRET
        )
    }


def transient(message: str = "Service Unavailable") -> TransientError:
    return TransientError(message, status=503)


@pytest.fixture
def sandbox_linkedin(live_server, settings) -> str:
    """Point the real adapter at the sandbox served by ``live_server`` (real HTTP both ways).

    Retries are quick so that injected faults cost milliseconds; SITE_URL makes the callback
    URL reachable for the sandbox's pushes. Returns the sandbox's base URL.
    """
    base = f"{live_server.url}/sandbox/linkedin"
    settings.LINKEDIN_API_URL = base
    settings.LINKEDIN_TOKEN_URL = f"{base}/oauth/v2/accessToken"
    # The sandbox's own registered app, and Tracker's settings for LinkedIn that match it.
    settings.LINKEDIN_SANDBOX_CLIENT_ID = settings.LINKEDIN_CLIENT_ID = "test-client"
    settings.LINKEDIN_SANDBOX_CLIENT_SECRET = settings.LINKEDIN_CLIENT_SECRET = SECRET
    settings.LINKEDIN_RETRY_ATTEMPTS = 2
    settings.LINKEDIN_RETRY_BASE_WAIT = 0.01
    settings.LINKEDIN_RETRY_MAX_WAIT = 0.05
    settings.LINKEDIN_TIMEOUT = 300  # a loaded CI machine must not turn slowness into failures
    settings.SITE_URL = live_server.url
    return base


@pytest.fixture
def no_sandbox_broker(monkeypatch) -> None:
    """The sandbox queues push deliveries for its Celery task; tests deliver them on demand."""
    monkeypatch.setattr("tracker_rsc.sandbox.tasks.enqueue_delivery", lambda push_id: None)


@pytest.fixture
def sandbox_control(sandbox_linkedin, django_user_model):
    """A ``requests`` session that may drive the sandbox's control API over HTTP.

    The control API acts as LinkedIn, so it needs a logged-in staff user and the CSRF token:
    the session carries a staff user's session cookie and sends the CSRF cookie's secret as
    ``X-CSRFToken``. Returns ``(session, control API base URL)``.
    """
    import requests
    from django.conf import settings as django_settings
    from django.middleware.csrf import _get_new_csrf_string
    from django.test import Client

    staff = django_user_model.objects.create_user(
        "sandbox-operator", password="unused-in-tests", is_staff=True
    )
    client = Client()
    client.force_login(staff)
    session = requests.Session()
    session.cookies.set(
        django_settings.SESSION_COOKIE_NAME,
        client.cookies[django_settings.SESSION_COOKIE_NAME].value,
    )
    secret = _get_new_csrf_string()
    session.cookies.set(django_settings.CSRF_COOKIE_NAME, secret)
    session.headers["X-CSRFToken"] = secret
    yield session, f"{sandbox_linkedin}/control/api"
    session.close()
