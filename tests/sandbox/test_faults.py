"""Fault injection: each kind for the next N calls, a seeded fraction, per endpoint."""

from __future__ import annotations

import json
import random

import pytest
import requests

from tests.sandbox.conftest import CLIENT_ID, CLIENT_SECRET
from tracker_rsc.sandbox.faults import MALFORMED_BODY, ConnectionDropped, fault_create
from tracker_rsc.sandbox.models import ApiCall, Fault

SEATS = ("v2/seatsV2", "q=attributes&contracts=urn:li:contract:100&start=0")


def _inject(li, **fields):
    response = li.client.post(
        "/sandbox/linkedin/control/api/faults",
        json.dumps(fields),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return response.json()["fault"]


@pytest.mark.parametrize(
    ("kind", "status"), [("http_429", 429), ("http_500", 500), ("http_503", 503)]
)
def test_http_faults_fire_for_the_next_n_calls_then_stop(li, seats, kind, status):
    li.token()
    _inject(li, endpoint="seatsV2", kind=kind, count=2, retry_after=7)

    statuses = [li.get(*SEATS).status_code for _ in range(3)]

    assert statuses == [status, status, 200]
    assert Fault.objects.get().active is False
    assert ApiCall.objects.filter(endpoint="seatsV2", fault=kind).count() == 2


def test_429_fault_carries_retry_after_and_linkedins_error_shape(li, seats):
    li.token()
    _inject(li, endpoint="seatsV2", kind="http_429", count=1, retry_after=7)

    response = li.get(*SEATS)

    assert response["Retry-After"] == "7"
    assert response.json()["status"] == 429


def test_malformed_fault_answers_cut_off_json(li, seats):
    li.token()
    _inject(li, endpoint="seatsV2", kind="malformed", count=1)

    response = li.get(*SEATS)

    assert response.status_code == 200
    assert response.content == MALFORMED_BODY
    with pytest.raises(ValueError):
        response.json()


def test_latency_fault_delays_then_answers(li, seats, slept):
    li.token()
    _inject(li, endpoint="seatsV2", kind="latency", count=1, latency_ms=1500)

    response = li.get(*SEATS)

    assert response.status_code == 200
    assert slept == [1.5]


def test_drop_fault_raises_where_no_socket_exists(li, seats):
    li.token()
    _inject(li, endpoint="seatsV2", kind="drop", count=1)

    with pytest.raises(ConnectionDropped):
        li.get(*SEATS)

    assert li.get(*SEATS).status_code == 200
    assert ApiCall.objects.filter(fault="drop", status=0).count() == 1


def test_faults_only_hit_their_endpoint_and_method(li, seats):
    li.token()
    _inject(li, endpoint="atsCandidates", kind="http_500", count=5)
    _inject(li, endpoint="seatsV2", kind="http_503", count=5, method="POST")

    assert li.get(*SEATS).status_code == 200


def test_any_endpoint_fault_hits_the_token_endpoint_too(li):
    _inject(li, endpoint="*", kind="http_503", count=1)

    response = li.client.post(
        "/sandbox/linkedin/oauth/v2/accessToken",
        {
            "grant_type": "client_credentials",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
        },
    )

    assert response.status_code == 503


def test_fraction_faults_follow_the_seeded_sequence(li, seats):
    li.token()
    _inject(li, endpoint="seatsV2", kind="http_500", fraction=0.3, seed=42)

    statuses = [li.get(*SEATS).status_code for _ in range(30)]

    expected = [500 if random.Random(f"42:{n}").random() < 0.3 else 200 for n in range(30)]
    assert statuses == expected
    assert 0 < statuses.count(500) < 30
    fault = Fault.objects.get()
    assert (fault.calls_seen, fault.fired) == (30, statuses.count(500))


def test_same_seed_same_sequence(li, seats):
    li.token()
    runs = []
    for _ in range(2):
        _inject(li, endpoint="seatsV2", kind="http_503", fraction=0.5, seed=7)
        runs.append([li.get(*SEATS).status_code for _ in range(12)])
        li.client.delete("/sandbox/linkedin/control/api/faults")

    assert runs[0] == runs[1]


def test_clearing_faults_stops_them(li, seats):
    li.token()
    _inject(li, endpoint="seatsV2", kind="http_500", fraction=1.0)

    cleared = li.client.delete("/sandbox/linkedin/control/api/faults").json()

    assert cleared["cleared"] == 1
    assert li.get(*SEATS).status_code == 200


@pytest.mark.parametrize(
    "fields",
    [
        {"kind": "explode", "count": 1},
        {"kind": "http_500"},
        {"kind": "http_500", "count": 1, "fraction": 0.5},
        {"kind": "http_500", "fraction": 1.5},
        {"kind": "latency", "count": 1, "latency_ms": 0},
        {"kind": "http_500", "count": 1, "endpoint": "atsCandidate"},
    ],
)
def test_bad_fault_definitions_are_refused(li, fields):
    response = li.client.post(
        "/sandbox/linkedin/control/api/faults",
        json.dumps(fields),
        content_type="application/json",
    )

    assert response.status_code == 400
    assert not Fault.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_over_real_http_a_drop_is_a_connection_error_and_malformed_is_bad_json(live_server):
    fault_create(kind="drop", endpoint="accessToken", count=1)
    fault_create(kind="malformed", endpoint="accessToken", count=1)
    url = f"{live_server.url}/sandbox/linkedin/oauth/v2/accessToken"
    form = {
        "grant_type": "client_credentials",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
    }

    with pytest.raises(requests.exceptions.ConnectionError):
        requests.post(url, data=form, timeout=10)
    malformed = requests.post(url, data=form, timeout=10)
    healthy = requests.post(url, data=form, timeout=10)

    with pytest.raises(requests.exceptions.JSONDecodeError):
        malformed.json()
    assert healthy.json()["expires_in"] == "1800"
