"""/healthz/: 200 while the database, broker and cache answer, 503 saying which is down.

It names the dependency, never the exception's text (host names, users): that goes to the log.
"""

from __future__ import annotations

import socket
from unittest import mock

import pytest
from django.db import OperationalError, connections

from tracker_rsc.celery import app as celery_app

pytestmark = pytest.mark.django_db


def closed_port() -> int:
    """A local TCP port that nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def broker_down(monkeypatch):
    # Point the app's broker at a Redis port where nothing listens: a real refused connection.
    monkeypatch.setitem(celery_app.conf, "broker_url", f"redis://127.0.0.1:{closed_port()}/0")


@pytest.fixture
def database_down():
    refused = OperationalError("could not connect to server: Connection refused")
    with mock.patch.object(connections["default"], "cursor", side_effect=refused):
        yield


def test_healthy_reports_both_checks(client):
    response = client.get("/healthz/")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "broker": "ok",
        "cache": "ok",
        "down": [],
        "broker_transport": celery_app.conf.broker_url.split("://", 1)[0],
    }
    assert "no-cache" in response["Cache-Control"]


def test_database_down_is_503_and_names_the_database(client, database_down):
    response = client.get("/healthz/")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["database"] == "unavailable"
    assert body["down"] == ["database"]
    assert body["broker"] == "ok"


def test_broker_unreachable_is_503_and_names_the_broker(client, broker_down):
    response = client.get("/healthz/")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["database"] == "ok"
    assert body["broker"] == "unavailable"
    assert body["down"] == ["broker"]
    assert body["broker_transport"] == "redis"


def test_both_down_reports_both(client, database_down, broker_down):
    body = client.get("/healthz/").json()

    assert body["status"] == "unavailable"
    assert body["down"] == ["database", "broker"]


def test_broker_url_credentials_never_shown(client, monkeypatch):
    monkeypatch.setitem(
        celery_app.conf, "broker_url", f"redis://:s3cret-pass@127.0.0.1:{closed_port()}/0"
    )

    response = client.get("/healthz/")

    assert response.status_code == 503
    assert "s3cret-pass" not in response.content.decode()


def test_only_get_is_allowed(client):
    assert client.post("/healthz/").status_code == 405


def test_the_answer_names_the_dependency_never_the_exception_text(client, caplog):
    secret_detail = 'FATAL: password authentication failed for user "tracker" at db.internal:5432'
    with mock.patch.object(
        connections["default"], "cursor", side_effect=OperationalError(secret_detail)
    ):
        response = client.get("/healthz/")

    text = response.content.decode()
    assert response.status_code == 503
    assert "db.internal" not in text and "tracker" not in text and "FATAL" not in text
    assert response.json()["database"] == "unavailable"
    # The reason is kept where an operator looks: the server log.
    assert any(secret_detail in (r.exc_text or "") or r.exc_info for r in caplog.records)
    assert "healthz: the database is unavailable" in caplog.text


def test_cache_down_is_503_and_names_the_cache(client):
    with mock.patch("tracker_rsc.views.cache.set", side_effect=ConnectionError("redis:6379")):
        response = client.get("/healthz/")

    assert response.status_code == 503
    body = response.json()
    assert body["cache"] == "unavailable" and body["down"] == ["cache"]
    assert "6379" not in response.content.decode()
