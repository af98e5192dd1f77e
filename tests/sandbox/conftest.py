"""Fixtures for the sandbox tests: a small client that speaks LinkedIn's protocol to it."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from urllib.parse import quote

import pytest
from django.test import Client

from tests.sandbox.factories import MemberFactory, SandboxContractFactory, SandboxSeatFactory
from tracker_rsc.sandbox import faults
from tracker_rsc.sandbox.models import Seat

ORG = "urn:li:organization:2414183"
BASE = "/sandbox/linkedin"
CLIENT_ID = "test-client"
CLIENT_SECRET = "test-secret"


def candidate_key(candidate_id: str | int) -> str:
    return f"atsCandidateId={candidate_id}&dataProvider=ATS&integrationContext={ORG}"


def ids_query(keys: Iterable[Mapping[str, str]]) -> str:
    """Rest.li 1.0 batch ids: ids[0].a=1&ids[0].b=2…"""
    parts = []
    for index, key in enumerate(keys):
        for name, value in key.items():
            parts.append(f"ids[{index}].{name}={quote(str(value), safe=':')}")
    return "&".join(parts)


def candidate_ids(candidate_ids: Iterable[str | int]) -> str:
    return ids_query(
        {"atsCandidateId": str(c), "dataProvider": "ATS", "integrationContext": ORG}
        for c in candidate_ids
    )


def candidate_record(candidate_id: str | int, **overrides: object) -> dict[str, object]:
    record: dict[str, object] = {
        "firstName": "Jane",
        "lastName": "Doe",
        "emailAddresses": [f"jane.{candidate_id}@example.com"],
        "phoneNumbers": [],
        "addresses": [],
        "currentCompanyName": "Acme",
        "currentJobTitle": "Data Engineer",
        "externalProfileUrl": f"http://testserver/candidates/{candidate_id}/",
        "atsCreatedAt": 1_700_000_000_000,
        "atsLastModifiedAt": 1_700_000_500_000,
    }
    record.update(overrides)
    return {k: v for k, v in record.items() if v is not ...}


class SandboxApi:
    """Calls the sandbox through Django's test client, with a bearer token when asked."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self._token: str | None = None

    def token(self) -> str:
        if self._token is None:
            response = self.client.post(
                f"{BASE}/oauth/v2/accessToken",
                {
                    "grant_type": "client_credentials",
                    "client_id": CLIENT_ID,
                    "client_secret": CLIENT_SECRET,
                },
            )
            assert response.status_code == 200, response.content
            self._token = response.json()["access_token"]
        return self._token

    def headers(self, rest: bool = False, method: str = "", auth: bool = True) -> dict[str, str]:
        headers: dict[str, str] = {}
        if auth:
            headers["Authorization"] = f"Bearer {self.token()}"
        if rest:
            headers["LinkedIn-Version"] = "202604"
            headers["X-Restli-Protocol-Version"] = "2.0.0"
        if method:
            headers["X-RestLi-Method"] = method
        return headers

    def call(
        self,
        verb: str,
        path: str,
        query: str = "",
        body: object = None,
        *,
        rest: bool = False,
        method: str = "",
        auth: bool = True,
        headers: Mapping[str, str] | None = None,
    ):
        url = f"{BASE}/{path}" + (f"?{query}" if query else "")
        all_headers = {**self.headers(rest=rest, method=method, auth=auth), **(headers or {})}
        kwargs: dict[str, object] = {"headers": all_headers}
        if body is not None:
            kwargs["data"] = json.dumps(body)
            kwargs["content_type"] = "application/json"
        return getattr(self.client, verb.lower())(url, **kwargs)

    def get(self, path: str, query: str = "", **kw: object):
        return self.call("GET", path, query, **kw)

    def put(self, path: str, query: str, body: object, **kw: object):
        return self.call("PUT", path, query, body, method=kw.pop("method", "batch_update"), **kw)

    def control(self, action: str, data: Mapping[str, object] | None = None):
        return self.client.post(
            f"{BASE}/control/api/{action}", json.dumps(data or {}), content_type="application/json"
        )

    def upsert_candidates(self, records: Mapping[str, Mapping[str, object]]):
        return self.put(
            "v2/atsCandidates",
            candidate_ids(records),
            {"entities": {candidate_key(k): v for k, v in records.items()}},
        )


@pytest.fixture(autouse=True)
def _sandbox_settings(settings):
    # The sandbox's registered app and the Tracker settings that match it.
    settings.LINKEDIN_SANDBOX_CLIENT_ID = settings.LINKEDIN_CLIENT_ID = CLIENT_ID
    settings.LINKEDIN_SANDBOX_CLIENT_SECRET = settings.LINKEDIN_CLIENT_SECRET = CLIENT_SECRET
    settings.LINKEDIN_SANDBOX_CALLBACK_ORIGINS = ["https://tracker.example", "http://testserver"]


@pytest.fixture
def sandbox_staff(db):
    """The person who acts as LinkedIn on the control page: an active staff user."""
    from tests.tracker_rsc.factories import UserFactory

    return UserFactory(username="sandbox-operator", is_staff=True)


@pytest.fixture
def staff_client(client: Client, sandbox_staff) -> Client:
    client.force_login(sandbox_staff)
    return client


@pytest.fixture(autouse=True)
def slept(monkeypatch) -> list[float]:
    """Latency faults record their delay here instead of sleeping."""
    delays: list[float] = []
    monkeypatch.setattr(faults, "sleep", delays.append)
    return delays


@pytest.fixture
def li(db, staff_client: Client) -> SandboxApi:
    return SandboxApi(staff_client)


@pytest.fixture
def contract(db):
    return SandboxContractFactory()


@pytest.fixture
def seats(contract) -> dict[str, Seat]:
    """An admin (RPS+), a plain recruiter, and a recruiter with Hiring Assistant."""
    return {
        "admin": SandboxSeatFactory(
            urn="urn:li:seat:5001",
            person_urn="urn:li:person:admin1",
            role=Seat.Role.RECRUITER_ADMIN,
            product=Seat.Product.RPS_PLUS,
            hiring_assistant=True,
            contract=contract,
        ),
        "user": SandboxSeatFactory(
            urn="urn:li:seat:5002", person_urn="urn:li:person:user2", contract=contract
        ),
        "assistant": SandboxSeatFactory(
            urn="urn:li:seat:5003",
            person_urn="urn:li:person:assist3",
            hiring_assistant=True,
            contract=contract,
        ),
    }


@pytest.fixture
def member(db):
    return MemberFactory(
        person_urn="urn:li:person:Xy12",
        first_name="Jane",
        last_name="Doe",
        emails=["jane@example.com"],
        profile_url="https://www.linkedin.com/in/jane-doe-4a1b",
    )
