"""Rate limits: API throttles (anonymous, per user, writes, erasure) and the login lockout.

Every refusal is 429 with Retry-After and changes nothing. The suite runs with generous rates
and no lockout (tests/conftest.py); these tests turn the real mechanisms on with small limits.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from candidates.models import Candidate
from tests.candidates.factories import CandidateFactory
from tests.tracker_rsc.factories import AdminUserFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pass-word-123"  # UserFactory's
LOGIN_PAGES = ["/accounts/login/", "/admin/login/"]


@pytest.fixture
def rates(settings):
    """``rates(anon=..., ...)`` sets throttle rates (the others stay generous); fresh counters."""
    cache.clear()

    def set_rates(**scopes: str) -> None:
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {
                **dict.fromkeys(("anon", "user", "write", "erase"), "100000/min"),
                **scopes,
            },
        }

    yield set_rates
    cache.clear()


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def assert_throttled(response) -> None:
    assert response.status_code == 429, response.content
    assert int(response["Retry-After"]) > 0
    assert "throttled" in response.json()["detail"].lower()


# --- API throttles ------------------------------------------------------------------------------


def test_anonymous_requests_are_limited_by_address(rates):
    rates(anon="3/min")
    client = APIClient()

    answers = [client.get("/api/v1/candidates/").status_code for _ in range(3)]

    assert answers == [401, 401, 401]
    assert_throttled(client.get("/api/v1/candidates/"))
    # Another address has its own budget.
    assert APIClient(REMOTE_ADDR="10.0.0.9").get("/api/v1/candidates/").status_code == 401


def test_guessed_tokens_count_against_the_anonymous_limit(rates):
    rates(anon="2/min")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 64)

    assert [client.get("/api/v1/requisitions/").status_code for _ in range(2)] == [401, 401]
    assert_throttled(client.get("/api/v1/requisitions/"))


def test_each_user_has_a_limit_of_their_own(rates):
    rates(user="4/min")
    busy, other = UserFactory(), UserFactory()
    client = client_for(busy)

    assert [client.get("/api/v1/candidates/").status_code for _ in range(4)] == [200] * 4
    assert_throttled(client.get("/api/v1/activities/"))
    assert client_for(other).get("/api/v1/candidates/").status_code == 200


def test_writes_have_a_stricter_limit_and_a_refused_write_changes_nothing(rates):
    rates(user="100/min", write="2/min")
    client = client_for(UserFactory())

    created = [
        client.post("/api/v1/candidates/", {"first_name": f"W{n}"}).status_code for n in range(2)
    ]
    refused = client.post("/api/v1/candidates/", {"first_name": "W2"})

    assert created == [201, 201]
    assert_throttled(refused)
    assert sorted(Candidate.objects.values_list("first_name", flat=True)) == ["W0", "W1"]
    assert client.get("/api/v1/candidates/").status_code == 200  # reads go on


def test_refused_writes_count_too(rates):
    """A recruiter probing delete (403 each time) spends the write budget like anyone."""
    rates(write="2/min")
    candidate = CandidateFactory()
    client = client_for(UserFactory())

    answers = [client.delete(f"/api/v1/candidates/{candidate.pk}/").status_code for _ in range(2)]

    assert answers == [403, 403]
    assert_throttled(client.delete(f"/api/v1/candidates/{candidate.pk}/"))


def test_erasure_has_the_strictest_limit(rates):
    rates(erase="1/hour")
    first, second = CandidateFactory(), CandidateFactory()
    client = client_for(AdminUserFactory())

    erased = client.post(f"/api/v1/candidates/{first.pk}/erase/", {"reason": "GDPR 1"})
    refused = client.post(f"/api/v1/candidates/{second.pk}/erase/", {"reason": "GDPR 2"})

    assert erased.status_code == 204
    assert_throttled(refused)
    assert 3500 < int(refused["Retry-After"]) <= 3600
    assert Candidate.objects.filter(pk=second.pk).exists()
    # Other writes are not held up by the erasure limit.
    assert client.patch(f"/api/v1/candidates/{second.pk}/", {"title": ""}).status_code != 429


def test_the_limits_come_from_the_environment():
    """The settings read API_THROTTLE_*, AXES_* and the other limits from the environment."""
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([s.REST_FRAMEWORK['DEFAULT_THROTTLE_RATES'], s.AXES_FAILURE_LIMIT, "
        "s.AXES_COOLOFF_TIME.total_seconds(), s.CALLBACK_REJECTED_PER_HOUR, "
        "s.REST_KNOX['TOKEN_TTL'].days]))"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tracker_rsc.settings",
        "API_THROTTLE_ANON": "7/min",
        "API_THROTTLE_USER": "70/min",
        "API_THROTTLE_WRITE": "17/min",
        "API_THROTTLE_ERASE": "2/day",
        "AXES_FAILURE_LIMIT": "9",
        "AXES_COOLOFF_MINUTES": "30",
        "CALLBACK_REJECTED_PER_HOUR": "12",
        "API_TOKEN_TTL_DAYS": "5",
    }

    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout

    assert out.strip().splitlines()[-1] == (
        '[{"anon": "7/min", "user": "70/min", "write": "17/min", "erase": "2/day"}, '
        "9, 1800.0, 12, 5]"
    )


# --- Login lockout (django-axes) ------------------------------------------------------------------


@pytest.fixture
def lockout(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)


def login(client, page: str, username: str, password: str, **extra):
    return client.post(page, {"username": username, "password": password}, **extra)


@pytest.mark.parametrize("page", LOGIN_PAGES)
def test_a_right_password_signs_in_with_the_lockout_on(client, lockout, page):
    UserFactory(username="sam", is_staff=True)

    response = login(client, page, "sam", PASSWORD)

    assert response.status_code == 302
    assert "_auth_user_id" in client.session


@pytest.mark.parametrize("page", LOGIN_PAGES)
def test_repeated_failures_lock_the_username_from_that_address(client, lockout, page):
    UserFactory(username="sam", is_staff=True)

    failures = [login(client, page, "sam", "wrong").status_code for _ in range(2)]
    locked = login(client, page, "sam", "wrong")
    right_password = login(client, page, "sam", PASSWORD)

    assert failures == [200, 200]  # the form again, with its error
    for response in (locked, right_password):
        assert response.status_code == 429
        assert response["Retry-After"] == "900"
        assert b"Too many sign-in attempts" in response.content
    assert "_auth_user_id" not in client.session
    # The lock is on username + address: the same user elsewhere, another user here, go on.
    assert login(client, page, "sam", PASSWORD, REMOTE_ADDR="10.1.1.1").status_code == 302


@pytest.mark.parametrize("page", LOGIN_PAGES)
def test_the_lockout_counts_failures_on_both_pages_together(client, lockout, page):
    UserFactory(username="sam", is_staff=True)
    other = LOGIN_PAGES[1 - LOGIN_PAGES.index(page)]

    login(client, page, "sam", "wrong")
    login(client, other, "sam", "wrong")

    assert login(client, page, "sam", "wrong").status_code == 429


def test_the_lock_ends_after_the_cool_off(client, lockout):
    UserFactory(username="sam")
    for _ in range(3):
        login(client, "/accounts/login/", "sam", "wrong")
    assert login(client, "/accounts/login/", "sam", PASSWORD).status_code == 429

    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        response = login(client, "/accounts/login/", "sam", PASSWORD)

    assert response.status_code == 302


def test_staff_unlock_an_account_in_the_admin(client, lockout, admin_user):
    UserFactory(username="sam")
    for _ in range(3):
        login(client, "/accounts/login/", "sam", "wrong")
    assert login(client, "/accounts/login/", "sam", PASSWORD).status_code == 429
    attempt = AccessAttempt.objects.get(username="sam")
    admin = Client()
    admin.force_login(admin_user)

    response = admin.post(
        "/admin/axes/accessattempt/",
        {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"},
    )

    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()
    assert login(client, "/accounts/login/", "sam", PASSWORD).status_code == 302
