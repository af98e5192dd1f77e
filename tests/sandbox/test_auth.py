"""Token issue and refusal, bearer checks, expiry, and the sandbox being off in production."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from tests.sandbox.conftest import BASE, CLIENT_ID, CLIENT_SECRET
from tracker_rsc.sandbox.models import AccessToken, SandboxSettings

TOKEN_URL = f"{BASE}/oauth/v2/accessToken"


@pytest.mark.django_db
def test_token_is_issued_for_30_minutes_with_expires_in_as_a_string(client):
    response = client.post(
        TOKEN_URL,
        {
            "grant_type": "client_credentials",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
        },
    )

    assert response.status_code == 200
    body = response.json()
    assert body["expires_in"] == "1800"
    token = AccessToken.objects.get(token=body["access_token"])
    assert token.client_id == CLIENT_ID
    assert timedelta(minutes=29) < token.expires_at - timezone.now() <= timedelta(minutes=30)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("client_id", "client_secret"),
    [(CLIENT_ID, "wrong"), ("someone-else", CLIENT_SECRET), ("", "")],
)
def test_bad_credentials_get_401_in_linkedins_shape(client, client_id, client_secret):
    response = client.post(
        TOKEN_URL,
        {
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": client_secret,
        },
    )

    assert response.status_code == 401
    body = response.json()
    assert body["status"] == 401
    assert body["serviceErrorCode"] == 401
    assert body["message"] == "Client authentication failed"
    assert body["error"] == "invalid_client"
    assert not AccessToken.objects.exists()


@pytest.mark.django_db
def test_unconfigured_credentials_refuse_everyone(client, settings):
    settings.LINKEDIN_SANDBOX_CLIENT_ID = ""
    settings.LINKEDIN_SANDBOX_CLIENT_SECRET = ""

    response = client.post(
        TOKEN_URL, {"grant_type": "client_credentials", "client_id": "", "client_secret": ""}
    )

    assert response.status_code == 401


@pytest.mark.django_db
def test_other_grant_types_and_get_are_refused(client):
    wrong_grant = client.post(
        TOKEN_URL,
        {
            "grant_type": "password",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
        },
    )
    missing_grant = client.post(TOKEN_URL, {"client_id": CLIENT_ID})
    get = client.get(TOKEN_URL)

    assert wrong_grant.status_code == 400
    assert wrong_grant.json()["error"] == "unsupported_grant_type"
    assert missing_grant.status_code == 400
    assert get.status_code == 405
    assert not AccessToken.objects.exists()


@pytest.mark.django_db
def test_token_lifetime_comes_from_the_settings_row(client):
    SandboxSettings.objects.update_or_create(
        singleton=True, defaults={"token_lifetime_seconds": 60}
    )

    response = client.post(
        TOKEN_URL,
        {
            "grant_type": "client_credentials",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
        },
    )

    assert response.json()["expires_in"] == "60"


def test_missing_bearer_token_is_401(li):
    response = li.get(
        "v2/seatsV2", "q=attributes&contracts=urn:li:contract:100&start=0", auth=False
    )

    assert response.status_code == 401
    assert response.json() == {
        "message": "Empty oauth2_access_token",
        "serviceErrorCode": 401,
        "status": 401,
    }


def test_unknown_bearer_token_is_401(li):
    response = li.get(
        "v2/seatsV2",
        "q=attributes&contracts=urn:li:contract:100&start=0",
        auth=False,
        headers={"Authorization": "Bearer not-a-token"},
    )

    assert response.status_code == 401
    assert response.json()["serviceErrorCode"] == 65600


def test_expired_token_is_401_and_a_fresh_one_works(li):
    li.token()
    query = "q=attributes&contracts=urn:li:contract:100&start=0"

    with time_machine.travel(timezone.now() + timedelta(minutes=31)):
        expired = li.get("v2/seatsV2", query)
        li._token = None
        renewed = li.get("v2/seatsV2", query)

    assert expired.status_code == 401
    assert expired.json()["message"] == "The token used in the request has expired"
    assert renewed.status_code == 200


def test_rest_calls_need_a_linkedin_version(li):
    response = li.get(
        "rest/hiringProjectConnections",
        "q=integrationContext&integrationContext=urn:li:organization:1",
    )

    assert response.status_code == 400
    assert "LinkedIn-Version" in response.json()["message"]


@pytest.mark.django_db
def test_tokens_are_issued_for_the_sandboxs_own_app_not_trackers_settings(client, settings):
    settings.LINKEDIN_SANDBOX_CLIENT_ID, settings.LINKEDIN_SANDBOX_CLIENT_SECRET = "sb", "sb-key"
    settings.LINKEDIN_CLIENT_ID, settings.LINKEDIN_CLIENT_SECRET = "prod-id", "prod-secret"

    trackers = client.post(
        TOKEN_URL,
        {
            "grant_type": "client_credentials",
            "client_id": "prod-id",
            "client_secret": "prod-secret",
        },
    )
    own = client.post(
        TOKEN_URL,
        {"grant_type": "client_credentials", "client_id": "sb", "client_secret": "sb-key"},
    )

    assert trackers.status_code == 401
    assert own.status_code == 200
