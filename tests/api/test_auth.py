"""REST API authentication (session and token) and the 401/403 split."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from knox.models import AuthToken
from rest_framework.test import APIClient

from tests.candidates.factories import CandidateFactory
from tests.tracker_rsc.factories import UserFactory

pytestmark = pytest.mark.django_db

ENDPOINTS = [
    "/api/v1/candidates/",
    "/api/v1/requisitions/",
    "/api/v1/placements/",
    "/api/v1/activities/",
    "/api/v1/skills/search/?q=python",
]


@pytest.mark.parametrize("url", ENDPOINTS)
def test_anonymous_requests_are_401_with_an_authenticate_header(url):
    response = APIClient().get(url)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_anonymous_write_is_401_and_changes_nothing():
    response = APIClient().post("/api/v1/candidates/", {"first_name": "Jane"}, format="json")

    assert response.status_code == 401
    from candidates.models import Candidate

    assert not Candidate.objects.exists()


def test_token_from_create_api_token_authenticates(capsys):
    UserFactory(username="integrator")
    candidate = CandidateFactory()

    call_command("create_api_token", "integrator")

    token = capsys.readouterr().out.splitlines()[-1]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = client.get("/api/v1/candidates/")
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [candidate.pk]


def test_token_client_writes_without_csrf():
    user = UserFactory()
    _, token = AuthToken.objects.create(user=user)
    client = APIClient(enforce_csrf_checks=True)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    response = client.post("/api/v1/candidates/", {"first_name": "Jane"}, format="json")

    assert response.status_code == 201
    assert response.json()["first_name"] == "Jane"


def test_wrong_token_is_401():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    response = client.get("/api/v1/candidates/")

    assert response.status_code == 401
    assert "Invalid token" in response.json()["detail"]


def test_inactive_users_token_is_401():
    user = UserFactory(is_active=False)
    _, token = AuthToken.objects.create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    assert client.get("/api/v1/candidates/").status_code == 401


def test_session_login_authenticates():
    UserFactory(username="browser")
    client = APIClient()
    assert client.login(username="browser", password="pass-word-123")

    response = client.get("/api/v1/requisitions/")

    assert response.status_code == 200
    assert response.json()["results"] == []


def test_session_writes_need_the_csrf_token():
    UserFactory(username="browser")
    client = APIClient(enforce_csrf_checks=True)
    client.login(username="browser", password="pass-word-123")

    response = client.post("/api/v1/candidates/", {"first_name": "Jane"}, format="json")

    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
