"""Sign In with LinkedIn in the sandbox: the public sign-in page, the authorization code grant
and /v2/userinfo."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from tests.sandbox.conftest import BASE, CLIENT_ID, CLIENT_SECRET, SandboxApi
from tests.sandbox.factories import MemberFactory, SandboxSeatFactory
from tracker_rsc.sandbox.models import AuthorizationCode, MemberToken

pytestmark = pytest.mark.django_db

AUTHORIZE = f"{BASE}/oauth/v2/authorization"
TOKEN_URL = f"{BASE}/oauth/v2/accessToken"
USERINFO = f"{BASE}/v2/userinfo"
REDIRECT = "http://testserver/accounts/linkedin/return/"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = "http://testserver"


@pytest.fixture
def seat_holder():
    return SandboxSeatFactory(
        person_urn="urn:li:person:ada42", first_name="Ada", last_name="Lovelace"
    )


def _params(**overrides: str) -> dict[str, str]:
    params = {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT,
        "state": "state-123",
        "nonce": "nonce-456",
        "scope": "openid profile email",
    }
    params.update(overrides)
    return params


def _query(response) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(response["Location"]).query).items()}


def _sign_in(client: Client, person_urn: str, **overrides: str) -> str:
    response = client.post(AUTHORIZE, {**_params(**overrides), "person_urn": person_urn})
    assert response.status_code == 302, response.content
    assert response["Location"].startswith(REDIRECT)
    return _query(response)["code"]


def _exchange(client: Client, issued: str, **overrides: str):
    form = {
        "grant_type": "authorization_code",
        "code": issued,
        "redirect_uri": REDIRECT,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
    }
    form.update(overrides)
    return client.post(TOKEN_URL, form)


def _claims(id_token: str) -> dict:
    payload = id_token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def test_sign_in_page_is_public_and_lists_seat_holders_then_members(client, seat_holder):
    MemberFactory(person_urn="urn:li:person:bob7", first_name="Bob", last_name="Member")

    response = client.get(f"{AUTHORIZE}?{urlencode(_params())}")

    assert response.status_code == 200
    html = response.content.decode()
    assert "csrfmiddlewaretoken" in html
    assert html.index("urn:li:person:ada42") < html.index("urn:li:person:bob7")
    assert "Recruiter seat holders" in html and "Other LinkedIn members" in html


def test_the_sign_in_form_is_csrf_protected(seat_holder):
    client = Client(enforce_csrf_checks=True)
    response = client.post(AUTHORIZE, {**_params(), "person_urn": seat_holder.person_urn})
    assert response.status_code == 403
    assert not AuthorizationCode.objects.exists()


@pytest.mark.parametrize(
    "overrides",
    [
        {"client_id": "someone-else"},
        {"redirect_uri": "https://evil.example/accounts/linkedin/return/"},
    ],
)
def test_unknown_client_or_redirect_uri_gets_an_error_page_never_a_redirect(
    client, seat_holder, overrides
):
    for response in (
        client.get(f"{AUTHORIZE}?{urlencode(_params(**overrides))}"),
        client.post(AUTHORIZE, {**_params(**overrides), "person_urn": seat_holder.person_urn}),
    ):
        assert response.status_code == 400
        assert "Location" not in response
    assert not AuthorizationCode.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"scope": "profile"}, "invalid_scope"),
        ({"scope": "openid r_liteprofile"}, "invalid_scope"),
        ({"state": ""}, "invalid_request"),
    ],
)
def test_bad_requests_are_reported_back_to_the_application(client, overrides, error):
    response = client.get(f"{AUTHORIZE}?{urlencode(_params(**overrides))}")
    assert response.status_code == 302
    assert _query(response)["error"] == error


def test_cancel_sends_user_cancelled_login_with_the_state(client, seat_holder):
    response = client.post(AUTHORIZE, {**_params(), "cancel": "1"})
    assert response.status_code == 302
    answer = _query(response)
    assert answer["error"] == "user_cancelled_login"
    assert answer["state"] == "state-123"
    assert "code" not in answer


def test_picking_nobody_known_issues_no_code(client, seat_holder):
    response = client.post(AUTHORIZE, {**_params(), "person_urn": "urn:li:person:ghost"})
    assert response.status_code == 400
    assert not AuthorizationCode.objects.exists()


def test_code_exchange_gives_a_member_token_an_id_token_and_userinfo(client, seat_holder):
    code = _sign_in(client, seat_holder.person_urn)

    response = _exchange(client, code)

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["token_type"] == "Bearer"
    claims = _claims(body["id_token"])
    assert claims["sub"] == "ada42"
    assert claims["aud"] == CLIENT_ID
    assert claims["iss"] == "https://www.linkedin.com/oauth"
    assert claims["nonce"] == "nonce-456"
    info = client.get(USERINFO, headers={"Authorization": f"Bearer {body['access_token']}"})
    assert info.status_code == 200
    data = info.json()
    assert data["sub"] == "ada42"
    assert data["name"] == "Ada Lovelace"
    assert data["given_name"] == "Ada" and data["family_name"] == "Lovelace"
    assert data["email"] == "ada.lovelace@linkedin-sandbox.example"
    assert data["email_verified"] is True
    assert set(data) >= {"locale", "picture"}


def test_a_member_shows_their_own_email(client):
    member = MemberFactory(person_urn="urn:li:person:bob7", emails=["bob@member.example"])
    token = _exchange(client, _sign_in(client, member.person_urn)).json()["access_token"]
    info = client.get(USERINFO, headers={"Authorization": f"Bearer {token}"}).json()
    assert info["email"] == "bob@member.example"


def test_a_code_is_single_use_and_reuse_revokes_its_token(client, seat_holder):
    code = _sign_in(client, seat_holder.person_urn)
    token = _exchange(client, code).json()["access_token"]

    again = _exchange(client, code)

    assert again.status_code == 400
    assert again.json()["error"] == "invalid_request"
    assert not MemberToken.objects.filter(token=token).exists()
    info = client.get(USERINFO, headers={"Authorization": f"Bearer {token}"})
    assert info.status_code == 401


@pytest.mark.parametrize(
    "overrides",
    [
        {"redirect_uri": "http://testserver/elsewhere/"},
        {"code": "AQTnot-a-code"},
        {"code": ""},
    ],
)
def test_a_code_works_only_for_its_redirect_uri_and_only_itself(client, seat_holder, overrides):
    code = _sign_in(client, seat_holder.person_urn)
    response = _exchange(client, code, **overrides)
    assert response.status_code == 400
    assert not MemberToken.objects.exists()


def test_a_code_needs_the_client_secret(client, seat_holder):
    code = _sign_in(client, seat_holder.person_urn)
    response = _exchange(client, code, client_secret="wrong")
    assert response.status_code == 401
    assert not MemberToken.objects.exists()
    assert _exchange(client, code).status_code == 200  # the refused attempt did not use it


def test_a_code_expires_after_30_minutes(client, seat_holder):
    code = _sign_in(client, seat_holder.person_urn)
    with time_machine.travel(timezone.now() + timedelta(minutes=31)):
        response = _exchange(client, code)
    assert response.status_code == 400
    assert not MemberToken.objects.exists()


def test_userinfo_refuses_an_application_token_and_no_token(client):
    app_token = SandboxApi(client).token()
    response = client.get(USERINFO, headers={"Authorization": f"Bearer {app_token}"})
    assert response.status_code == 403
    assert client.get(USERINFO).status_code == 401


def test_a_member_token_does_not_open_the_rsc_api(client, seat_holder):
    token = _exchange(client, _sign_in(client, seat_holder.person_urn)).json()["access_token"]
    response = client.get(f"{BASE}/v2/seatsV2", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
