"""The Sign in with LinkedIn adapter's own checks: the authorization URL and unreadable or
incomplete answers of the token endpoint (strict ``responses``)."""

from __future__ import annotations

import base64
import json
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from tracker_rsc.linkedin import PayloadError, RetryPolicy
from tracker_rsc.linkedin.http import Transport, new_session
from tracker_rsc.linkedin.oidc import SignInClient, SignInError, decode_id_token

TOKEN = "https://www.linkedin.com/oauth/v2/accessToken"


def _client(**overrides: object) -> SignInClient:
    values: dict[str, object] = {
        "authorization_url": "https://www.linkedin.com/oauth/v2/authorization",
        "token_url": TOKEN,
        "api_url": "https://api.linkedin.com",
        "client_id": "app",
        "client_secret": "secret",
        "issuer": "https://www.linkedin.com/oauth",
        "transport": Transport(
            session=new_session(), timeout=5, retry=RetryPolicy(attempts=1), sleep=lambda s: None
        ),
        "clock": lambda: 1_000_000.0,
    }
    values.update(overrides)
    return SignInClient(**values)


def _jwt(claims: object) -> str:
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"eyJhbGciOiJSUzI1NiJ9.{body}.sig"


def test_the_authorization_url_carries_every_parameter():
    url = urlsplit(_client().authorization_url(state="s", nonce="n", redirect_uri="https://t/r/"))
    assert parse_qs(url.query) == {
        "response_type": ["code"],
        "client_id": ["app"],
        "redirect_uri": ["https://t/r/"],
        "state": ["s"],
        "nonce": ["n"],
        "scope": ["openid profile email"],
    }


@pytest.mark.parametrize("token", ["", "a.b", "a.!!!.c", _jwt(["not", "an", "object"])])
def test_an_unreadable_id_token_is_a_payload_error(token):
    with pytest.raises(PayloadError):
        decode_id_token(token)


def test_a_token_answer_without_an_id_token_is_a_payload_error():
    with responses.RequestsMock() as mock:
        mock.post(TOKEN, json={"access_token": "t", "expires_in": 60})
        with pytest.raises(PayloadError, match="id_token"):
            _client().exchange_code(code="c", redirect_uri="https://t/r/", nonce="n")


def test_an_id_token_without_a_member_is_refused():
    claims = {"iss": "https://www.linkedin.com/oauth", "aud": ["app"], "exp": 2e6, "nonce": "n"}
    with responses.RequestsMock() as mock:
        mock.post(TOKEN, json={"access_token": "t", "id_token": _jwt(claims)})
        with pytest.raises(SignInError, match="no member"):
            _client().exchange_code(code="c", redirect_uri="https://t/r/", nonce="n")
