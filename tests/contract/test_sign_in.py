"""Contract: the Sign in with LinkedIn adapter (``tracker_rsc.linkedin.oidc``) against the
sandbox over HTTP — the code exchange with a secret that needs URL-encoding, the ID token's
claims, /v2/userinfo, and the typed errors of a used code and an application token."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from tests.sandbox.factories import SandboxSeatFactory
from tracker_rsc.linkedin import AuthError, PermanentError, client_from_settings
from tracker_rsc.linkedin.oidc import MemberToken, get_sign_in_client
from tracker_rsc.signin_views import redirect_uri

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def signin(sandbox_url, settings):
    settings.LINKEDIN_AUTHORIZATION_URL = f"{sandbox_url}/oauth/v2/authorization"
    return get_sign_in_client()


def _code(signin, person_urn: str, nonce: str = "n-1") -> str:
    """What the browser does on the sandbox's sign-in page: pick the person, get a code."""
    url = urlsplit(signin.authorization_url(state="s-1", nonce=nonce, redirect_uri=redirect_uri()))
    params = {k: v[0] for k, v in parse_qs(url.query).items()}
    response = Client().post(url.path, {**params, "person_urn": person_urn})
    assert response.status_code == 302, response.content
    answer = parse_qs(urlsplit(response["Location"]).query)
    assert answer["state"] == ["s-1"]
    return answer["code"][0]


def test_the_adapter_signs_a_member_in_through_the_sandbox(signin, world):
    seat = SandboxSeatFactory(
        contract=world.contract, person_urn="urn:li:person:ada42", first_name="Ada"
    )
    token = signin.exchange_code(
        code=_code(signin, seat.person_urn, nonce="n-42"), redirect_uri=redirect_uri(), nonce="n-42"
    )

    member = signin.userinfo(token)

    assert token.id_claims["nonce"] == "n-42"
    assert member.person_urn == "urn:li:person:ada42"
    assert member.given_name == "Ada" and member.email and member.email_verified


def test_a_used_code_is_an_auth_error(signin, world):
    code = _code(signin, world.user.person_urn)
    signin.exchange_code(code=code, redirect_uri=redirect_uri(), nonce="n-1")
    with pytest.raises(AuthError, match="authorization code"):
        signin.exchange_code(code=code, redirect_uri=redirect_uri(), nonce="n-1")


def test_an_application_token_cannot_read_a_members_user_info(signin, world):
    app_token = client_from_settings().tokens.get()
    with pytest.raises(PermanentError) as caught:
        signin.userinfo(MemberToken(app_token, None, "", {"sub": "x"}))
    assert caught.value.status == 403
