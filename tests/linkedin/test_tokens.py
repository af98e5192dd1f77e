"""Access tokens: fetched once, shared through the cache, refreshed once on a 401."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from urllib.parse import parse_qs

import pytest
import responses
import time_machine
from django.test import override_settings

from tests.linkedin.helpers import API, SECRET, TOKEN_URL, add_token
from tracker_rsc.linkedin import AuthError, PayloadError

SEATS_URL = f"{API}/v2/seatsV2"
EMPTY_PAGE = {"elements": [], "paging": {"start": 0, "count": 100, "total": 0}}


def _read_seats(client) -> list:
    return list(client.iter_seats("urn:li:contract:100"))


def test_token_is_fetched_with_client_credentials_and_reused(rsps, client):
    token_call = add_token(rsps, token="tok-1")
    rsps.add(responses.GET, SEATS_URL, json=EMPTY_PAGE)
    rsps.add(responses.GET, SEATS_URL, json=EMPTY_PAGE)

    _read_seats(client)
    _read_seats(client)

    assert token_call.call_count == 1
    raw_form = rsps.calls[0].request.body.decode()
    assert "client_secret=s3cr%2Fet%2B%3D" in raw_form  # '/', '+', '=' survive the trip
    form = parse_qs(raw_form)
    assert form == {
        "grant_type": ["client_credentials"],
        "client_id": ["client-1"],
        "client_secret": [SECRET],
    }
    assert rsps.calls[0].request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert rsps.calls[1].request.headers["Authorization"] == "Bearer tok-1"
    assert rsps.calls[2].request.headers["Authorization"] == "Bearer tok-1"


def test_token_is_reused_until_shortly_before_expiry(rsps, client):
    add_token(rsps, token="tok-1")
    rsps.add(responses.GET, SEATS_URL, json=EMPTY_PAGE)
    rsps.add(responses.GET, SEATS_URL, json=EMPTY_PAGE)
    rsps.add(responses.GET, SEATS_URL, json=EMPTY_PAGE)

    with time_machine.travel(datetime(2026, 3, 1, 9, 0, tzinfo=UTC), tick=False) as clock:
        _read_seats(client)
        clock.shift(1800 - 180)  # three minutes left: still reused
        _read_seats(client)
        rsps.replace(responses.POST, TOKEN_URL, json={"access_token": "tok-2", "expires_in": 1800})
        clock.shift(90)  # ninety seconds left: inside the refresh margin
        _read_seats(client)

    auth = [c.request.headers.get("Authorization") for c in rsps.calls if c.request.method == "GET"]
    assert auth == ["Bearer tok-1", "Bearer tok-1", "Bearer tok-2"]
    assert [c.request.method for c in rsps.calls] == ["POST", "GET", "GET", "POST", "GET"]


def test_token_is_shared_through_the_cache_by_other_clients(rsps, make_client):
    token_call = add_token(rsps, token="shared")
    rsps.add(responses.GET, SEATS_URL, json=EMPTY_PAGE)
    rsps.add(responses.GET, SEATS_URL, json=EMPTY_PAGE)

    _read_seats(make_client())
    _read_seats(make_client())  # another worker: a new client, a new session, same cache

    assert token_call.call_count == 1
    assert rsps.calls[2].request.headers["Authorization"] == "Bearer shared"


def test_a_401_refreshes_the_token_once_and_repeats_the_call(rsps, client):
    add_token(rsps, token="stale")
    rsps.add(responses.GET, SEATS_URL, status=401, json={"message": "Expired", "status": 401})
    rsps.add(responses.POST, TOKEN_URL, json={"access_token": "fresh", "expires_in": "1800"})
    rsps.add(responses.GET, SEATS_URL, json=EMPTY_PAGE)

    assert _read_seats(client) == []

    auth = [c.request.headers.get("Authorization") for c in rsps.calls if c.request.method == "GET"]
    assert auth == ["Bearer stale", "Bearer fresh"]
    # The fresh token is what the next worker gets from the cache.
    assert client.tokens.get() == "fresh"


def test_a_second_401_after_the_refresh_is_an_auth_error(rsps, client):
    add_token(rsps, token="stale")
    rsps.add(responses.GET, SEATS_URL, status=401, json={"message": "Expired", "status": 401})
    rsps.add(responses.POST, TOKEN_URL, json={"access_token": "fresh", "expires_in": "1800"})
    rsps.add(
        responses.GET,
        SEATS_URL,
        status=401,
        json={"message": "Invalid access token", "serviceErrorCode": 65600, "status": 401},
    )

    with pytest.raises(AuthError) as caught:
        _read_seats(client)

    assert "Invalid access token" in caught.value.message
    assert caught.value.status == 401
    assert caught.value.service_error_code == 65600
    assert len(rsps.calls) == 4  # token, call, token, call: no third attempt


def test_refused_credentials_are_an_auth_error_with_linkedins_words(rsps, client):
    rsps.add(
        responses.POST,
        TOKEN_URL,
        status=401,
        json={"error": "invalid_client", "error_description": "Client authentication failed"},
    )

    with pytest.raises(AuthError) as caught:
        client.check_credentials()

    assert "Client authentication failed" in str(caught.value)
    assert len(rsps.calls) == 1  # a refusal is not retried


def test_a_400_from_the_token_endpoint_is_an_auth_error(rsps, client):
    rsps.add(
        responses.POST,
        TOKEN_URL,
        status=400,
        json={
            "error": "access_denied",
            "error_description": "This application is not allowed to create application tokens",
        },
    )

    with pytest.raises(AuthError, match="not allowed to create application tokens"):
        client.check_credentials()


def test_check_credentials_fetches_a_new_token_and_shares_it(rsps, client):
    token_call = add_token(rsps, token="checked")
    rsps.add(responses.GET, SEATS_URL, json=EMPTY_PAGE)

    client.check_credentials()
    _read_seats(client)

    assert token_call.call_count == 1
    assert rsps.calls[1].request.headers["Authorization"] == "Bearer checked"


def test_missing_credentials_fail_before_any_request(rsps, make_client):
    client = make_client(client_secret="")

    with pytest.raises(AuthError, match="not configured"):
        client.check_credentials()

    assert len(rsps.calls) == 0


def test_the_token_endpoint_is_retried_when_it_is_down(rsps, client, sleeps):
    rsps.add(responses.POST, TOKEN_URL, status=503, body="upstream unavailable")
    add_token(rsps, token="after-outage")

    client.check_credentials()

    assert client.tokens.get() == "after-outage"
    assert sleeps == [0.01]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"expires_in": "1800"}, "accessToken.access_token"),
        ({"access_token": "x"}, "accessToken.expires_in"),
        ({"access_token": "x", "expires_in": "soon"}, "accessToken.expires_in"),
        ({"access_token": 7, "expires_in": "1800"}, "accessToken.access_token"),
    ],
)
def test_a_malformed_token_answer_is_a_payload_error(rsps, client, body, field):
    rsps.add(responses.POST, TOKEN_URL, json=body)

    with pytest.raises(PayloadError) as caught:
        client.check_credentials()

    assert caught.value.field == field
    assert field in caught.value.message


def test_concurrent_workers_wait_for_one_refresh_instead_of_stampeding(rsps, make_client):
    first, second = make_client(), make_client()
    results: dict[str, str] = {}
    waiter = threading.Thread(target=lambda: results.update(second=second.tokens.get()))
    waiter_state: dict[str, bool] = {}

    def token_endpoint(request):
        # While the first worker holds the refresh lock, a second one asks for a token: it
        # must block on the lock rather than send its own request.
        waiter.start()
        waiter.join(timeout=0.5)
        waiter_state["blocked"] = waiter.is_alive()
        return 200, {}, '{"access_token": "only-one", "expires_in": "1800"}'

    rsps.add_callback(responses.POST, TOKEN_URL, callback=token_endpoint)

    results["first"] = first.tokens.get()
    waiter.join(timeout=5)

    assert waiter_state["blocked"] is True
    assert results == {"first": "only-one", "second": "only-one"}
    assert len(rsps.calls) == 1


def test_an_unreachable_cache_does_not_stop_calls_each_worker_fetches_its_own(rsps, make_client):
    token_call = add_token(rsps, token="unshared")
    for _ in range(3):
        rsps.add(responses.GET, SEATS_URL, json=EMPTY_PAGE)
    redis_down = {  # the shared cache is Redis, and nothing listens on port 1
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.2},
        }
    }

    with override_settings(CACHES=redis_down):
        worker = make_client()
        assert _read_seats(worker) == []
        assert _read_seats(worker) == []  # the worker keeps its own token meanwhile
        assert token_call.call_count == 1
        assert _read_seats(make_client()) == []  # another worker cannot share it

    assert token_call.call_count == 2  # not shared, but every call went through
    assert rsps.calls[-1].request.headers["Authorization"] == "Bearer unshared"
