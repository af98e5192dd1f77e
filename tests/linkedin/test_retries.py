"""Transient failures are retried with capped backoff; permanent ones are not."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest
import requests
import responses

from tests.linkedin.helpers import API, add_token
from tracker_rsc.linkedin import PermanentError, RetryPolicy, TransientError
from tracker_rsc.linkedin.http import parse_retry_after

URL = f"{API}/v2/exportedCandidates"
ELEMENT = {
    "requestId": "r1",
    "integrationContext": "urn:li:organization:2414183",
    "externalJobPostingId": "12",
    "candidate": {
        "member": "urn:li:person:Xy12",
        "profileUrl": "https://www.linkedin.com/in/jane",
        "firstName": "Jane",
        "lastName": "Doe",
        "emailAddresses": [],
    },
}
OK = {"elements": [ELEMENT]}


def test_a_429_with_retry_after_waits_exactly_that_long(rsps, client, sleeps):
    add_token(rsps)
    rsps.add(
        responses.GET, URL, status=429, headers={"Retry-After": "7"}, json={"message": "Slow down"}
    )
    rsps.add(responses.GET, URL, json=OK)

    assert client.get_exported_candidate("r1").request_id == "r1"
    assert sleeps == [7.0]


def test_a_retry_after_beyond_the_cap_ends_the_retries_and_is_passed_on(rsps, client, sleeps):
    add_token(rsps)
    rsps.add(
        responses.GET,
        URL,
        status=429,
        headers={"Retry-After": "3600"},
        json={"message": "Daily limit reached", "serviceErrorCode": 101, "status": 429},
    )

    with pytest.raises(TransientError) as caught:
        client.get_exported_candidate("r1")

    assert caught.value.retry_after == 3600.0
    assert caught.value.status == 429
    assert caught.value.message == "Daily limit reached"
    assert sleeps == []  # the worker hands the wait to its task queue instead
    assert len(rsps.calls) == 2


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_are_retried(rsps, client, sleeps, status):
    add_token(rsps)
    rsps.add(responses.GET, URL, status=status, body="<html>Bad gateway</html>")
    rsps.add(responses.GET, URL, json=OK)

    assert client.get_exported_candidate("r1").job_id == "12"
    assert sleeps == [0.01]


def test_after_the_cap_a_transient_error_is_raised_with_exponential_waits(
    rsps, make_client, sleeps
):
    client = make_client(retry=RetryPolicy(attempts=5, base_wait=0.5, max_wait=3.0))
    add_token(rsps)
    for _ in range(5):
        rsps.add(responses.GET, URL, status=503, json={"message": "Service unavailable"})

    with pytest.raises(TransientError) as caught:
        client.get_exported_candidate("r1")

    assert caught.value.status == 503
    assert caught.value.message == "Service unavailable"
    assert len(rsps.calls) == 1 + 5
    # full jitter's upper bounds (the test jitter returns them): 0.5, 1, 2, then capped at 3
    assert sleeps == [0.5, 1.0, 2.0, 3.0]


def test_full_jitter_draws_between_zero_and_the_bound():
    draws: list[tuple[float, float]] = []
    policy = RetryPolicy(attempts=5, base_wait=1.0, max_wait=30.0)

    waits = [policy.backoff(n, lambda a, b: draws.append((a, b)) or b / 2) for n in (1, 4, 9)]

    assert draws == [(0.0, 1.0), (0.0, 8.0), (0.0, 30.0)]
    assert waits == [0.5, 4.0, 15.0]


@pytest.mark.parametrize(
    "failure",
    [
        requests.exceptions.ConnectTimeout("connect timed out"),
        requests.exceptions.ReadTimeout("read timed out"),
        requests.exceptions.ConnectionError("connection reset by peer"),
        requests.exceptions.ChunkedEncodingError("connection dropped mid-body"),
    ],
)
def test_timeouts_and_dropped_connections_are_retried(rsps, client, sleeps, failure):
    add_token(rsps)
    rsps.add(responses.GET, URL, body=failure)
    rsps.add(responses.GET, URL, json=OK)

    assert client.get_exported_candidate("r1").request_id == "r1"
    assert len(sleeps) == 1


def test_persistent_timeouts_end_in_a_transient_error(rsps, client):
    add_token(rsps)
    for _ in range(3):
        rsps.add(responses.GET, URL, body=requests.exceptions.ConnectTimeout("timed out"))

    with pytest.raises(TransientError, match="did not answer GET /v2/exportedCandidates in time"):
        client.get_exported_candidate("r1")


def test_malformed_json_on_a_2xx_is_retried_then_transient(rsps, client, sleeps):
    add_token(rsps)
    rsps.add(responses.GET, URL, body='{"elements": [', content_type="application/json")
    rsps.add(responses.GET, URL, body="<html>maintenance</html>", content_type="text/html")
    rsps.add(responses.GET, URL, body="", status=200)

    with pytest.raises(TransientError) as caught:
        client.get_exported_candidate("r1")

    assert "empty body" in caught.value.message
    assert len(sleeps) == 2


def test_malformed_json_once_then_a_good_answer_succeeds(rsps, client):
    add_token(rsps)
    rsps.add(responses.GET, URL, body="{truncated", status=200)
    rsps.add(responses.GET, URL, json=OK)

    assert client.get_exported_candidate("r1").profile.first_name == "Jane"


@pytest.mark.parametrize(
    ("status", "message"),
    [(400, "Invalid query parameters"), (403, "Not enough permissions"), (404, "Not found")],
)
def test_other_4xx_are_permanent_with_linkedins_message_and_no_retry(
    rsps, client, sleeps, status, message
):
    add_token(rsps)
    rsps.add(
        responses.GET,
        URL,
        status=status,
        json={"message": message, "serviceErrorCode": 100, "status": status},
    )

    with pytest.raises(PermanentError) as caught:
        client.get_exported_candidate("r1")

    assert (caught.value.message, caught.value.status) == (message, status)
    assert caught.value.service_error_code == 100
    assert not isinstance(caught.value, TransientError)
    assert sleeps == []
    assert len(rsps.calls) == 2


def test_a_4xx_without_json_keeps_the_start_of_its_text(rsps, client):
    add_token(rsps)
    rsps.add(responses.GET, URL, status=400, body="Bad request: start is mandatory")

    with pytest.raises(PermanentError, match="start is mandatory"):
        client.get_exported_candidate("r1")


def test_a_redirect_is_not_followed(rsps, client):
    add_token(rsps)
    rsps.add(responses.GET, URL, status=302, headers={"Location": "https://elsewhere.test/"})

    with pytest.raises(PermanentError, match=r"Unexpected redirect to https://elsewhere\.test/"):
        client.get_exported_candidate("r1")


def test_calls_are_logged_without_tokens(rsps, client, caplog):
    add_token(rsps, token="very-secret-token")
    rsps.add(responses.GET, URL, json=OK)

    with caplog.at_level(logging.DEBUG, logger="tracker_rsc.linkedin"):
        client.get_exported_candidate("r1")

    assert "linkedin GET /v2/exportedCandidates -> 200 in" in caplog.text
    assert "linkedin POST /oauth/v2/accessToken -> 200 in" in caplog.text
    assert "very-secret-token" not in caplog.text
    assert "s3cr" not in caplog.text


def test_retry_after_accepts_seconds_and_http_dates():
    now = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)

    assert parse_retry_after("12") == 12.0
    assert parse_retry_after("Sun, 01 Mar 2026 12:00:30 GMT", now=now) == 30.0
    assert parse_retry_after("Sun, 01 Mar 2026 11:00:00 GMT", now=now) == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None
