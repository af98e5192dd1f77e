"""Fixtures for the LinkedIn adapter: a client on a path-prefixed base URL, strict `responses`."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import responses
from django.core.cache import caches

from tests.linkedin.helpers import API, ORG, SECRET, TOKEN_URL
from tracker_rsc.linkedin import LinkedInClient, RetryPolicy


@pytest.fixture(autouse=True)
def _fresh_cache(_isolated_settings):
    # LocMemCache outlives settings changes; a token cached by one test must not leak.
    caches["default"].clear()
    yield
    caches["default"].clear()


@pytest.fixture
def rsps():
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def make_client(sleeps, tmp_path) -> Callable[..., LinkedInClient]:
    def make(**overrides) -> LinkedInClient:
        options = {
            "api_url": API,
            "token_url": TOKEN_URL,
            "client_id": "client-1",
            "client_secret": SECRET,
            "version": "202604",
            "timeout": 7.5,
            "retry": RetryPolicy(attempts=3, base_wait=0.01, max_wait=30.0),
            "organization_urn": ORG,
            "lock_dir": tmp_path,
            # No real waiting: record the waits, and make jitter return its upper bound.
            "sleep": sleeps.append,
            "jitter": lambda low, high: high,
        }
        options.update(overrides)
        return LinkedInClient(**options)

    return make


@pytest.fixture
def client(make_client) -> LinkedInClient:
    return make_client()
