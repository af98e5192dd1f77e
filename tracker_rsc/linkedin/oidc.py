"""Sign In with LinkedIn (OpenID Connect, authorization code flow): the member side of the API.

Three steps, all through the adapter's ``Transport`` (timeouts, retries, typed errors):

- ``authorization_url(state=, nonce=, redirect_uri=)``: where the browser goes to sign in;
- ``exchange_code(code=, redirect_uri=, nonce=)``: the code for a member token, at the token
  endpoint (form-encoded, with the client id and secret), checking the ID token's claims;
- ``userinfo(token)``: ``GET /v2/userinfo`` with that token → ``MemberIdentity``.

A member token is returned to the caller only to read the user info at once; it is never
cached or stored. The ID token arrives straight from the token endpoint over TLS, so its claims
are checked (issuer, audience, expiry, nonce, subject) without verifying its signature, as
OpenID Connect Core §3.1.3.7 allows for a token received directly from the token endpoint.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.conf import settings

from .errors import LinkedInError, PayloadError
from .http import RetryPolicy, Transport, new_session
from .payloads import Reader
from .tokens import post_token_form

SCOPES = ("openid", "profile", "email")
# LinkedIn's OpenID issuer (the sandbox, standing in for LinkedIn, names the same one).
LINKEDIN_ISSUER = "https://www.linkedin.com/oauth"
# Tolerated clock difference when reading the ID token's expiry.
CLOCK_SKEW_SECONDS = 120
_SUB = re.compile(r"^[A-Za-z0-9_-]{1,60}$")


class SignInError(LinkedInError):
    """LinkedIn's answer cannot be trusted for this sign-in (wrong nonce, audience, subject)."""


@dataclass(frozen=True)
class MemberToken:
    """A member's access token from the authorization code exchange; use once, never store."""

    access_token: str
    expires_in: int | None
    scope: str
    id_claims: dict[str, Any]


@dataclass(frozen=True)
class MemberIdentity:
    """Who signed in, from ``/v2/userinfo``. ``person_urn`` is ``urn:li:person:{sub}``."""

    sub: str
    name: str
    given_name: str
    family_name: str
    email: str
    email_verified: bool
    locale: str
    picture: str

    @property
    def person_urn(self) -> str:
        return f"urn:li:person:{self.sub}"


def decode_id_token(id_token: str) -> dict[str, Any]:
    """The claims of a JWT (its middle part), without verifying the signature. PayloadError."""
    parts = id_token.split(".") if isinstance(id_token, str) else []
    if len(parts) != 3:
        raise PayloadError("accessToken.id_token: not a JWT", field="accessToken.id_token")
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeError):
        raise PayloadError(
            "accessToken.id_token: unreadable claims", field="accessToken.id_token"
        ) from None
    if not isinstance(claims, dict):
        raise PayloadError("accessToken.id_token: claims are not an object", field="id_token")
    return claims


def _audience(claims: dict[str, Any]) -> list[str]:
    aud = claims.get("aud")
    if isinstance(aud, str):
        return [aud]
    if isinstance(aud, list):
        return [a for a in aud if isinstance(a, str)]
    return []


class SignInClient:
    """The three calls of Sign In with LinkedIn. ``clock`` is injectable for tests."""

    def __init__(
        self,
        *,
        authorization_url: str,
        token_url: str,
        api_url: str,
        client_id: str,
        client_secret: str,
        issuer: str,
        transport: Transport,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.authorization_endpoint = authorization_url
        self.token_url = token_url
        self.api_url = api_url.rstrip("/")
        self.client_id = client_id
        self.client_secret = client_secret
        self.issuer = issuer
        self.transport = transport
        self.clock = clock

    def configured(self) -> bool:
        return bool(self.client_id and self.client_secret and self.authorization_endpoint)

    def authorization_url(self, *, state: str, nonce: str, redirect_uri: str) -> str:
        query = urlencode(
            {
                "response_type": "code",
                "client_id": self.client_id,
                "redirect_uri": redirect_uri,
                "state": state,
                "nonce": nonce,
                "scope": " ".join(SCOPES),
            }
        )
        separator = "&" if "?" in self.authorization_endpoint else "?"
        return f"{self.authorization_endpoint}{separator}{query}"

    def exchange_code(self, *, code: str, redirect_uri: str, nonce: str) -> MemberToken:
        """Trade an authorization code for a member token and check its ID token.

        Raises AuthError when LinkedIn refuses the code (expired, used, another redirect URI)
        or the client credentials, TransientError when LinkedIn cannot be reached,
        PayloadError for an unreadable answer and SignInError when the ID token was not
        issued for this sign-in (nonce, audience, issuer, expiry).
        """
        reader = post_token_form(
            self.transport,
            self.token_url,
            client_id=self.client_id,
            client_secret=self.client_secret,
            grant={"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri},
            refused="the sign-in code",
        )
        token = reader.text("access_token")
        raw_expiry = reader.obj.get("expires_in")
        expires_in = int(str(raw_expiry)) if str(raw_expiry or "").strip().isdigit() else None
        scope = reader.obj.get("scope") if isinstance(reader.obj.get("scope"), str) else ""
        id_token = reader.obj.get("id_token")
        if not isinstance(id_token, str) or not id_token:
            raise PayloadError("accessToken.id_token: missing", field="accessToken.id_token")
        claims = decode_id_token(id_token)
        self._check_claims(claims, nonce=nonce)
        return MemberToken(
            access_token=token, expires_in=expires_in, scope=scope or "", id_claims=claims
        )

    def _check_claims(self, claims: dict[str, Any], *, nonce: str) -> None:
        if claims.get("iss") != self.issuer:
            raise SignInError(f"The ID token was issued by {claims.get('iss')!r}, not LinkedIn.")
        if self.client_id not in _audience(claims):
            raise SignInError("The ID token was issued for another application.")
        expiry = claims.get("exp")
        if not isinstance(expiry, int | float) or expiry + CLOCK_SKEW_SECONDS < self.clock():
            raise SignInError("The ID token has expired.")
        if not nonce or claims.get("nonce") != nonce:
            raise SignInError("The ID token does not belong to this sign-in (nonce mismatch).")
        if not isinstance(claims.get("sub"), str) or not _SUB.match(claims["sub"]):
            raise SignInError("The ID token names no member.")

    def userinfo(self, token: MemberToken) -> MemberIdentity:
        """``GET /v2/userinfo`` with the member token. The subject must be the ID token's.

        Raises AuthError (token refused), TransientError, PayloadError or SignInError.
        """
        response = self.transport.send(
            "GET",
            f"{self.api_url}/v2/userinfo",
            body=None,
            headers={"Authorization": f"Bearer {token.access_token}"},
            log_path="/v2/userinfo",
            expect_json=True,
        )
        reader = Reader(response.data, "userinfo")
        sub = reader.text("sub")
        if not _SUB.match(sub):
            raise PayloadError(f"userinfo.sub: not a member id: {sub!r}", field="userinfo.sub")
        if token.id_claims.get("sub") != sub:
            raise SignInError("LinkedIn's user info names another member than the ID token.")
        data = reader.obj

        def text(name: str) -> str:
            value = data.get(name)
            return value if isinstance(value, str) else ""

        return MemberIdentity(
            sub=sub,
            name=text("name"),
            given_name=text("given_name"),
            family_name=text("family_name"),
            email=text("email"),
            email_verified=data.get("email_verified") is True,
            locale=text("locale") if isinstance(data.get("locale"), str) else "",
            picture=text("picture"),
        )


def get_sign_in_client() -> SignInClient:
    """A client configured from settings (LINKEDIN_AUTHORIZATION_URL, _TOKEN_URL, _API_URL)."""
    return SignInClient(
        authorization_url=settings.LINKEDIN_AUTHORIZATION_URL,
        token_url=settings.LINKEDIN_TOKEN_URL,
        api_url=settings.LINKEDIN_API_URL,
        client_id=settings.LINKEDIN_CLIENT_ID,
        client_secret=settings.LINKEDIN_CLIENT_SECRET,
        issuer=LINKEDIN_ISSUER,
        transport=Transport(
            session=new_session(),
            timeout=settings.LINKEDIN_TIMEOUT,
            # A person is waiting on the page: two quick tries at most, never LinkedIn's
            # worker-sized back-off.
            retry=RetryPolicy(attempts=2, base_wait=0.5, max_wait=2.0),
        ),
    )
